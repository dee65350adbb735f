/** The feed port's shared types: why a subscriber's connection ends, what a subscriber needs from its server. */
import type {CurveKeys} from '../front-door/curve.js';
import type {FeedLimits} from './limits.js';
import type {Subscriber} from './subscriber.js';

/** Why a subscriber's connection ended. */
export type FeedCloseReason =
	| 'peer-closed'
	| 'peer-error'
	| 'protocol'
	| 'too-many-frames'
	| 'frame-too-big'
	| 'too-many-subscriptions'
	| 'subscription'
	| 'flood'
	| 'crypto'
	| 'key-refused'
	| 'socket-type'
	| 'handshake-timeout'
	| 'heartbeat-timeout'
	| 'slow-consumer'
	| 'revoked'
	| 'shutdown'
	| 'socket-error';

/** What a subscriber needs from the feed server that owns it. */
export interface FeedSide {
	readonly limits: FeedLimits;
	readonly curve: CurveKeys | undefined;
	/** CURVE: undefined admits the key (Z85), a string is why not. */
	admit(key: string, address: string): string | undefined;
	subscribed(sub: Subscriber, topic: string): void;
	cancelled(sub: Subscriber, topic: string): void;
	opened(sub: Subscriber): void;
	ended(sub: Subscriber, reason: FeedCloseReason, detail: string): void;
	log(line: string): void;
}
