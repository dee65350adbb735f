/**
 * The client's state as data: its types, the inputs and effects of the reducer, the initial
 * state, and the selectors the view, the cli and the reducer read it through. (Past 300
 * lines because two thirds of it are the documented fields of the state, which read best
 * in one place.)
 */
import type {DistributiveOmit} from '../protocol/exhaustive.js';
import {nickKey} from '../protocol/names.js';
import type {BanInfo, Command, FeedEvent, MemberInfo, Reply, RoomsReply, WhoisReply} from '../protocol/types.js';
import type {Intent} from './commands.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/**
 * The hub's answer to a question (/who, /whois, /rooms, /bans, /topic), as data: the view
 * chooses the words. A list comes as one answer per entry (one line each), or as its `none`
 * answer when it is empty.
 */
export type Answer =
	| {readonly type: 'who'; readonly room?: string; readonly members: readonly MemberInfo[]}
	| {readonly type: 'whois'; readonly whois: Omit<WhoisReply, 'type' | 're'>}
	| {readonly type: 'room'; readonly room: RoomsReply['rooms'][number]}
	| {readonly type: 'no-rooms'}
	| {readonly type: 'ban'; readonly ban: BanInfo}
	| {readonly type: 'no-bans'}
	| {readonly type: 'topic'; readonly room: string; readonly text: string};

export type FeedItem =
	| {readonly kind: 'event'; readonly key: string; readonly event: FeedEvent; readonly replay?: boolean; readonly mention?: boolean}
	| {
			readonly kind: 'dm';
			readonly key: string;
			readonly from: string;
			readonly to: string;
			readonly text: string;
			readonly ts: number;
			readonly action?: boolean;
			readonly self: boolean;
	  }
	| {readonly kind: 'notice'; readonly key: string; readonly ts: number; readonly text: string; readonly level: 'info' | 'error'}
	/** `ts` is when the answer came: durations in it ("connected 5m ago") count from then. */
	| {readonly kind: 'answer'; readonly key: string; readonly ts: number; readonly answer: Answer}
	/**
	 * A line of ours the hub refused for good, shown once, where it was typed, at the time it
	 * was refused: `to` is where it was going ("#room" or "@nick"), `from` our nick then.
	 */
	| {
			readonly kind: 'failed';
			readonly key: string;
			readonly ts: number;
			readonly to: string;
			readonly from: string;
			readonly text: string;
			readonly action: boolean;
			readonly error: string;
	  };

/** A room or a private conversation, as one scrollable feed. */
export interface View {
	/** "#room" or "@nick". */
	readonly id: string;
	readonly feed: readonly FeedItem[];
	/** Items that came in while this view was not the active one. */
	readonly unread: number;
	/** Someone mentioned you here since you last looked. */
	readonly mentioned: boolean;
	/** Key of the first item you have not seen yet (the "read up to here" line), if any. */
	readonly readMarker?: string;
}

export interface RoomView extends View {
	readonly room: string;
	/** Whether you are in the room (false after /part while the view stays until closed). */
	readonly joined: boolean;
	/** The room's recent history is loaded and the feed is live. */
	readonly synced: boolean;
	/** A welcome or joined has given the room its position (lastSeq), from which history loads; not yet after /join or a new epoch. */
	readonly positioned: boolean;
	/** The last seq applied: everything up to it is in order in the feed (or was dropped by the bound). */
	readonly lastSeq: number;
	/** The oldest seq known to this view (for fetching older history). */
	readonly oldestSeq: number;
	/** Events that arrived ahead of lastSeq + 1, waiting for the gap to be filled. */
	readonly buffer: readonly FeedEvent[];
	readonly members: readonly string[];
	/** The members who are away (a subset of `members`). */
	readonly away: readonly string[];
	readonly topic: string;
	/** The seq `members` and `topic` are as of: a snapshot's, or the last join, part, nick or topic applied (roster.ts). */
	readonly stateSeq: number;
	/** Those events applied after `changesFrom`, oldest first: a snapshot that arrives late is placed among them. */
	readonly changes: readonly RoomChange[];
	readonly changesFrom: number;
	/** True while older history than the feed holds may exist on the hub. */
	readonly hasOlder: boolean;
}

/** The events that change a room's members or topic. */
export type RoomChange = Exclude<FeedEvent, {readonly type: 'message'}>;

export interface DmView extends View {
	readonly nick: string;
}

export interface Pending {
	readonly id: string;
	/** Where it goes: "#room" or "@nick". */
	readonly view: string;
	/** Where it was typed, when not in `view` (a /msg from a room): shown there while pending, and its outcome too. */
	readonly typedIn?: string;
	readonly text: string;
	readonly action: boolean;
	/**
	 * queued: not sent yet (or to be sent again); sent: waiting for the ack; acked: stored by
	 * the hub. (failed: refused for good — such a line no longer stays pending: it becomes a
	 * `failed` feed item where it was typed.)
	 */
	readonly state: 'queued' | 'sent' | 'acked' | 'failed';
	readonly seq?: number;
	readonly attempts: number;
	/** When to send (again): for sent, the resend deadline; for queued, not before. */
	readonly due: number;
	readonly error?: string;
}

/**
 * What the user asked for and was not sent yet, in the order asked: typed lines, and commands
 * given after them (which wait their turn, so a script's lines take effect in order).
 */
export type Outgoing =
	| {readonly type: 'line'; readonly line: Pending}
	| {readonly type: 'command'; readonly kind: Request['kind']; readonly command: DistributiveOmit<Command, 'id'>; readonly room?: string};

/** A command sent to the hub and not answered yet (the reducer's bookkeeping: read it through the selectors). */
export interface Request {
	readonly kind: 'load' | 'repair' | 'older' | 'who' | 'whois' | 'rooms' | 'topic' | 'join' | 'part' | 'nick' | 'away' | 'bye' | 'hello' | 'mod';
	readonly room?: string;
	readonly at: number;
	/** For a load: the room's position it loads up to (its answer syncs the room only while that is still the room's position). */
	readonly seq?: number;
	/** What was sent, for the kinds sent again when the hub says "too fast". */
	readonly command?: Command;
}

/** Requests that change what others see: the hub's flood limit applies, and a refused one is sent again later. */
export const RETRIED_KINDS: ReadonlySet<Request['kind']> = new Set<Request['kind']>(['join', 'part', 'nick', 'topic', 'away', 'hello']);

export interface ClientOptions {
	/** The nick to ask for. */
	readonly nick: string;
	/** The user chose the nick (--nick): a taken nick is an error rather than a reason to add a suffix. */
	readonly nickExplicit: boolean;
	readonly rooms: readonly string[];
	/** The session secret (random, kept for the life of the process). */
	readonly session: string;
	/** Events of history to show on joining a room (Infinity: all the hub keeps). @default 50 */
	readonly history?: number;
	/** Nicks to ignore from the start (the settings file's ignore list). */
	readonly ignore?: readonly string[];
	/** Items kept per view in memory; older ones come from the hub again when scrolled to. @default 2000 */
	readonly feedLimit?: number;
	/** Unacked lines in flight at once; the rest wait their turn. @default DEFAULT_WINDOW */
	readonly window?: number;
	/** How long /quit (or the end of input) waits for unacked lines before giving up. @default 10000 */
	readonly quitTimeoutMs?: number;
	/**
	 * A person watches the views as they change (the TUI). Then a line the hub refused, shown
	 * where it was typed, does not make the exit code 1 at quit (they have seen it), and
	 * leaving the room on screen moves the view to the tab beside it. Line mode (scripts)
	 * keeps both off: its exit code says whether all it piped went through, and its plain
	 * lines never move to another room by themselves. @default false
	 */
	readonly interactive?: boolean;
	readonly clientName?: string;
}

export interface ClientState {
	readonly options: ClientOptions;
	readonly connection: ConnectionState;
	readonly nick: string;
	/** Attempts at finding a free nick (the suffix). */
	readonly nickAttempt: number;
	readonly epoch?: string;
	/** Every open view, by id, in the order they were opened. */
	readonly views: Readonly<Record<string, RoomView | DmView>>;
	readonly order: readonly string[];
	readonly active: string;
	/** Rooms the user wants to be in (survives reconnects). */
	readonly wanted: readonly string[];
	/** Lines sent at least once and not done: in flight, acked (until seen on the feed), waiting to be resent, or refused. */
	readonly pending: readonly Pending[];
	/** Not sent yet, in order; items before `queueHead` are gone (the array is shared, never changed). */
	readonly queue: readonly Outgoing[];
	readonly queueHead: number;
	/** Unanswered commands by id: private to the reducer (the view asks `loadingOlder`). */
	readonly requests: Readonly<Record<string, Request>>;
	readonly nextId: number;
	readonly ttlMs: number;
	readonly lastHeard: number;
	readonly lastSent: number;
	/** Connecting (or reconnecting) and nothing heard from the hub for HUB_SILENT_MS: it may not be there. */
	readonly hubSilent?: boolean;
	readonly helloAt?: number;
	readonly lastDmFrom?: string;
	/** Nicks whose messages are hidden (as typed; compared by nickKey). */
	readonly ignored: readonly string[];
	/**
	 * Nicks ignored people had until they renamed, for a minute: a private message they sent
	 * under the old nick can arrive after the rename (it comes on another socket than the feed).
	 */
	readonly ignoredFormerly: ReadonlyArray<{readonly nick: string; readonly now: string; readonly until: number}>;
	readonly away?: string;
	/** The hub says this session may use the operator commands. */
	readonly op?: boolean;
	/** The hub's flood limit (from its welcome), mirrored here so lines are paced rather than refused (rate-mirror.ts). */
	readonly rate?: {readonly burst: number; readonly seconds: number; readonly bytesPerMinute?: number};
	/** Tokens of the mirrored bucket (below 0 while a command that cost more is waited off), bytes of its budget, and when they were counted. */
	readonly tokens?: {readonly n: number; readonly at: number; readonly bytes?: number};
	/** The hub refused a line as too fast: send nothing more until then. */
	readonly throttledUntil?: number;
	/** The hub has refused lines as too fast (whether or not its welcome announced a limit): from then on one line is unacked at a time. */
	readonly paced?: boolean;
	/** Connections the hub did not recognise in a row (each answered by reconnecting). */
	readonly reconnects?: number;
	/** Commands refused as too fast, to send again when due. */
	readonly deferred: ReadonlyArray<{readonly kind: Request['kind']; readonly command: Command; readonly room?: string; readonly due: number}>;
	/** The send window's watchdog (watchdog.ts): the oldest acked line, its room's position, since when both stood still, resyncs tried. */
	readonly stall?: {readonly line: string; readonly position: number; readonly since: number; readonly tries: number};
	/** Set by /quit (or the end of input): leave once every line is acked, or at the deadline. */
	readonly quitting?: {readonly reason?: string; readonly deadline: number; readonly byeSent: boolean};
	/** Lines the hub refused for good so far, and the reason of the first (for the exit message). */
	readonly refused?: {readonly count: number; readonly reason: string};
	/** Set when the client decided to end: the exit code and why. */
	readonly exit?: {readonly code: number; readonly message?: string};
}

/** The fields of the state that may be absent (what `Draft.unset` can take away). */
export type OptionalField = {[K in keyof ClientState]-?: undefined extends ClientState[K] ? K : never}[keyof ClientState];

export type Effect =
	| {readonly type: 'send'; readonly command: Command}
	| {readonly type: 'subscribe'; readonly room: string}
	| {readonly type: 'unsubscribe'; readonly room: string}
	| {readonly type: 'show'; readonly view: string; readonly item: FeedItem}
	| {readonly type: 'bell'}
	/** Drop the connection to the hub and make a new one (the hub did not recognise it). */
	| {readonly type: 'reconnect'}
	/** Save a setting as typed (/set): the answer comes back as a `saved` input. */
	| {readonly type: 'save'; readonly name: string; readonly value: string}
	| {readonly type: 'exit'; readonly code: number; readonly message?: string};

export type Input =
	| {readonly type: 'start'; readonly now: number}
	| {readonly type: 'line'; readonly text: string; readonly now: number}
	| {readonly type: 'intent'; readonly intent: Intent; readonly now: number}
	| {readonly type: 'reply'; readonly reply: Reply; readonly now: number}
	| {readonly type: 'feed'; readonly events: readonly FeedEvent[]; readonly now: number}
	| {readonly type: 'tick'; readonly now: number}
	| {readonly type: 'older'; readonly view: string; readonly now: number}
	| {readonly type: 'activate'; readonly view: string; readonly now: number}
	| {readonly type: 'leave'; readonly reason?: string; readonly now: number}
	/** A /set was saved (`where`: the file), or not (`error`: why). */
	| {readonly type: 'saved'; readonly name: string; readonly value: string; readonly where?: string; readonly error?: string; readonly now: number}
	/** The transport cannot go on (a refused key, a mismatched encryption setting): exit with this. */
	| {readonly type: 'fatal'; readonly code: number; readonly message: string; readonly now: number};

export interface Step {
	readonly state: ClientState;
	readonly effects: readonly Effect[];
}

/**
 * Lines between sending and being seen back on the feed, at most. The hub acks after
 * storing, so a sender's rate is at most this many lines per round trip: 64 held one bench
 * sender to ~40k msg/s against a hub that could take more (docs/PERFORMANCE.md). Acked lines
 * count until the feed brings them back: a client whose feed falls behind its acks slows
 * down instead of keeping ever more lines to match (20,000 piped lines took 4–30 s of CPU
 * that way, where the feed kept up they take under 2 s).
 */
export const DEFAULT_WINDOW = 256;
/** Items kept per view when the options do not say. */
export const DEFAULT_FEED_LIMIT = 2000;
/** Connecting with no word from the hub for this long: the view says it may not be there. */
export const HUB_SILENT_MS = 3000;
/** How long /quit waits for acks when the options do not say. */
export const DEFAULT_QUIT_TIMEOUT_MS = 10_000;

export function initialState(options: ClientOptions, now: number): ClientState {
	const first = options.rooms[0] ?? 'lobby';
	return {
		options,
		connection: 'connecting',
		nick: options.nick,
		nickAttempt: 1,
		views: {},
		order: [],
		active: '#' + first,
		wanted: options.rooms.length > 0 ? [...options.rooms] : ['lobby'],
		pending: [],
		queue: [],
		queueHead: 0,
		requests: {},
		nextId: 1,
		ttlMs: 10_000,
		lastHeard: now,
		lastSent: now,
		ignored: [...(options.ignore ?? [])],
		ignoredFormerly: [],
		deferred: [],
	};
}

export function newRoomView(room: string): RoomView {
	return {
		id: '#' + room,
		room,
		feed: [],
		unread: 0,
		mentioned: false,
		joined: true,
		synced: false,
		positioned: false,
		lastSeq: 0,
		oldestSeq: 0,
		buffer: [],
		members: [],
		away: [],
		topic: '',
		stateSeq: 0,
		changes: [],
		changesFrom: 0,
		hasOlder: false,
	};
}

export function newDmView(nick: string): DmView {
	return {id: '@' + nick, nick, feed: [], unread: 0, mentioned: false};
}

// -- selectors ----------------------------------------------------------------------------

/** The room's view, if one is open. */
export function roomView(state: ClientState, room: string): RoomView | undefined {
	const v = state.views['#' + room];
	return v && 'room' in v ? v : undefined;
}

/** The open conversation with a nick (nicks compare by nickKey), if any. */
export function dmView(state: ClientState, nick: string): DmView | undefined {
	const key = nickKey(nick);
	for (const v of Object.values(state.views)) if ('nick' in v && nickKey(v.nick) === key) return v;
	return undefined;
}

/** Whether older history of a room was asked for and has not come yet. */
export function loadingOlder(state: ClientState, room: string): boolean {
	return Object.values(state.requests).some(r => r.kind === 'older' && r.room === room);
}

/** How many lines and commands wait to be sent for the first time. */
export function backlog(state: ClientState): number {
	return state.queue.length - state.queueHead;
}

/** Every line typed and not done yet, oldest first: sent (or refused) ones, then those not sent yet. */
export function pendingLines(state: ClientState): Pending[] {
	const waiting = state.queue.slice(state.queueHead).flatMap(q => (q.type === 'line' ? [q.line] : []));
	return [...state.pending, ...waiting];
}

/** Lines the user typed that are not yet stored by the hub (not sent, in flight, or refused). */
export function undelivered(state: ClientState): readonly Pending[] {
	return pendingLines(state).filter(p => p.state !== 'acked');
}

/** Whether someone's messages are hidden (nicks compare by nickKey: case and look-alikes). */
export function isIgnored(state: ClientState, nick: string): boolean {
	if (state.ignored.length === 0) return false;
	const key = nickKey(nick);
	return state.ignored.some(n => nickKey(n) === key);
}

/** The last nick's mention pattern: asked for every message, and the nick seldom changes. */
let mentionOf: {readonly nick: string; readonly pattern: RegExp} | undefined;

/** Whether a text mentions a nick as a word, whatever its case. */
export function mentions(text: string, nick: string): boolean {
	if (mentionOf?.nick !== nick) {
		const escaped = nick.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
		mentionOf = {nick, pattern: new RegExp(`(^|[^A-Za-z0-9_.-])@?${escaped}($|[^A-Za-z0-9_-])`, 'i')};
	}
	return mentionOf.pattern.test(text);
}
