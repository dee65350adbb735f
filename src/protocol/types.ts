/**
 * The messages of protocol version 1, as TypeScript types. docs/PROTOCOL.md is the contract
 * these types follow; every field is described there with an example.
 *
 * Three kinds of message:
 * - commands, client → hub over DEALER (or REQ) → ROUTER, one JSON object per frame;
 * - replies, hub → one client over ROUTER → DEALER, one JSON object per frame;
 * - feed events, hub → everyone subscribed over PUB → SUB, as [topic, event, event, …].
 */

// ---------------------------------------------------------------------------------------
// Commands (client → hub)

/** Fields every command may carry. */
export interface CommandBase {
	/** The client's id for this command; replies to it carry it back as `re`. Required for say and msg. */
	readonly id?: string;
}

export interface HelloCommand extends CommandBase {
	readonly type: 'hello';
	/** Protocol version the client speaks. */
	readonly v: number;
	/** The nick to use. */
	readonly nick: string;
	/**
	 * A secret the client made up (16–128 characters) and keeps for as long as it runs. Sending
	 * it again (after a reconnect) resumes the same session; the hub also uses it to drop
	 * resent duplicates of a message.
	 */
	readonly session: string;
	/** Rooms to join at once. @default ["lobby"] */
	readonly rooms?: readonly string[];
	/** The client's name and version, for /whois and logs. */
	readonly client?: string;
}

export interface SayCommand extends CommandBase {
	readonly type: 'say';
	readonly id: string;
	readonly room: string;
	readonly text: string;
	/** An action (`/me waves`) rather than a plain message. @default false */
	readonly action?: boolean;
}

export interface JoinCommand extends CommandBase {
	readonly type: 'join';
	readonly room: string;
}

export interface PartCommand extends CommandBase {
	readonly type: 'part';
	readonly room: string;
	readonly reason?: string;
}

export interface NickCommand extends CommandBase {
	readonly type: 'nick';
	readonly nick: string;
}

export interface TopicCommand extends CommandBase {
	readonly type: 'topic';
	readonly room: string;
	/** The new topic; leave it out to ask for the current one. An empty string clears it. */
	readonly text?: string;
}

export interface WhoCommand extends CommandBase {
	readonly type: 'who';
	/** Only this room's members; leave it out for everyone on the hub. */
	readonly room?: string;
}

export interface WhoisCommand extends CommandBase {
	readonly type: 'whois';
	readonly nick: string;
}

export interface RoomsCommand extends CommandBase {
	readonly type: 'rooms';
}

export interface MsgCommand extends CommandBase {
	readonly type: 'msg';
	readonly id: string;
	readonly to: string;
	readonly text: string;
	readonly action?: boolean;
}

export interface AwayCommand extends CommandBase {
	readonly type: 'away';
	/** The away message; leave it out (or empty) to come back. */
	readonly text?: string;
}

export interface HistoryCommand extends CommandBase {
	readonly type: 'history';
	readonly room: string;
	/** Events with seq greater than this, oldest first. */
	readonly after?: number;
	/** The latest events with seq less than this. */
	readonly before?: number;
	/** How many events at most. @default 50 (at most 500) */
	readonly limit?: number;
}

export interface PingCommand extends CommandBase {
	readonly type: 'ping';
}

export interface ByeCommand extends CommandBase {
	readonly type: 'bye';
	readonly reason?: string;
}

export interface StatsCommand extends CommandBase {
	readonly type: 'stats';
}

// Moderation: operators only (the hub's --op list). Everyone else gets `not_operator`.

/** End someone's session; their client is told why and by whom. */
export interface KickCommand extends CommandBase {
	readonly type: 'kick';
	readonly nick: string;
	readonly reason?: string;
}

/**
 * Ban a nick or a public key (z85, 40 characters) from the hub, for `durationMs` or for good.
 * Bans are kept in the hub's store. Banning the nick of someone online also ends their
 * session, and on a hub with keys bans their key as well.
 */
export interface BanCommand extends CommandBase {
	readonly type: 'ban';
	readonly target: string;
	readonly durationMs?: number;
	readonly reason?: string;
}

export interface UnbanCommand extends CommandBase {
	readonly type: 'unban';
	readonly target: string;
}

/** List the bans in force. */
export interface BansCommand extends CommandBase {
	readonly type: 'bans';
}

/** Stop someone from speaking (say, msg, topic, nick) for `durationMs` or until unmuted. */
export interface MuteCommand extends CommandBase {
	readonly type: 'mute';
	readonly nick: string;
	readonly durationMs?: number;
	readonly reason?: string;
}

export interface UnmuteCommand extends CommandBase {
	readonly type: 'unmute';
	readonly nick: string;
}

/** Lock (or unlock) a room's topic: while locked only operators can change it. */
export interface LockCommand extends CommandBase {
	readonly type: 'lock';
	readonly room: string;
	readonly locked: boolean;
}

export type Command =
	| HelloCommand
	| SayCommand
	| JoinCommand
	| PartCommand
	| NickCommand
	| TopicCommand
	| WhoCommand
	| WhoisCommand
	| RoomsCommand
	| MsgCommand
	| AwayCommand
	| HistoryCommand
	| PingCommand
	| ByeCommand
	| StatsCommand
	| KickCommand
	| BanCommand
	| UnbanCommand
	| BansCommand
	| MuteCommand
	| UnmuteCommand
	| LockCommand;

export type CommandType = Command['type'];

// ---------------------------------------------------------------------------------------
// Feed events (hub → everyone in a room, over PUB)

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

// ---------------------------------------------------------------------------------------
// Replies (hub → one client, over ROUTER)

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
		readonly rate?: {readonly burst: number; readonly seconds: number};
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

export interface StatsReply {
	readonly type: 'stats';
	readonly re?: string;
	readonly uptimeMs: number;
	readonly sessions: number;
	readonly rooms: number;
	readonly messages: number;
	/**
	 * Connections open on the hub's ROUTER (commands) socket: every client, plus peers with
	 * no session (a REQ asking stats, a client not welcomed yet). From socket events, so a
	 * connection made a moment ago may not be counted yet.
	 */
	readonly connections: number;
	/** Connections open on the hub's PUB (feed) socket: everyone who can read the feed, session or not. */
	readonly subscribers: number;
	readonly epoch: string;
	readonly version: string;
}

export interface BanInfo {
	/** The banned nick, or public key (z85). */
	readonly target: string;
	readonly kind: 'nick' | 'key';
	/** When the ban ends, ms since 1970; absent for a ban for good. */
	readonly until?: number;
	/** The operator who banned. */
	readonly by: string;
	readonly reason?: string;
	readonly since: number;
}

export interface BansReply {
	readonly type: 'bans';
	readonly re?: string;
	readonly bans: readonly BanInfo[];
}

/**
 * Something the hub tells one session without being asked: it is going away (shutdown), it
 * ended the session (timeout seen late), an operator removed or silenced you (kicked,
 * banned, muted, unmuted), or your key is no longer on the hub's list (revoked).
 */
export interface NoticeReply {
	readonly type: 'notice';
	readonly code: 'shutdown' | 'session_ended' | 'kicked' | 'banned' | 'muted' | 'unmuted' | 'revoked';
	readonly message: string;
	/** For muted: when the mute ends (ms since 1970); absent for a mute until unmuted. */
	readonly until?: number;
}

export type ErrorCode =
	| 'bad_frame'
	| 'bad_utf8'
	| 'bad_json'
	| 'bad_type'
	| 'bad_field'
	| 'bad_version'
	| 'no_session'
	| 'nick_invalid'
	| 'nick_taken'
	| 'room_invalid'
	| 'not_in_room'
	| 'too_many_rooms'
	| 'text_empty'
	| 'text_too_long'
	| 'no_such_nick'
	| 'storage_failed'
	| 'hub_full'
	| 'shutting_down'
	| 'rate_limited'
	| 'unauthenticated'
	| 'unauthorized'
	| 'nick_reserved'
	| 'banned'
	| 'muted'
	| 'not_operator'
	| 'not_banned'
	| 'topic_locked';

export interface ErrorReply {
	readonly type: 'error';
	/** The id of the command this answers, when it had one and could be read. */
	readonly re?: string;
	readonly code: ErrorCode;
	/** What went wrong and what to do, in words for a person. */
	readonly message: string;
	/** Try again after this many milliseconds (storage_failed, rate_limited, muted, banned). */
	readonly retryAfterMs?: number;
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
