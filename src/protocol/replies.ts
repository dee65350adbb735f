/** The replies of protocol version 1 (hub → one client, one JSON object per frame), and the union of them all. */
import type {CommandType} from './commands.js';
import type {FeedEvent} from './events.js';
import type {BansReply, ErrorReply, NoticeReply} from './notices.js';
import type {StatsReply} from './stats.js';

/** A room as a client sees it on joining. */
export interface RoomState {
	readonly room: string;
	/** The room's latest seq (0 for a room with no events yet). */
	readonly seq: number;
	readonly topic: string;
	readonly members: readonly string[];
	/** The members who are away (left out when none are). */
	readonly away?: readonly string[];
	/** Only operators can change the topic. */
	readonly topicLocked?: boolean;
}

export interface WelcomeReply {
	readonly type: 'welcome';
	readonly re?: string;
	readonly v: number;
	readonly nick: string;
	readonly epoch: string;
	/** True when the hello resumed a session that was still alive (no join notices were sent). */
	readonly resumed: boolean;
	readonly rooms: readonly RoomState[];
	/** Send something (a ping will do) at least this often, or the hub ends the session. */
	readonly ttlMs: number;
	readonly limits: {
		readonly textBytes: number;
		readonly frames: number;
		readonly frameBytes: number;
		readonly roomsPerSession: number;
		/** The most events one `history` reply carries (a page). */
		readonly historyLimit: number;
		/** How many events the hub keeps per room (its --history-limit): older ones are gone for good. */
		readonly historyKept: number;
		/**
		 * The hub's flood limit: at most `burst` messages at once, then one every
		 * `seconds / burst` seconds (a token bucket). Absent when the hub has none.
		 */
		readonly rate?: {
			readonly burst: number;
			readonly seconds: number;
			/** Bytes of text (say, msg, topic, away, reasons) one sender may send a minute; absent for no byte budget. */
			readonly bytesPerMinute?: number;
			/**
			 * What you have left right after this hello (which took a token, and one for each
			 * room it made): tokens (below 0: wait that many intervals before the next command)
			 * and bytes of text.
			 */
			readonly left?: {readonly tokens: number; readonly bytes?: number};
		};
	};
	readonly hub: {readonly name: string; readonly version: string};
	/** The public key (z85) this connection authenticated with, on a hub that uses keys. */
	readonly key?: string;
	/** This session may use the operator commands (kick, ban, unban, bans, mute, unmute, lock). */
	readonly op?: boolean;
}

export interface AckReply {
	readonly type: 'ack';
	readonly re: string;
	/** For a say: the room and the seq it was stored under. */
	readonly room?: string;
	readonly seq?: number;
	readonly epoch?: string;
	/** For a msg: the recipient, and their away message if they are away. */
	readonly to?: string;
	readonly away?: string;
}

export interface OkReply {
	readonly type: 'ok';
	readonly re?: string;
	/** What the command did, for clients that echo it ("you are now known as bob"). */
	readonly command: CommandType;
	readonly nick?: string;
	readonly room?: string;
	/** For ban and unban: the nick or key. */
	readonly target?: string;
	/** For a ban of a nick: the keys banned with it (its member's, and those it was last seen with). */
	readonly keys?: readonly string[];
}

export interface JoinedReply extends RoomState {
	readonly type: 'joined';
	readonly re?: string;
}

export interface MemberInfo {
	readonly nick: string;
	readonly away?: string;
	readonly idleMs: number;
	/** An operator of the hub. */
	readonly op?: boolean;
}

export interface WhoReply {
	readonly type: 'who';
	readonly re?: string;
	readonly room?: string;
	readonly members: readonly MemberInfo[];
}

export interface WhoisReply {
	readonly type: 'whois';
	readonly re?: string;
	readonly nick: string;
	readonly rooms: readonly string[];
	readonly idleMs: number;
	/** Milliseconds since 1970 when the session began. */
	readonly since: number;
	readonly away?: string;
	readonly client?: string;
}

export interface RoomsReply {
	readonly type: 'rooms';
	readonly re?: string;
	readonly rooms: ReadonlyArray<{readonly room: string; readonly members: number; readonly topic: string}>;
}

export interface TopicReply {
	readonly type: 'topic';
	readonly re?: string;
	readonly room: string;
	readonly text: string;
}

export interface HistoryReply {
	readonly type: 'history';
	readonly re?: string;
	readonly room: string;
	readonly epoch: string;
	/** The room's latest seq when the reply was made. */
	readonly head: number;
	/** Oldest first. */
	readonly events: readonly FeedEvent[];
	/** True when older events than the first one returned exist (for before/latest requests) or newer ones (for after). */
	readonly more: boolean;
}

export interface PongReply {
	readonly type: 'pong';
	readonly re?: string;
	readonly ts: number;
	/** The latest seq of each room the session is in: a client that is behind asks for history. */
	readonly heads: Readonly<Record<string, number>>;
	readonly epoch: string;
	/** Whether the pinging connection has a session: false after a hub restart or a timeout (say hello again). */
	readonly session: boolean;
}

export interface DmReply {
	readonly type: 'dm';
	readonly from: string;
	readonly to: string;
	readonly text: string;
	readonly ts: number;
	readonly action?: boolean;
}

export type Reply =
	| WelcomeReply
	| AckReply
	| OkReply
	| JoinedReply
	| WhoReply
	| WhoisReply
	| RoomsReply
	| TopicReply
	| HistoryReply
	| PongReply
	| DmReply
	| StatsReply
	| NoticeReply
	| BansReply
	| ErrorReply;

export type ReplyType = Reply['type'];
