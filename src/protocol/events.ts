/** The feed events of protocol version 1 (hub → everyone in a room, over PUB), as the hub stamps them. */

/** Fields every feed event carries. */
export interface FeedBase {
	readonly room: string;
	/** Position in the room's log: 1, 2, 3, … with no gaps. */
	readonly seq: number;
	/** The hub's epoch: changes only when the hub starts on empty data. seq is meaningful within one epoch. */
	readonly epoch: string;
	/** Milliseconds since 1970, stamped by the hub. */
	readonly ts: number;
	/** Who did it, stamped by the hub from its session table. */
	readonly from: string;
}

export interface MessageEvent extends FeedBase {
	readonly type: 'message';
	readonly text: string;
	readonly action?: boolean;
}

export interface JoinEvent extends FeedBase {
	readonly type: 'join';
}

export interface PartEvent extends FeedBase {
	readonly type: 'part';
	readonly reason?: string;
	/** The member left the hub altogether (quit, timed out, hub shutdown), not just the room. */
	readonly quit?: boolean;
	/** An operator removed them: `kick` or `ban` (with `by`, the operator's nick). */
	readonly removed?: 'kick' | 'ban';
	readonly by?: string;
}

export interface NickEvent extends FeedBase {
	readonly type: 'nick';
	/** The new nick (`from` is the old one). */
	readonly to: string;
}

export interface TopicEvent extends FeedBase {
	readonly type: 'topic';
	readonly text: string;
	/** Present when this event locks (true) or unlocks (false) the topic rather than changing its text. */
	readonly lock?: boolean;
}

/** A member went away (with `text`, their away message) or came back (no `text`): published in each room they are in. */
export interface AwayEvent extends FeedBase {
	readonly type: 'away';
	readonly text?: string;
}

export type FeedEvent = MessageEvent | JoinEvent | PartEvent | NickEvent | TopicEvent | AwayEvent;
export type FeedEventType = FeedEvent['type'];
