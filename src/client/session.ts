import {formatDuration} from '../protocol/durations.js';
import type {DistributiveOmit} from '../protocol/exhaustive.js';
import {nickKey, nickWithSuffix} from '../protocol/names.js';
import {DEFAULT_HISTORY_LIMIT, PROTOCOL_VERSION} from '../protocol/limits.js';
import type {Command, FeedEvent, HistoryReply, Reply, RoomState} from '../protocol/types.js';
import {helpText, parseInput, type Intent} from './commands.js';

/**
 * The client's state as a pure reducer: `step(state, input)` returns the next state and the
 * effects to carry out (commands to send, topics to (un)subscribe, lines to show). No I/O,
 * no timers: time comes in with each input. The TUI renders this state; line mode prints the
 * `show` effects; the transport performs the rest.
 *
 * The rules that make "nothing lost" hold on the client side live here:
 * - every line typed is a Pending until the hub acks it, resent with the same id after a
 *   timeout or a reconnect (the hub drops duplicates);
 * - each room's feed is applied strictly in seq order: events that arrive early wait in a
 *   buffer, a gap is repaired by asking for history, and what the history reply already
 *   covered is dropped (subscribe first, then ask: the zguide's Clone pattern).
 */

// ---------------------------------------------------------------------------------------
// State

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

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
	| {readonly kind: 'notice'; readonly key: string; readonly ts: number; readonly text: string; readonly level: 'info' | 'error'};

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
	/** The last seq applied: everything up to it is in order in the feed (or was dropped by the bound). */
	readonly lastSeq: number;
	/** The oldest seq known to this view (for fetching older history). */
	readonly oldestSeq: number;
	/** Events that arrived ahead of lastSeq + 1, waiting for the gap to be filled. */
	readonly buffer: readonly FeedEvent[];
	readonly members: readonly string[];
	readonly topic: string;
	/** True while older history than the feed holds may exist on the hub. */
	readonly hasOlder: boolean;
}

export interface DmView extends View {
	readonly nick: string;
}

export interface Pending {
	readonly id: string;
	/** "#room" or "@nick". */
	readonly view: string;
	readonly text: string;
	readonly action: boolean;
	/** queued: not sent yet (or to be sent again); sent: waiting for the ack; acked: stored by the hub; failed: refused for good. */
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

interface Request {
	readonly kind: 'load' | 'repair' | 'older' | 'who' | 'whois' | 'rooms' | 'topic' | 'join' | 'part' | 'nick' | 'away' | 'bye' | 'hello' | 'mod';
	readonly room?: string;
	readonly at: number;
	/** What was sent, for the kinds sent again when the hub says "too fast". */
	readonly command?: Command;
}

/** Requests that change what others see: the hub's flood limit applies, and a refused one is sent again later. */
const RETRIED_KINDS = new Set<Request['kind']>(['join', 'part', 'nick', 'topic']);

export interface ClientOptions {
	/** The nick to ask for. */
	readonly nick: string;
	/** The user chose the nick (--nick): a taken nick is an error rather than a reason to add a suffix. */
	readonly nickExplicit: boolean;
	readonly rooms: readonly string[];
	/** The session secret (random, kept for the life of the process). */
	readonly session: string;
	/** Events of history to show on joining a room. @default 50 */
	readonly history?: number;
	/** Items kept per view in memory; older ones come from the hub again when scrolled to. @default 2000 */
	readonly feedLimit?: number;
	/** Unacked lines in flight at once; the rest wait their turn. @default 256 */
	readonly window?: number;
	/** How long /quit (or the end of input) waits for unacked lines before giving up. @default 10000 */
	readonly quitTimeoutMs?: number;
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
	readonly requests: Readonly<Record<string, Request>>;
	readonly nextId: number;
	readonly ttlMs: number;
	readonly lastHeard: number;
	readonly lastSent: number;
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
	/** The hub's flood limit (from its welcome), mirrored here so lines are paced rather than refused. */
	readonly rate?: {readonly burst: number; readonly seconds: number};
	/** Tokens of the mirrored bucket, and when they were counted. */
	readonly tokens?: {readonly n: number; readonly at: number};
	/** The hub refused a line as too fast: send nothing more until then. */
	readonly throttledUntil?: number;
	/** The hub has refused lines as too fast: from then on one line is in flight at a time. */
	readonly paced?: boolean;
	/** Connections the hub did not recognise in a row (each answered by reconnecting). */
	readonly reconnects?: number;
	/** Commands refused as too fast, to send again when due. */
	readonly deferred: ReadonlyArray<{readonly kind: Request['kind']; readonly command: Command; readonly room?: string; readonly due: number}>;
	/** Set by /quit (or the end of input): leave once every line is acked, or at the deadline. */
	readonly quitting?: {readonly reason?: string; readonly deadline: number; readonly byeSent: boolean};
	/** Set when the client decided to end: the exit code and why. */
	readonly exit?: {readonly code: number; readonly message?: string};
}

export type Effect =
	| {readonly type: 'send'; readonly command: Command}
	| {readonly type: 'subscribe'; readonly room: string}
	| {readonly type: 'unsubscribe'; readonly room: string}
	| {readonly type: 'show'; readonly view: string; readonly item: FeedItem}
	| {readonly type: 'bell'}
	/** Drop the connection to the hub and make a new one (the hub did not recognise it). */
	| {readonly type: 'reconnect'}
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
const RESEND_BASE_MS = 3000;
const IGNORE_FORMER_NICK_MS = 60_000;
const RESEND_MAX_MS = 30_000;
const NICK_ATTEMPTS = 50;

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
		ignored: [],
		ignoredFormerly: [],
		deferred: [],
	};
}

// ---------------------------------------------------------------------------------------
// The reducer

/** A mutable builder used inside one step, so each handler reads as a sequence of changes. */
class Draft {
	effects: Effect[] = [];
	constructor(public s: ClientState) {}

	set(patch: Partial<ClientState>): void {
		this.s = {...this.s, ...patch};
	}

	id(prefix = 'c'): string {
		const id = `${prefix}${this.s.nextId}`;
		this.set({nextId: this.s.nextId + 1});
		return id;
	}

	send(command: Command, now: number): void {
		this.effects.push({type: 'send', command});
		this.set({lastSent: now});
	}

	request(kind: Request['kind'], command: DistributiveOmit<Command, 'id'>, now: number, room?: string): string {
		const id = this.id('q');
		const full = {...command, id} as Command;
		const record: Request = {kind, at: now, ...(room === undefined ? {} : {room}), ...(RETRIED_KINDS.has(kind) ? {command: full} : {})};
		this.set({requests: {...this.s.requests, [id]: record}});
		this.send(full, now);
		return id;
	}

	/**
	 * A command the user gave: sent now, or — when lines typed before it are not sent yet, or
	 * there is no connection — queued behind them, so a script's lines take effect in order.
	 */
	userRequest(kind: Request['kind'], command: DistributiveOmit<Command, 'id'>, now: number, room?: string): void {
		if (this.s.connection === 'connected' && backlog(this.s) === 0) {
			this.request(kind, command, now, room);
			return;
		}
		this.enqueue(room === undefined ? {type: 'command', kind, command} : {type: 'command', kind, command, room});
	}

	enqueue(item: Outgoing): void {
		this.set({queue: [...this.s.queue.slice(this.s.queueHead), item], queueHead: 0});
	}

	room(name: string): RoomView | undefined {
		const v = this.s.views['#' + name];
		return v && 'room' in v ? v : undefined;
	}

	putView(view: RoomView | DmView): void {
		const known = view.id in this.s.views;
		this.set({views: {...this.s.views, [view.id]: view}, ...(known ? {} : {order: [...this.s.order, view.id]})});
	}

	updateRoom(name: string, patch: Partial<RoomView>): void {
		const v = this.room(name);
		if (v) this.putView({...v, ...patch});
	}

	/** Append an item to a view's feed (bounded), counting it unread when the view is not active. */
	show(viewId: string, item: FeedItem, counts = true): void {
		const v = this.s.views[viewId];
		if (!v) return;
		const limit = this.s.options.feedLimit ?? 2000;
		const feed = v.feed.length >= limit ? [...v.feed.slice(v.feed.length - limit + 1), item] : [...v.feed, item];
		const inactive = this.s.active !== viewId && counts;
		const next = {
			...v,
			feed,
			...(inactive ? {unread: v.unread + 1, readMarker: v.readMarker ?? item.key} : {}),
			...(inactive && item.kind === 'event' && item.mention ? {mentioned: true} : {}),
		};
		if (feed.length < v.feed.length + 1 && 'room' in next) (next as {hasOlder: boolean}).hasOlder = true;
		this.putView(next);
		this.effects.push({type: 'show', view: viewId, item});
	}

	notice(text: string, now: number, level: 'info' | 'error' = 'info', viewId = this.s.active): void {
		const target = this.s.views[viewId] ? viewId : this.s.order[0];
		const item: FeedItem = {kind: 'notice', key: this.id('n'), ts: now, text, level};
		if (target === undefined) {
			this.effects.push({type: 'show', view: viewId, item});
			return;
		}
		this.show(target, item, false);
	}

	exit(code: number, message?: string): void {
		if (this.s.exit) return;
		this.set({exit: message === undefined ? {code} : {code, message}, connection: 'closed'});
		this.effects.push(message === undefined ? {type: 'exit', code} : {type: 'exit', code, message});
	}
}

function newRoomView(room: string): RoomView {
	return {
		id: '#' + room,
		room,
		feed: [],
		unread: 0,
		mentioned: false,
		joined: true,
		synced: false,
		lastSeq: 0,
		oldestSeq: 0,
		buffer: [],
		members: [],
		topic: '',
		hasOlder: false,
	};
}

function newDmView(nick: string): DmView {
	return {id: '@' + nick, nick, feed: [], unread: 0, mentioned: false};
}

/** Apply one input. Pure: the same state and input always give the same result. */
export function step(state: ClientState, input: Input): Step {
	const d = new Draft(state);
	switch (input.type) {
		case 'start':
			start(d, input.now);
			break;
		case 'line': {
			const intent = parseInput(input.text);
			if (intent === undefined) break;
			if ('error' in intent) d.notice(intent.error, input.now, 'error');
			else applyIntent(d, intent, input.now);
			break;
		}
		case 'intent':
			applyIntent(d, input.intent, input.now);
			break;
		case 'reply':
			d.set({lastHeard: input.now});
			if (d.s.connection === 'reconnecting' && d.s.epoch !== undefined && isSessionReply(input.reply)) d.set({connection: 'connected'});
			settling(d, input.now, () => onReply(d, input.reply, input.now));
			break;
		case 'feed':
			settling(d, input.now, () => {
				for (const e of input.events) onFeedEvent(d, e, input.now);
			});
			break;
		case 'tick':
			tick(d, input.now);
			break;
		case 'older':
			fetchOlder(d, input.view, input.now);
			break;
		case 'activate':
			activate(d, input.view);
			break;
		case 'leave':
			leave(d, input.reason, input.now);
			break;
		case 'fatal':
			d.exit(input.code, input.message);
			break;
	}
	if (d.s.quitting) maybeBye(d, input.now);
	return {state: d.s, effects: d.effects};
}

/** A reply that shows our session is alive on the hub. */
function isSessionReply(r: Reply): boolean {
	if (r.type === 'pong') return r.session;
	return r.type !== 'error' && r.type !== 'notice' && r.type !== 'welcome';
}

function start(d: Draft, now: number): void {
	for (const room of d.s.wanted) {
		d.putView(newRoomView(room));
		// Subscribe before saying hello, so nothing published after the welcome is missed.
		d.effects.push({type: 'subscribe', room});
	}
	d.set({active: '#' + d.s.wanted[0]});
	hello(d, now);
}

function hello(d: Draft, now: number): void {
	const {options} = d.s;
	d.set({helloAt: now});
	d.request(
		'hello',
		{
			type: 'hello',
			v: PROTOCOL_VERSION,
			nick: d.s.nick,
			session: options.session,
			rooms: d.s.wanted,
			...(options.clientName === undefined ? {} : {client: options.clientName}),
		},
		now,
	);
}

// -- what the user does -------------------------------------------------------------------

function applyIntent(d: Draft, intent: Intent, now: number): void {
	const active = d.s.active;
	const activeRoom = active.startsWith('#') ? active.slice(1) : undefined;
	const needRoom = (what: string): string | undefined => {
		if (activeRoom && d.room(activeRoom)?.joined) return activeRoom;
		d.notice(`${what}: you are not in a room here; /join #room or /switch to one`, now, 'error');
		return undefined;
	};
	switch (intent.type) {
		case 'say':
		case 'me': {
			if (active.startsWith('@')) return queueSend(d, active, intent.text, intent.type === 'me', now);
			const room = needRoom(intent.type === 'me' ? '/me' : 'say');
			if (room) queueSend(d, '#' + room, intent.text, intent.type === 'me', now);
			return;
		}
		case 'msg':
			openDm(d, intent.to);
			return queueSend(d, '@' + intent.to, intent.text, false, now);
		case 'reply': {
			const to = d.s.lastDmFrom;
			if (!to) return d.notice('/reply: nobody has sent you a private message yet', now, 'error');
			openDm(d, to);
			return queueSend(d, '@' + to, intent.text, false, now);
		}
		case 'join': {
			if (!d.s.wanted.includes(intent.room)) d.set({wanted: [...d.s.wanted, intent.room]});
			const v = d.room(intent.room);
			if (!v || !v.joined) {
				d.putView(v ? {...v, joined: true} : newRoomView(intent.room));
				d.effects.push({type: 'subscribe', room: intent.room});
				// Not connected: the welcome joins every wanted room.
				if (d.s.connection === 'connected') d.userRequest('join', {type: 'join', room: intent.room}, now, intent.room);
			}
			activate(d, '#' + intent.room);
			return;
		}
		case 'part': {
			const room = intent.room ?? needRoom('/part');
			if (!room) return;
			if (!d.room(room)?.joined) return d.notice(`/part: you are not in #${room}`, now, 'error');
			// Acked lines of the room will not come back on its feed now: they are done.
			d.set({wanted: d.s.wanted.filter(r => r !== room), pending: d.s.pending.filter(p => !(p.view === '#' + room && p.state === 'acked'))});
			d.updateRoom(room, {joined: false, synced: false, buffer: []});
			d.effects.push({type: 'unsubscribe', room});
			d.userRequest('part', intent.reason ? {type: 'part', room, reason: intent.reason} : {type: 'part', room}, now, room);
			d.notice(`you left #${room}`, now, 'info', '#' + room);
			return;
		}
		case 'rooms':
			d.userRequest('rooms', {type: 'rooms'}, now);
			return;
		case 'topic': {
			const room = needRoom('/topic');
			if (room) d.userRequest('topic', intent.text === undefined ? {type: 'topic', room} : {type: 'topic', room, text: intent.text}, now, room);
			return;
		}
		case 'switch': {
			if (!d.s.views[intent.view]) {
				if (intent.view.startsWith('@')) openDm(d, intent.view.slice(1));
				else return d.notice(`/switch: you are not in ${intent.view}: /join it first`, now, 'error');
			}
			activate(d, intent.view);
			return;
		}
		case 'nick':
			d.userRequest('nick', {type: 'nick', nick: intent.nick}, now);
			return;
		case 'who': {
			if (intent.room === '*') return d.userRequest('who', {type: 'who'}, now);
			const room = intent.room ?? needRoom('/who');
			if (room) d.userRequest('who', {type: 'who', room}, now, room);
			return;
		}
		case 'whois':
			d.userRequest('whois', {type: 'whois', nick: intent.nick}, now);
			return;
		case 'away':
			d.set({away: intent.text});
			d.userRequest('away', {type: 'away', text: intent.text}, now);
			return;
		case 'back': {
			const {away: _away, ...rest} = d.s;
			d.s = rest;
			d.userRequest('away', {type: 'away'}, now);
			return;
		}
		case 'ignore': {
			if (!intent.nick) {
				return d.notice(d.s.ignored.length ? `ignoring: ${d.s.ignored.join(', ')}` : 'you are not ignoring anyone', now);
			}
			const key = nickKey(intent.nick);
			if (key === nickKey(d.s.nick)) return d.notice('/ignore: you cannot ignore yourself', now, 'error');
			if (!isIgnored(d.s, intent.nick)) d.set({ignored: [...d.s.ignored, intent.nick]});
			return d.notice(`ignoring ${intent.nick} (on your side only): /unignore ${intent.nick} to undo`, now);
		}
		case 'unignore': {
			const key = nickKey(intent.nick);
			if (!isIgnored(d.s, intent.nick)) return d.notice(`/unignore: you are not ignoring ${intent.nick}`, now, 'error');
			d.set({ignored: d.s.ignored.filter(k => nickKey(k) !== key), ignoredFormerly: d.s.ignoredFormerly.filter(f => nickKey(f.now) !== key)});
			return d.notice(`no longer ignoring ${intent.nick}`, now);
		}
		case 'clear': {
			const v = d.s.views[active];
			if (v) d.putView({...v, feed: [], ...('room' in v ? {hasOlder: v.lastSeq > 0} : {})});
			return;
		}
		case 'help':
			for (const line of helpText(intent.command)) d.notice(line, now);
			return;
		case 'quit':
			return leave(d, intent.reason, now);
		case 'kick':
			d.request('mod', {type: 'kick', nick: intent.nick, ...(intent.reason ? {reason: intent.reason} : {})}, now);
			return;
		case 'ban':
			d.request('mod', {type: 'ban', target: intent.target, ...(intent.durationMs ? {durationMs: intent.durationMs} : {}), ...(intent.reason ? {reason: intent.reason} : {})}, now);
			return;
		case 'unban':
			d.request('mod', {type: 'unban', target: intent.target}, now);
			return;
		case 'bans':
			d.request('mod', {type: 'bans'}, now);
			return;
		case 'mute':
			d.request('mod', {type: 'mute', nick: intent.nick, ...(intent.durationMs ? {durationMs: intent.durationMs} : {}), ...(intent.reason ? {reason: intent.reason} : {})}, now);
			return;
		case 'unmute':
			d.request('mod', {type: 'unmute', nick: intent.nick}, now);
			return;
		case 'lock': {
			const room = intent.room ?? needRoom(intent.locked ? '/lock' : '/unlock');
			if (room) d.request('mod', {type: 'lock', room, locked: intent.locked}, now, room);
			return;
		}
	}
}

function openDm(d: Draft, nick: string): void {
	const existing = Object.values(d.s.views).find(v => 'nick' in v && nickKey(v.nick) === nickKey(nick));
	if (!existing) d.putView(newDmView(nick));
}

function dmViewId(d: Draft, nick: string): string {
	const existing = Object.values(d.s.views).find(v => 'nick' in v && nickKey(v.nick) === nickKey(nick));
	return existing ? existing.id : '@' + nick;
}

function activate(d: Draft, viewId: string): void {
	const v = d.s.views[viewId];
	if (!v) return;
	const {readMarker: _marker, ...rest} = v;
	d.putView({...rest, unread: 0, mentioned: false} as RoomView | DmView);
	d.set({active: viewId});
}

/** Keep a typed line as pending and send it when the window allows. */
function queueSend(d: Draft, view: string, text: string, action: boolean, now: number): void {
	const id = d.id('m');
	d.enqueue({type: 'line', line: {id, view, text, action, state: 'queued', attempts: 0, due: now}});
	pump(d, now);
}

function sendCommand(p: Pending): Command {
	return p.view.startsWith('#')
		? {type: 'say', id: p.id, room: p.view.slice(1), text: p.text, ...(p.action ? {action: true} : {})}
		: {type: 'msg', id: p.id, to: p.view.slice(1), text: p.text, ...(p.action ? {action: true} : {})};
}

/** How many lines and commands wait to be sent for the first time. */
export function backlog(state: ClientState): number {
	return state.queue.length - state.queueHead;
}

/**
 * Run `work`; when it settled lines of ours (seen back on the feed or in history), they free
 * room in the window: send what waits at once, once for the whole batch.
 */
function settling(d: Draft, now: number, work: () => void): void {
	const unsettled = d.s.pending.length;
	work();
	if (d.s.pending.length < unsettled) pump(d, now);
}

/**
 * Send what is due, keeping at most `window` lines between sending and being seen on the
 * feed: first what the user asked for, in the order asked (lines and commands), then resends.
 */
function pump(d: Draft, now: number): void {
	if (d.s.connection !== 'connected') return;
	if (d.s.throttledUntil !== undefined && now < d.s.throttledUntil) return;
	const window = d.s.options.window ?? DEFAULT_WINDOW;
	// Paced by the hub's flood limit: one unacked line at a time.
	const ackWindow = d.s.paced ? 1 : window;
	let unacked = 0;
	let unseen = 0;
	for (const p of d.s.pending) {
		if (p.state === 'sent') unacked++;
		if (p.state === 'sent' || p.state === 'acked') unseen++;
	}
	const full = () => unacked >= ackWindow || unseen >= window;
	// Lines go in the order they were typed: one that must wait (a resend not yet due, or the
	// hub's flood limit) holds back everything after it, commands included.
	const resend = new Set<string>();
	let blocked = false;
	for (const p of d.s.pending) {
		if (p.state !== 'queued') continue;
		if (full() || p.due > now || !takeToken(d, now)) {
			blocked = true;
			break;
		}
		d.send(sendCommand(p), now);
		resend.add(p.id);
		unacked++;
		unseen++;
	}
	const fresh: Pending[] = [];
	const queue = d.s.queue;
	let head = d.s.queueHead;
	while (!blocked && head < queue.length) {
		const item = queue[head]!;
		if (item.type === 'command') {
			d.set({queueHead: ++head});
			d.request(item.kind, item.command, now, item.room);
			continue;
		}
		if (full()) break;
		const line = item.line;
		// A line for a room we are not (yet) in waits until we are, and so does what follows it.
		if (line.view.startsWith('#') && !d.room(line.view.slice(1))?.joined) break;
		if (!takeToken(d, now)) break;
		d.send(sendCommand(line), now);
		fresh.push({...line, state: 'sent', attempts: 1, due: now + backoff(1)});
		unacked++;
		unseen++;
		head++;
	}
	if (head !== d.s.queueHead) d.set(head > 1024 && head * 2 > queue.length ? {queue: queue.slice(head), queueHead: 0} : {queueHead: head});
	if (fresh.length === 0 && resend.size === 0) return;
	const pending = resend.size === 0 ? d.s.pending : d.s.pending.map(p => (resend.has(p.id) ? {...p, state: 'sent' as const, attempts: p.attempts + 1, due: now + backoff(p.attempts + 1)} : p));
	d.set({pending: fresh.length === 0 ? pending : [...pending, ...fresh]});
}

/**
 * Take a token of the mirrored flood bucket (the hub's limit, from its welcome): true when a
 * line may go now. A client that paces itself this way is never refused for going too fast.
 */
function takeToken(d: Draft, now: number): boolean {
	const rate = d.s.rate;
	if (!rate) return true;
	const msPerToken = (rate.seconds * 1000) / rate.burst;
	const t = d.s.tokens ?? {n: rate.burst, at: now};
	const n = Math.min(rate.burst, t.n + Math.max(0, now - t.at) / msPerToken);
	if (n < 1) {
		d.set({tokens: {n, at: now}});
		return false;
	}
	d.set({tokens: {n: n - 1, at: now}});
	return true;
}

function backoff(attempts: number): number {
	return Math.min(RESEND_MAX_MS, RESEND_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Leave: wait until every line typed is acked (or the deadline passes), then say bye. Asked
 * a second time (Ctrl+C twice), leave at once.
 */
function leave(d: Draft, reason: string | undefined, now: number): void {
	if (d.s.exit) return;
	if (d.s.quitting) return finish(d);
	const deadline = now + (d.s.options.quitTimeoutMs ?? 10_000);
	d.set({quitting: reason === undefined ? {deadline, byeSent: false} : {reason, deadline, byeSent: false}});
	maybeBye(d, now);
}

function maybeBye(d: Draft, now: number): void {
	const q = d.s.quitting;
	if (!q || q.byeSent || d.s.exit) return;
	// Wait for every line to be acked, and to come back on the feed (so what a script reads
	// includes what it said); at the deadline, acked counts as delivered.
	if (backlog(d.s) > 0 || d.s.pending.some(p => p.state !== 'failed')) {
		if (now >= q.deadline) finish(d);
		return;
	}
	if (d.s.connection !== 'connected') return finish(d);
	d.set({quitting: {...q, byeSent: true}});
	d.request('bye', q.reason ? {type: 'bye', reason: q.reason} : {type: 'bye'}, now);
}

/** The hub took (or paced) a line: a /quit waiting for acks gives it the full timeout again from now. */
function progress(d: Draft, now: number): void {
	const q = d.s.quitting;
	if (q && !q.byeSent) d.set({quitting: {...q, deadline: Math.max(q.deadline, now + (d.s.options.quitTimeoutMs ?? 10_000))}});
}

/** Exit now: 0 when every line typed was delivered, else 1 saying how many were not. */
function finish(d: Draft): void {
	const lost = undelivered(d.s).length;
	if (lost === 0) return d.exit(0);
	const why = d.s.pending.find(p => p.state === 'failed')?.error ?? 'the hub did not acknowledge them in time';
	d.exit(1, `${lost} line${lost === 1 ? ' was' : 's were'} not delivered (${why})`);
}

// -- what the hub says --------------------------------------------------------------------

function onReply(d: Draft, reply: Reply, now: number): void {
	const req = 're' in reply && reply.re !== undefined ? d.s.requests[reply.re] : undefined;
	if (req && 're' in reply && reply.re !== undefined) {
		const {[reply.re]: _done, ...rest} = d.s.requests;
		d.set({requests: rest});
	}
	switch (reply.type) {
		case 'welcome':
			return onWelcome(d, reply, now);
		case 'ack':
			return onAck(d, reply.re, reply.seq, reply.away, reply.to, now);
		case 'error':
			return onError(d, reply, req, now);
		case 'joined':
			return onJoined(d, reply, now);
		case 'history':
			return onHistory(d, reply, req, now);
		case 'pong':
			if (!reply.session && d.s.epoch !== undefined && !d.s.quitting?.byeSent) {
				// The hub no longer knows us (it restarted, or our session timed out).
				d.set({connection: 'reconnecting'});
				if (d.s.helloAt === undefined || now - d.s.helloAt > 1000) hello(d, now);
				return;
			}
			return onPong(d, reply.heads, now);
		case 'ok':
			if (reply.command === 'nick' && reply.nick) {
				d.set({nick: reply.nick});
				d.notice(`you are now known as ${reply.nick}`, now);
			} else if (reply.command === 'topic' && reply.room) {
				// The topic event on the feed tells everyone, us included.
			} else if (reply.command === 'away') {
				d.notice(d.s.away ? `you are marked away: ${d.s.away}` : 'you are back', now);
			} else if (reply.command === 'bye') {
				finish(d);
			} else if (reply.command === 'kick') {
				d.notice(`${reply.nick} was kicked`, now);
			} else if (reply.command === 'ban') {
				d.notice(`${reply.target} is banned`, now);
			} else if (reply.command === 'unban') {
				d.notice(`${reply.target} is no longer banned`, now);
			} else if (reply.command === 'mute') {
				d.notice(`${reply.nick} is muted`, now);
			} else if (reply.command === 'unmute') {
				d.notice(`${reply.nick} can speak again`, now);
			}
			return;
		case 'bans':
			if (reply.bans.length === 0) return d.notice('nobody is banned', now);
			for (const b of reply.bans) {
				const until = b.until === undefined ? 'for good' : `for ${formatDuration(b.until - now)} more`;
				d.notice(`${b.kind === 'key' ? 'key ' : ''}${b.target} banned ${until} by ${b.by}${b.reason ? `: ${b.reason}` : ''}`, now);
			}
			return;
		case 'who': {
			const where = reply.room ? `#${reply.room}` : 'the hub';
			const list = reply.members.map(m => (m.op ? '@' : '') + m.nick + (m.away ? ` (away: ${m.away})` : m.idleMs > 60_000 ? ` (idle ${formatDuration(m.idleMs)})` : ''));
			return d.notice(`${reply.members.length} in ${where}: ${list.join(', ')}`, now);
		}
		case 'whois': {
			const parts = [
				`${reply.nick}: in ${reply.rooms.map(r => '#' + r).join(' ') || 'no rooms'}`,
				`idle ${formatDuration(reply.idleMs)}`,
				`connected ${formatDuration(now - reply.since)} ago`,
			];
			if (reply.away) parts.push(`away: ${reply.away}`);
			if (reply.client) parts.push(`using ${reply.client}`);
			return d.notice(parts.join(', '), now);
		}
		case 'rooms':
			if (reply.rooms.length === 0) return d.notice('no rooms have anyone in them', now);
			for (const r of reply.rooms) d.notice(`#${r.room} (${r.members})${r.topic ? ': ' + r.topic : ''}`, now);
			return;
		case 'topic':
			return d.notice(reply.text ? `topic of #${reply.room}: ${reply.text}` : `#${reply.room} has no topic`, now);
		case 'dm':
			return onDm(d, reply, now);
		case 'notice':
			if (reply.code === 'kicked' || reply.code === 'banned' || reply.code === 'revoked') {
				// An operator (or the hub's list) removed us: say why and stop; coming straight
				// back is not what the operator meant.
				d.notice(reply.message, now, 'error');
				return d.exit(1, reply.message);
			}
			if (reply.code === 'muted' || reply.code === 'unmuted') {
				d.notice(reply.message, now, reply.code === 'muted' ? 'error' : 'info');
				return;
			}
			if (reply.code === 'shutdown' || reply.code === 'session_ended') {
				d.set({connection: 'reconnecting'});
				d.notice(reply.message, now, 'error');
			} else {
				d.notice(reply.message, now, reply.code === 'storage_failing' ? 'error' : 'info');
			}
			return;
		case 'stats':
			return;
	}
}

function onWelcome(d: Draft, w: Extract<Reply, {type: 'welcome'}>, now: number): void {
	const first = d.s.epoch === undefined;
	const epochChanged = !first && d.s.epoch !== w.epoch;
	const wasReconnecting = !first && d.s.connection === 'reconnecting';
	d.set({connection: 'connected', nick: w.nick, epoch: w.epoch, ttlMs: w.ttlMs, lastHeard: now, op: w.op === true, reconnects: 0});
	const rate = w.limits?.rate;
	if (rate && rate.burst >= 1 && rate.seconds > 0) {
		if (!d.s.rate || d.s.rate.burst !== rate.burst || d.s.rate.seconds !== rate.seconds) d.set({rate: {burst: rate.burst, seconds: rate.seconds}, tokens: {n: rate.burst, at: now}});
	} else if (d.s.rate) {
		const {rate: _r, tokens: _t, ...rest} = d.s;
		d.s = rest;
	}
	if (epochChanged) {
		// The hub lost its history (new data): what we had cannot be matched with the new
		// seq numbers. Start each room afresh and say so.
		for (const id of d.s.order) {
			const v = d.s.views[id];
			if (v && 'room' in v) d.putView({...v, synced: false, lastSeq: 0, oldestSeq: 0, buffer: []});
		}
		// Lines it had acked were stored in the data it lost: their seq numbers will never come.
		d.set({pending: d.s.pending.filter(p => p.state !== 'acked')});
		d.notice('the hub started on new data (its history was reset): resynced from its new history', now, 'error');
	} else if (wasReconnecting) {
		d.notice(w.resumed ? 'reconnected' : 'reconnected (new session)', now);
	}
	const listed = new Set(w.rooms.map(r => r.room));
	for (const rs of w.rooms) {
		if (d.s.wanted.includes(rs.room)) syncRoom(d, rs, now);
		else d.request('part', {type: 'part', room: rs.room}, now, rs.room); // parted while offline
	}
	for (const room of d.s.wanted) {
		if (!listed.has(room)) d.request('join', {type: 'join', room}, now, room); // joined while offline
	}
	// Everything not acked goes again, now.
	d.set({pending: d.s.pending.map(p => (p.state === 'sent' ? {...p, state: 'queued' as const, due: now} : p))});
	pump(d, now);
}

function onJoined(d: Draft, rs: RoomState, now: number): void {
	if (!d.s.wanted.includes(rs.room)) return;
	syncRoom(d, rs, now);
	pump(d, now);
}

/** Take a room's state from the hub: members, topic, and what history to fetch. */
function syncRoom(d: Draft, rs: RoomState, now: number): void {
	const v = d.room(rs.room) ?? newRoomView(rs.room);
	const base: RoomView = {...v, joined: true, members: [...rs.members], topic: rs.topic};
	d.putView(base);
	const loading = Object.values(d.s.requests).some(r => r.kind === 'load' && r.room === rs.room);
	if (!v.synced && loading) return;
	if (!v.synced) {
		const want = d.s.options.history ?? DEFAULT_HISTORY_LIMIT;
		if (rs.seq > 0 && want > 0) {
			d.putView({...base, lastSeq: rs.seq, oldestSeq: rs.seq + 1, hasOlder: true});
			d.request('load', {type: 'history', room: rs.room, before: rs.seq + 1, limit: want}, now, rs.room);
		} else {
			d.putView({...base, synced: true, lastSeq: rs.seq, oldestSeq: rs.seq + 1, hasOlder: rs.seq > 0});
			drain(d, rs.room, now);
		}
	} else if (rs.seq > v.lastSeq) {
		repair(d, rs.room, now);
	}
}

function onAck(d: Draft, id: string, seq: number | undefined, away: string | undefined, to: string | undefined, now: number): void {
	const p = d.s.pending.find(x => x.id === id);
	if (!p || p.state === 'acked') return;
	progress(d, now);
	if (p.view.startsWith('@')) {
		// A private message: delivered. Show it in the conversation as ours.
		const nick = to ?? p.view.slice(1);
		const viewId = dmViewId(d, nick);
		if (!d.s.views[viewId]) d.putView(newDmView(nick));
		d.set({pending: d.s.pending.filter(x => x.id !== id)});
		d.show(viewId, {kind: 'dm', key: `dm:${id}`, from: d.s.nick, to: nick, text: p.text, ts: now, self: true, ...(p.action ? {action: true} : {})}, false);
		if (away) d.notice(`${nick} is away: ${away}`, now, 'info', viewId);
		pump(d, now);
		return;
	}
	const room = d.room(p.view.slice(1));
	// Already seen on the feed: nothing more to wait for.
	if (room && seq !== undefined && seq <= room.lastSeq && room.synced) {
		d.set({pending: d.s.pending.filter(x => x.id !== id)});
	} else {
		d.set({pending: d.s.pending.map(x => (x.id === id ? {...x, state: 'acked' as const, ...(seq === undefined ? {} : {seq})} : x))});
	}
	pump(d, now);
}

function onError(d: Draft, e: Extract<Reply, {type: 'error'}>, req: Request | undefined, now: number): void {
	const p = e.re === undefined ? undefined : d.s.pending.find(x => x.id === e.re);
	if (e.code === 'unauthenticated') {
		// The hub does not know this connection (on a hub with keys, every connection is
		// named by the hub as it authenticates): make a new one and say hello on it.
		const tries = (d.s.reconnects ?? 0) + 1;
		if (tries > 5) return d.exit(1, `the hub does not recognise our connections (${e.message}): try again later`);
		if (d.s.helloAt !== undefined && now - d.s.helloAt < 200) return;
		d.set({reconnects: tries, ...(d.s.connection === 'connected' ? {connection: 'reconnecting' as const} : {})});
		d.effects.push({type: 'reconnect'});
		return hello(d, now);
	}
	if (e.code === 'unauthorized') {
		// The hub does not (or no longer) accept this connection or session as ours.
		return d.exit(1, `the hub refused us: ${e.message}`);
	}
	if (e.code === 'rate_limited') {
		// Too fast for the hub: nothing is lost. Wait as long as it says, then go on in order.
		const wait = Math.max(100, e.retryAfterMs ?? 1000);
		const episode = d.s.throttledUntil === undefined || now >= d.s.throttledUntil;
		d.set({throttledUntil: Math.max(d.s.throttledUntil ?? 0, now + wait), tokens: {n: 0, at: now}, paced: true});
		progress(d, now);
		if (p) {
			d.set({pending: d.s.pending.map(x => (x.id === p.id ? {...x, state: 'queued' as const, due: now + wait} : x))});
			if (episode) d.notice(`slowed down by the hub (${e.message}): your lines are kept and sent as it allows`, now, 'info', d.s.views[p.view] ? p.view : d.s.active);
			return;
		}
		if (req?.command && RETRIED_KINDS.has(req.kind)) {
			const entry = {kind: req.kind, command: req.command, due: now + wait, ...(req.room === undefined ? {} : {room: req.room})};
			d.set({deferred: [...d.s.deferred, entry]});
			return;
		}
		return d.notice(e.message, now, 'error');
	}
	if (e.code === 'no_session') {
		// The hub restarted or our session timed out: say hello again; pending lines follow.
		if (d.s.quitting?.byeSent) return finish(d); // the hub forgot us as we left: done
		if (d.s.helloAt === undefined || now - d.s.helloAt > 1000 || d.s.connection === 'connected') {
			if (d.s.connection === 'connected') d.set({connection: 'reconnecting'});
			if (p) d.set({pending: d.s.pending.map(x => (x.id === p.id ? {...x, state: 'queued' as const, due: now} : x))});
			hello(d, now);
		} else if (p) {
			d.set({pending: d.s.pending.map(x => (x.id === p.id ? {...x, state: 'queued' as const, due: now} : x))});
		}
		return;
	}
	if (p) {
		if (e.code === 'storage_failed' || e.code === 'shutting_down') {
			// Not stored, not lost: keep it and try again later.
			const wait = e.retryAfterMs ?? RESEND_BASE_MS;
			d.set({pending: d.s.pending.map(x => (x.id === p.id ? {...x, state: 'queued' as const, due: now + wait, error: e.message} : x))});
			if (!d.s.pending.some(x => x.id !== p.id && x.error === e.message)) d.notice(`not delivered yet: ${e.message}`, now, 'error', p.view);
			return;
		}
		// Refused for good (too long, not in the room, nobody by that nick): say so, keep it visible as failed.
		d.set({pending: d.s.pending.map(x => (x.id === p.id ? {...x, state: 'failed' as const, error: e.message} : x))});
		d.notice(`not delivered: ${e.message}`, now, 'error', d.s.views[p.view] ? p.view : d.s.active);
		pump(d, now);
		return;
	}
	if (req?.kind === 'hello') {
		if (e.code === 'nick_taken' || e.code === 'nick_invalid' || e.code === 'nick_reserved') {
			if (d.s.options.nickExplicit && d.s.epoch === undefined) {
				return d.exit(2, `${e.message} (on this hub): choose another with --nick`);
			}
			const attempt = d.s.nickAttempt + 1;
			if (attempt > NICK_ATTEMPTS) return d.exit(1, `could not find a free nick after ${NICK_ATTEMPTS} tries: choose one with --nick`);
			const base = d.s.options.nick;
			d.set({nick: nickWithSuffix(base, attempt), nickAttempt: attempt});
			return hello(d, now);
		}
		return d.exit(e.code === 'bad_version' || e.code === 'banned' || e.code === 'hub_full' ? 1 : 2, `the hub refused to let us in: ${e.message}`);
	}
	if (req?.kind === 'join' && req.room) {
		// Lines waiting for this room will not go: refused, with the reason.
		const view = '#' + req.room;
		const waiting = d.s.queue.slice(d.s.queueHead);
		const failed = waiting.flatMap(q => (q.type === 'line' && q.line.view === view ? [{...q.line, state: 'failed' as const, error: e.message}] : []));
		d.set({
			wanted: d.s.wanted.filter(r => r !== req.room),
			queue: waiting.filter(q => !(q.type === 'line' && q.line.view === view)),
			queueHead: 0,
			pending: [...d.s.pending.map(p => (p.view === view && p.state === 'queued' ? {...p, state: 'failed' as const, error: e.message} : p)), ...failed],
		});
		d.updateRoom(req.room, {joined: false});
		d.effects.push({type: 'unsubscribe', room: req.room});
	}
	if (req?.kind === 'bye') return finish(d);
	if (req?.kind === 'load' || req?.kind === 'repair' || req?.kind === 'older') return; // a later pong retries
	d.notice(e.message, now, 'error');
}

function onDm(d: Draft, dm: Extract<Reply, {type: 'dm'}>, now: number): void {
	const key = nickKey(dm.from);
	if (isIgnored(d.s, dm.from) || d.s.ignoredFormerly.some(f => f.until > now && nickKey(f.nick) === key)) return;
	openDm(d, dm.from);
	const viewId = dmViewId(d, dm.from);
	d.set({lastDmFrom: dm.from});
	d.show(viewId, {kind: 'dm', key: `dm:${dm.from}:${dm.ts}:${d.s.nextId}`, from: dm.from, to: dm.to, text: dm.text, ts: dm.ts, self: false, ...(dm.action ? {action: true} : {})});
	d.effects.push({type: 'bell'});
}

// -- the feed, in order -------------------------------------------------------------------

function onFeedEvent(d: Draft, e: FeedEvent, now: number): void {
	if (e.epoch !== d.s.epoch) return; // from before our welcome, or another epoch
	const v = d.room(e.room);
	if (!v || !v.joined) return;
	if (e.seq <= v.lastSeq) return; // covered by history already
	if (!v.synced || e.seq > v.lastSeq + 1) {
		if (!v.buffer.some(b => b.seq === e.seq)) d.updateRoom(e.room, {buffer: insertSorted(v.buffer, e)});
		if (v.synced) repair(d, e.room, now);
		return;
	}
	apply(d, e, now, false);
	drain(d, e.room, now);
}

/** Apply buffered events that are now next in line. */
function drain(d: Draft, room: string, now: number): void {
	for (;;) {
		const v = d.room(room);
		if (!v || v.buffer.length === 0) return;
		const first = v.buffer[0]!;
		if (first.seq <= v.lastSeq) {
			d.updateRoom(room, {buffer: v.buffer.slice(1)});
			continue;
		}
		if (first.seq !== v.lastSeq + 1) return repair(d, room, now);
		d.updateRoom(room, {buffer: v.buffer.slice(1)});
		apply(d, first, now, false);
	}
}

function repair(d: Draft, room: string, now: number): void {
	const v = d.room(room);
	if (!v || !v.synced) return;
	const busy = Object.values(d.s.requests).some(r => r.room === room && (r.kind === 'repair' || r.kind === 'load') && now - r.at < 5000);
	if (busy) return;
	d.request('repair', {type: 'history', room, after: v.lastSeq, limit: 500}, now, room);
}

function onHistory(d: Draft, h: HistoryReply, req: Request | undefined, now: number): void {
	const v = d.room(h.room);
	if (!v || h.epoch !== d.s.epoch) return;
	if (req?.kind === 'older') {
		const older = h.events.filter(e => e.seq < v.oldestSeq);
		const items = older.filter(e => visible(d, e)).map(e => eventItem(d, e, true));
		const limit = d.s.options.feedLimit ?? 2000;
		const feed = [...items, ...v.feed].slice(0, Math.max(limit, items.length));
		d.putView({...v, feed, oldestSeq: older[0]?.seq ?? v.oldestSeq, hasOlder: h.more});
		return;
	}
	if (req?.kind === 'load' && !v.synced) {
		// The recent history up to the joined snapshot: shown as it was (membership is in the
		// snapshot already). Anything newer is applied in order like live events.
		for (const e of h.events) if (e.seq <= v.lastSeq && visible(d, e)) d.show(v.id, eventItem(d, e, true), false);
		const loaded = d.room(h.room)!;
		d.putView({...loaded, synced: true, oldestSeq: h.events[0]?.seq ?? loaded.oldestSeq, hasOlder: h.more});
		for (const e of h.events) if (e.seq === d.room(h.room)!.lastSeq + 1) apply(d, e, now, false);
		settleAcked(d, h.room);
		drain(d, h.room, now);
		return;
	}
	// A repair: apply in order what follows lastSeq.
	const first = h.events[0];
	if (first && first.seq > v.lastSeq + 1 && req?.kind === 'repair') {
		// The hub no longer keeps what we missed (its history has a horizon): say how much is
		// gone and go on from the oldest event it has, rather than ask for it again forever.
		const gone = first.seq - v.lastSeq - 1;
		d.notice(`${gone} event${gone === 1 ? '' : 's'} of #${h.room} went by while you were away and are older than the hub keeps`, now, 'error', v.id);
		d.updateRoom(h.room, {lastSeq: first.seq - 1, buffer: v.buffer.filter(e => e.seq >= first.seq)});
	}
	for (const e of h.events) {
		const cur = d.room(h.room)!;
		if (e.seq === cur.lastSeq + 1) apply(d, e, now, false);
	}
	drain(d, h.room, now);
	const cur = d.room(h.room)!;
	if (cur.lastSeq < h.head && h.events.length > 0) repair(d, h.room, now);
}

function onPong(d: Draft, heads: Readonly<Record<string, number>>, now: number): void {
	for (const [room, head] of Object.entries(heads)) {
		const v = d.room(room);
		if (v && v.synced && typeof head === 'number' && head > v.lastSeq) repair(d, room, now);
	}
}

function fetchOlder(d: Draft, viewId: string, now: number): void {
	const v = d.s.views[viewId];
	if (!v || !('room' in v) || !v.hasOlder || v.oldestSeq <= 1) return;
	if (Object.values(d.s.requests).some(r => r.kind === 'older' && r.room === v.room)) return;
	d.request('older', {type: 'history', room: v.room, before: v.oldestSeq, limit: 100}, now, v.room);
}

/** One event, in order: update members and topic, show it, settle our own pending line. */
function apply(d: Draft, e: FeedEvent, now: number, replay: boolean): void {
	const v = d.room(e.room)!;
	let members = v.members;
	let topic = v.topic;
	let ignored = d.s.ignored;
	switch (e.type) {
		case 'join':
			if (!members.includes(e.from)) members = [...members, e.from].sort(compareNicks);
			break;
		case 'part':
			members = members.filter(m => m !== e.from);
			break;
		case 'nick':
			members = members.map(m => (m === e.from ? e.to : m)).sort(compareNicks);
			if (isIgnored(d.s, e.from)) {
				ignored = ignored.map(k => (nickKey(k) === nickKey(e.from) ? e.to : k));
				d.set({ignoredFormerly: [...d.s.ignoredFormerly.filter(f => f.until > now), {nick: e.from, now: e.to, until: now + IGNORE_FORMER_NICK_MS}]});
			}
			break;
		case 'topic':
			topic = e.text;
			break;
		case 'message':
			break;
	}
	d.updateRoom(e.room, {members, topic, lastSeq: e.seq});
	if (ignored !== d.s.ignored) d.set({ignored});
	if (visible(d, e)) {
		const item = eventItem(d, e, replay);
		// What you did yourself (your join arriving, your own line) is not news to you.
		d.show(v.id, item, e.from !== d.s.nick && !(e.type === 'nick' && e.to === d.s.nick));
		if (item.kind === 'event' && item.mention) d.effects.push({type: 'bell'});
	}
	settleAcked(d, e.room);
}

/** Acked lines whose event is now in the feed are done. */
function settleAcked(d: Draft, room: string): void {
	const v = d.room(room);
	if (!v) return;
	const id = '#' + room;
	if (!d.s.pending.some(p => p.view === id && p.state === 'acked' && (p.seq ?? 0) <= v.lastSeq)) return;
	d.set({pending: d.s.pending.filter(p => !(p.view === id && p.state === 'acked' && (p.seq ?? 0) <= v.lastSeq))});
}

function visible(d: Draft, e: FeedEvent): boolean {
	return !(e.type === 'message' && isIgnored(d.s, e.from));
}

/** Whether someone's messages are hidden (nicks compare by nickKey: case and look-alikes). */
function isIgnored(state: ClientState, nick: string): boolean {
	const key = nickKey(nick);
	return state.ignored.some(n => nickKey(n) === key);
}

function eventItem(d: Draft, e: FeedEvent, replay: boolean): FeedItem {
	const mention = e.type === 'message' && e.from !== d.s.nick && mentions(e.text, d.s.nick);
	return {kind: 'event', key: `${e.epoch}:${e.room}:${e.seq}`, event: e, ...(replay ? {replay: true} : {}), ...(mention && !replay ? {mention: true} : {})};
}

/** Whether a text mentions a nick as a word, whatever its case. */
export function mentions(text: string, nick: string): boolean {
	const escaped = nick.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
	return new RegExp(`(^|[^A-Za-z0-9_.-])@?${escaped}($|[^A-Za-z0-9_-])`, 'i').test(text);
}

function insertSorted(buffer: readonly FeedEvent[], e: FeedEvent): FeedEvent[] {
	const out = [...buffer];
	let i = out.length;
	while (i > 0 && out[i - 1]!.seq > e.seq) i--;
	out.splice(i, 0, e);
	return out;
}

function compareNicks(a: string, b: string): number {
	const x = a.toLowerCase();
	const y = b.toLowerCase();
	return x < y ? -1 : x > y ? 1 : 0;
}

// -- time ---------------------------------------------------------------------------------

/**
 * Time passes: ping the hub so it knows we are alive, notice when it stops answering,
 * resend lines whose ack is late.
 */
function tick(d: Draft, now: number): void {
	const {connection, ttlMs} = d.s;
	if (connection === 'closed' || d.s.exit) return;
	if (d.s.quitting && now >= d.s.quitting.deadline) return finish(d);
	const pingEvery = Math.max(250, Math.min(3000, Math.floor(ttlMs / 4)));
	const silentFor = now - d.s.lastHeard;
	if (connection === 'connected' && silentFor > Math.max(ttlMs / 2, 2 * pingEvery)) {
		d.set({connection: 'reconnecting'});
	}
	if (connection === 'connecting' || (connection === 'reconnecting' && d.s.epoch === undefined)) {
		// No welcome yet: the hello may have gone to a hub that was not there; say it again.
		if (d.s.helloAt === undefined || now - d.s.helloAt > 3000) hello(d, now);
		return;
	}
	if (now - d.s.lastSent >= pingEvery || (d.s.connection === 'reconnecting' && now - d.s.lastSent >= 1000)) {
		d.send({type: 'ping'}, now);
	}
	if (d.s.connection === 'connected' && d.s.deferred.some(x => x.due <= now)) {
		// Commands the hub refused as too fast, now due.
		const due = d.s.deferred.filter(x => x.due <= now);
		d.set({deferred: d.s.deferred.filter(x => x.due > now)});
		for (const x of due) {
			const {id: _id, ...command} = x.command;
			d.request(x.kind, command as DistributiveOmit<Command, 'id'>, now, x.room);
		}
	}
	if (d.s.connection === 'connected') {
		// Late acks: send those lines again (same id: the hub drops duplicates).
		if (d.s.pending.some(p => p.state === 'sent' && p.due <= now)) {
			d.set({pending: d.s.pending.map(p => (p.state === 'sent' && p.due <= now ? {...p, state: 'queued' as const, due: now} : p))});
		}
		pump(d, now);
	}
	// Requests that got no answer in a while are forgotten so they can be asked again.
	const stale = Object.entries(d.s.requests).filter(([, r]) => now - r.at > 10_000 && r.kind !== 'hello');
	if (stale.length > 0) {
		const requests = {...d.s.requests};
		for (const [id] of stale) delete requests[id];
		d.set({requests});
	}
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
