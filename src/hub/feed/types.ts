/** The feed port's shared types: why a subscriber's connection ends, what a subscriber needs from its server. */
import type {ZmtpCloseReason} from '../front-door/types.js';
import type {ZmtpSide} from '../front-door/zmtp-connection.js';
import type {FeedLimits} from './limits.js';
import type {Subscriber} from './subscriber.js';

/** Why a subscriber's connection ended: as on any ZMTP port, or for what only a subscriber can overdo. */
export type FeedCloseReason = ZmtpCloseReason | 'too-many-subscriptions' | 'subscription' | 'flood';

/** What a subscriber needs from the feed server that owns it. */
export interface FeedSide extends ZmtpSide<FeedCloseReason> {
	readonly limits: FeedLimits;
	subscribed(sub: Subscriber, topic: string): void;
	cancelled(sub: Subscriber, topic: string): void;
	opened(sub: Subscriber): void;
	ended(sub: Subscriber, reason: FeedCloseReason, detail: string): void;
}
