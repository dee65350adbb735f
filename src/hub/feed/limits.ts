/**
 * Every limit of the feed port, named, with its default: what one subscriber may send and cost
 * the hub, and how many there may be. docs/SECURITY.md quotes these numbers.
 */
import {MAX_ROOM_LENGTH, ROOM_PATTERN} from '../../protocol/limits.js';
import {topicRoom} from '../../protocol/topic.js';
import {DEFAULT_ZMTP_LIMITS, type ZmtpLimits} from '../front-door/limits.js';
import {MAX_PING_CONTEXT} from '../front-door/wire.js';

/**
 * Longest topic the hub publishes: "#" + the longest room name + ":". A subscription longer than
 * this can match nothing, so a frame that would carry one is refused as it arrives.
 */
export const MAX_TOPIC_BYTES = 1 + MAX_ROOM_LENGTH + 1;

/** The port's own limits; the handshake, heartbeats and connection counts are any ZMTP port's. */
export interface FeedLimits extends ZmtpLimits {
	/** Distinct subscriptions one connection may hold (a session is in at most 32 rooms); one more closes it. @default 64 */
	readonly maxSubscriptions: number;
	/** Bytes of a subscription (its topic prefix); a longer one closes the connection before its body is read. @default 34 (MAX_TOPIC_BYTES) */
	readonly maxTopicBytes: number;
	/** Bytes of a ZMTP command during the handshake (READY, HELLO, INITIATE). @default 4096 */
	readonly maxHandshakeBytes: number;
	/**
	 * Frames a subscriber may send: a burst, then so many a second (subscriptions, cancels,
	 * heartbeats). Past it the connection is closed. @default 256, then 32 a second
	 */
	readonly frameBurst: number;
	readonly framesPerSecond: number;
	/**
	 * Feed bytes written to one subscriber that it has not taken yet, past which the hub drops
	 * its feed messages (whole ones: it sees a gap in `seq` and repairs it from history), as
	 * libzmq's high-water mark does. @default 2 MiB
	 */
	readonly maxQueuedBytes: number;
	/** The same counted in feed messages (the hub's --feed-hwm). @default 1000 */
	readonly maxQueuedMessages: number;
	/**
	 * The same over all subscribers: past it, the subscribers with the most queued are closed
	 * as slow consumers until the rest is under it. @default 64 MiB
	 */
	readonly maxQueuedBytesTotal: number;
	/**
	 * A subscriber that sends nothing for this long (its PING's TTL may shorten it) while the
	 * network takes nothing of what is queued for it is closed. @default 6000 ms
	 */
	readonly heartbeatTimeoutMs: number;
}

export const DEFAULT_FEED_LIMITS: FeedLimits = {
	maxSubscriptions: 64,
	maxTopicBytes: MAX_TOPIC_BYTES,
	maxHandshakeBytes: 4096,
	frameBurst: 256,
	framesPerSecond: 32,
	maxQueuedBytes: 2 * 1024 * 1024,
	maxQueuedMessages: 1000,
	maxQueuedBytesTotal: 64 * 1024 * 1024,
	...DEFAULT_ZMTP_LIMITS,
};

/** Bytes of a command after the handshake: SUBSCRIBE or CANCEL with the longest topic, or a PING with the longest context. */
export function trafficCommandBytes(limits: FeedLimits): number {
	return 1 + Math.max('SUBSCRIBE'.length + limits.maxTopicBytes, 'PING'.length + 2 + MAX_PING_CONTEXT);
}

/**
 * What a subscriber may subscribe to: everything ("") or one room's topic ("#lobby:"), whole.
 * A room that does not exist yet is allowed: a client subscribes before the `join` that
 * creates it (PROTOCOL.md, the slow joiner). Undefined when allowed, else why not.
 */
export function subscriptionProblem(topic: string): string | undefined {
	if (topic === '') return undefined;
	const room = topicRoom(topic);
	if (room !== undefined && ROOM_PATTERN.test(room)) return undefined;
	return `a subscription to ${JSON.stringify(topic.slice(0, 40))}, which is neither everything ("") nor a room's topic ("#room:")`;
}
