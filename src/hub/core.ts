import {createHash} from 'node:crypto';
import {decodeCommandFrames, isRejection, rejectionReply, type Envelope} from '../protocol/codec.js';
import {
	DEFAULT_HISTORY_LIMIT,
	MAX_FRAME_BYTES,
	MAX_FRAMES,
	MAX_HISTORY_LIMIT,
	MAX_ROOMS_PER_SESSION,
	MAX_TEXT_BYTES,
	PROTOCOL_VERSION,
} from '../protocol/limits.js';
import {nickKey} from '../protocol/names.js';
import {sanitize} from '../protocol/sanitize.js';
import type {
	AwayCommand,
	ByeCommand,
	Command,
	ErrorCode,
	HelloCommand,
	HistoryCommand,
	JoinCommand,
	MemberInfo,
	MsgCommand,
	NickCommand,
	PartCommand,
	Reply,
	RoomState,
	SayCommand,
	TopicCommand,
	WhoCommand,
	WhoisCommand,
} from '../protocol/types.js';
import type {AppendItem, NewEvent, Store} from './store.js';

/** Settings of a hub, all with defaults. */
export interface HubCoreOptions {
	/** A session not heard from for this long is ended. @default 10000 */
	readonly ttlMs?: number;
	/** Most sessions at once (`hub_full`). @default 10000 */
	readonly maxSessions?: number;
	/** The version reported in welcome and stats. */
	readonly version?: string;
	/** Where the hub tells its operator what happens. Peer text is sanitised before it gets here. */
	readonly log?: (line: string) => void;
}

/** A reply to one peer: the frames after its routing id. */
export interface PeerOutput {
	readonly peer: Buffer;
	readonly envelope: Envelope;
	readonly frames: string[];
}

/** What a flush gives the transport to send. */
export interface Outbox {
	/** Replies, one entry per peer, frames in order. */
	readonly replies: PeerOutput[];
	/**
	 * Feed events, JSON, in the order they were stored: runs of consecutive events of one
	 * room, so the PUB stream keeps the order across rooms too.
	 */
	readonly publish: Array<{readonly room: string; readonly events: string[]}>;
}

interface Session {
	/** Hash of the client's session secret: the session's identity. */
	readonly key: string;
	peer: Buffer;
	peerKey: string;
	nick: string;
	readonly rooms: Set<string>;
	readonly since: number;
	lastHeard: number;
	lastActive: number;
	away?: string;
	client?: string;
	/** Recent command ids → result, to answer resends without doing the work twice. */
	readonly recent: Map<string, {room: string; seq: number} | 'pending' | 'dm'>;
}

/** An append waiting for the next flush, and who to tell when it is stored. */
interface Pending {
	readonly item: AppendItem;
	readonly session?: Session;
	readonly id?: string;
}

const RECENT_IDS = 4096;
const MAX_REQUEUED = 10_000;
const STORAGE_RETRY_MS = 1000;
/** Commands a peer may send without a session, and the only ones a REQ socket may send. */
const SESSIONLESS = new Set<Command['type']>(['ping', 'who', 'whois', 'rooms', 'stats', 'history']);

/**
 * The hub's rooms and sessions as a state machine. It does no I/O of its own: the transport
 * hands it each received message (`receive`), calls `flush` soon after (which stores the
 * batch and returns everything to send), and calls `tick` on a timer. Time comes in as an
 * argument. The store is the one collaborator, and a real SQLite file or `:memory:` both
 * work in tests.
 *
 * State is mutated in place rather than copied: the hub's per-message path must stay cheap
 * (see docs/PERFORMANCE.md). Everything observable goes out through the Outbox.
 */
export class HubCore {
	readonly ttlMs: number;
	private readonly maxSessions: number;
	private readonly version: string;
	private readonly log: (line: string) => void;
	private readonly sessions = new Map<string, Session>();
	private readonly byPeer = new Map<string, Session>();
	private readonly byNick = new Map<string, Session>();
	private readonly members = new Map<string, Set<Session>>();
	private pending: Pending[] = [];
	private replies: PeerOutput[] = [];
	/** Per peer, the reply of this batch that further DEALER frames are appended to. */
	private replyIndex = new Map<string, PeerOutput>();
	private lastTick: number | undefined;
	private storageFailing = false;
	private readonly started: number;
	private closing = false;
	/** Counters for stats and the operator. */
	readonly counters = {messages: 0, rejected: 0, duplicates: 0, storageFailures: 0};
	/** Connections open on the ROUTER and the PUB socket, kept by the transport (from socket events) for stats. */
	readonly connections = {router: 0, pub: 0};

	constructor(
		private readonly store: Store,
		now: number,
		options: HubCoreOptions = {},
	) {
		this.ttlMs = options.ttlMs ?? 10_000;
		this.maxSessions = options.maxSessions ?? 10_000;
		this.version = options.version ?? '0.0.0';
		this.log = options.log ?? (() => {});
		this.started = now;
	}

	get epoch(): string {
		return this.store.epoch;
	}

	get sessionCount(): number {
		return this.sessions.size;
	}

	/** True when there is something for `flush` to do. */
	get hasWork(): boolean {
		return this.pending.length > 0 || this.replies.length > 0;
	}

	/** Handle one message that arrived on the ROUTER from `peer`. */
	receive(peer: Buffer, frames: readonly Uint8Array[], now: number): void {
		const decoded = decodeCommandFrames(frames);
		const peerKey = peer.toString('latin1');
		const session = this.byPeer.get(peerKey);
		if (session) session.lastHeard = now;
		for (const item of decoded.items) {
			if (isRejection(item)) {
				this.counters.rejected++;
				this.reply(peer, peerKey, decoded.envelope, rejectionReply(item));
				continue;
			}
			this.command(peer, peerKey, decoded.envelope, item, now);
		}
	}

	private command(peer: Buffer, peerKey: string, envelope: Envelope, cmd: Command, now: number): void {
		const send: Send = reply => this.reply(peer, peerKey, envelope, reply);
		const error = (code: ErrorCode, message: string, extra?: {retryAfterMs?: number}) =>
			send({type: 'error', ...(cmd.id === undefined ? {} : {re: cmd.id}), code, message, ...extra});
		if (this.closing && cmd.type !== 'bye') return error('shutting_down', 'the hub is shutting down: try again when it is back');
		if (envelope === 'req' && !SESSIONLESS.has(cmd.type)) {
			return error('bad_type', `a REQ socket can only ask ${[...SESSIONLESS].join(', ')}: use a DEALER socket to chat`);
		}
		if (cmd.type === 'hello') return this.hello(peer, peerKey, cmd, now, send, error);
		const session = this.byPeer.get(peerKey);
		switch (cmd.type) {
			case 'ping':
				return send({type: 'pong', ...re(cmd.id), ts: now, heads: this.heads(session), epoch: this.epoch, session: session !== undefined});
			case 'who':
				return this.who(cmd, now, send, error);
			case 'whois':
				return this.whois(cmd, now, send, error);
			case 'rooms':
				return send({
					type: 'rooms',
					...re(cmd.id),
					rooms: [...this.members]
						.map(([room, set]) => ({room, members: set.size, topic: this.store.topic(room)}))
						.sort((a, b) => a.room.localeCompare(b.room)),
				});
			case 'stats':
				return send({
					type: 'stats',
					...re(cmd.id),
					uptimeMs: now - this.started,
					sessions: this.sessions.size,
					rooms: this.members.size,
					messages: this.counters.messages,
					connections: this.connections.router,
					subscribers: this.connections.pub,
					epoch: this.epoch,
					version: this.version,
				});
			case 'history':
				return this.history(cmd, send);
			default:
				break;
		}
		if (!session) {
			return error('no_session', 'no session: send hello first (or again, if the hub restarted or your session timed out)');
		}
		switch (cmd.type) {
			case 'say':
				return this.say(session, cmd, now, send, error);
			case 'msg':
				return this.msg(session, cmd, now, send, error);
			case 'join':
				return this.join(session, cmd, now, send, error);
			case 'part':
				return this.part(session, cmd, now, send, error);
			case 'nick':
				return this.nick(session, cmd, now, send, error);
			case 'topic':
				return this.topic(session, cmd, now, send, error);
			case 'away':
				return this.away(session, cmd, send);
			case 'bye':
				return this.bye(session, cmd, now, send);
			default:
				return checkExhaustive(cmd);
		}
	}

	// -- sessions --------------------------------------------------------------------------

	private hello(peer: Buffer, peerKey: string, cmd: HelloCommand, now: number, send: Send, error: ErrorFn): void {
		if (cmd.v !== PROTOCOL_VERSION) {
			return error('bad_version', `this hub speaks protocol version ${PROTOCOL_VERSION}, not ${cmd.v}`);
		}
		const key = createHash('sha256').update(cmd.session).digest('base64url').slice(0, 22);
		const onPeer = this.byPeer.get(peerKey);
		if (onPeer && onPeer.key !== key) this.endSession(onPeer, 'replaced by a new session', now);
		const existing = this.sessions.get(key);
		if (existing) {
			// A resume: same secret, maybe a new connection. Re-bind; nobody else notices.
			if (existing.peerKey !== peerKey) {
				this.byPeer.delete(existing.peerKey);
				existing.peer = peer;
				existing.peerKey = peerKey;
				this.byPeer.set(peerKey, existing);
			}
			existing.lastHeard = now;
			if (cmd.client !== undefined) existing.client = cmd.client;
			return send(this.welcome(existing, cmd.id, true));
		}
		if (this.sessions.size >= this.maxSessions) {
			return error('hub_full', `the hub is full (${this.maxSessions} sessions): try again later`);
		}
		const holder = this.byNick.get(nickKey(cmd.nick));
		if (holder) return error('nick_taken', `the nick "${cmd.nick}" is taken (by "${holder.nick}"): pick another`);
		const rooms = cmd.rooms ?? ['lobby'];
		const session: Session = {
			key,
			peer,
			peerKey,
			nick: cmd.nick,
			rooms: new Set(),
			since: now,
			lastHeard: now,
			lastActive: now,
			recent: new Map(),
			...(cmd.client === undefined ? {} : {client: cmd.client}),
		};
		this.sessions.set(key, session);
		this.byPeer.set(peerKey, session);
		this.byNick.set(nickKey(session.nick), session);
		for (const room of rooms) this.enter(session, room, now);
		this.log(`${session.nick} connected (${rooms.map(r => '#' + r).join(' ')})`);
		send(this.welcome(session, cmd.id, false));
	}

	private welcome(session: Session, id: string | undefined, resumed: boolean): Reply {
		return {
			type: 'welcome',
			...re(id),
			v: PROTOCOL_VERSION,
			nick: session.nick,
			epoch: this.epoch,
			resumed,
			rooms: [...session.rooms].map(room => this.roomState(room)),
			ttlMs: this.ttlMs,
			limits: {
				textBytes: MAX_TEXT_BYTES,
				frames: MAX_FRAMES,
				frameBytes: MAX_FRAME_BYTES,
				roomsPerSession: MAX_ROOMS_PER_SESSION,
				historyLimit: MAX_HISTORY_LIMIT,
			},
			hub: {name: 'zchat', version: this.version},
		};
	}

	private roomState(room: string): RoomState {
		const members = [...(this.members.get(room) ?? [])].map(s => s.nick).sort(byNick);
		return {room, seq: this.store.head(room), topic: this.store.topic(room), members};
	}

	/** End a session: it leaves every room (announced as a quit) and its nick is free again. */
	private endSession(session: Session, reason: string | undefined, now: number): void {
		for (const room of session.rooms) {
			this.members.get(room)?.delete(session);
			if (this.members.get(room)?.size === 0) this.members.delete(room);
			const event: NewEvent = {type: 'part', room, ts: now, from: session.nick, quit: true};
			this.append({event: reason === undefined ? event : {...event, reason}});
		}
		session.rooms.clear();
		this.sessions.delete(session.key);
		if (this.byPeer.get(session.peerKey) === session) this.byPeer.delete(session.peerKey);
		if (this.byNick.get(nickKey(session.nick)) === session) this.byNick.delete(nickKey(session.nick));
		this.log(`${session.nick} left${reason === undefined ? '' : ` (${sanitize(reason)})`}`);
	}

	private enter(session: Session, room: string, now: number): void {
		session.rooms.add(room);
		let set = this.members.get(room);
		if (!set) this.members.set(room, (set = new Set()));
		set.add(session);
		this.append({event: {type: 'join', room, ts: now, from: session.nick}});
	}

	private bye(session: Session, cmd: ByeCommand, now: number, send: Send): void {
		send({type: 'ok', ...re(cmd.id), command: 'bye'});
		this.endSession(session, cmd.reason, now);
	}

	// -- rooms -----------------------------------------------------------------------------

	private join(session: Session, cmd: JoinCommand, now: number, send: Send, error: ErrorFn): void {
		if (session.rooms.has(cmd.room)) return send({type: 'joined', ...re(cmd.id), ...this.roomState(cmd.room)});
		if (session.rooms.size >= MAX_ROOMS_PER_SESSION) {
			return error('too_many_rooms', `you are in ${session.rooms.size} rooms, the most allowed: /part one first`);
		}
		this.enter(session, cmd.room, now);
		send({type: 'joined', ...re(cmd.id), ...this.roomState(cmd.room)});
	}

	private part(session: Session, cmd: PartCommand, now: number, send: Send, error: ErrorFn): void {
		if (!session.rooms.has(cmd.room)) return error('not_in_room', `you are not in #${cmd.room}`);
		session.rooms.delete(cmd.room);
		const set = this.members.get(cmd.room);
		set?.delete(session);
		if (set?.size === 0) this.members.delete(cmd.room);
		const event: NewEvent = {type: 'part', room: cmd.room, ts: now, from: session.nick};
		this.append({event: cmd.reason ? {...event, reason: cmd.reason} : event});
		send({type: 'ok', ...re(cmd.id), command: 'part', room: cmd.room});
	}

	private topic(session: Session, cmd: TopicCommand, now: number, send: Send, error: ErrorFn): void {
		if (cmd.text === undefined) return send({type: 'topic', ...re(cmd.id), room: cmd.room, text: this.store.topic(cmd.room)});
		if (!session.rooms.has(cmd.room)) return error('not_in_room', `join #${cmd.room} to set its topic`);
		this.append({event: {type: 'topic', room: cmd.room, ts: now, from: session.nick, text: cmd.text}});
		send({type: 'ok', ...re(cmd.id), command: 'topic', room: cmd.room});
	}

	private nick(session: Session, cmd: NickCommand, now: number, send: Send, error: ErrorFn): void {
		const key = nickKey(cmd.nick);
		const holder = this.byNick.get(key);
		if (holder && holder !== session) return error('nick_taken', `the nick "${cmd.nick}" is taken (by "${holder.nick}"): pick another`);
		const old = session.nick;
		if (old === cmd.nick) return send({type: 'ok', ...re(cmd.id), command: 'nick', nick: old});
		this.byNick.delete(nickKey(old));
		session.nick = cmd.nick;
		this.byNick.set(key, session);
		for (const room of session.rooms) this.append({event: {type: 'nick', room, ts: now, from: old, to: cmd.nick}});
		this.log(`${old} is now known as ${cmd.nick}`);
		send({type: 'ok', ...re(cmd.id), command: 'nick', nick: cmd.nick});
	}

	// -- messages --------------------------------------------------------------------------

	private say(session: Session, cmd: SayCommand, now: number, send: Send, error: ErrorFn): void {
		const seen = session.recent.get(cmd.id);
		if (seen === 'pending') return; // already in this batch: its ack is on the way
		if (seen !== undefined && seen !== 'dm') {
			this.counters.duplicates++;
			return send({type: 'ack', re: cmd.id, room: seen.room, seq: seen.seq, epoch: this.epoch});
		}
		if (!session.rooms.has(cmd.room)) return error('not_in_room', `you are not in #${cmd.room}: /join #${cmd.room} first`);
		session.lastActive = now;
		remember(session, cmd.id, 'pending');
		const event: NewEvent = {type: 'message', room: cmd.room, ts: now, from: session.nick, text: cmd.text};
		this.append({event: cmd.action ? {...event, action: true} : event, origin: `${session.key}:${cmd.id}`}, session, cmd.id);
	}

	private msg(session: Session, cmd: MsgCommand, now: number, send: Send, error: ErrorFn): void {
		const target = this.byNick.get(nickKey(cmd.to));
		if (!target) return error('no_such_nick', `${cmd.to} is not online`);
		const ack: Reply = {type: 'ack', re: cmd.id, to: target.nick, ...(target.away === undefined ? {} : {away: target.away})};
		if (session.recent.get(cmd.id) === 'dm') {
			this.counters.duplicates++;
			return send(ack);
		}
		remember(session, cmd.id, 'dm');
		session.lastActive = now;
		const dm: Reply = {type: 'dm', from: session.nick, to: target.nick, text: cmd.text, ts: now, ...(cmd.action ? {action: true} : {})};
		this.reply(target.peer, target.peerKey, 'dealer', dm);
		this.counters.messages++;
		send(ack);
	}

	private away(session: Session, cmd: AwayCommand, send: Send): void {
		if (cmd.text === undefined || cmd.text.trim() === '') delete session.away;
		else session.away = cmd.text;
		send({type: 'ok', ...re(cmd.id), command: 'away'});
	}

	// -- questions -------------------------------------------------------------------------

	private who(cmd: WhoCommand, now: number, send: Send, error: ErrorFn): void {
		let list: Iterable<Session>;
		if (cmd.room !== undefined) {
			const set = this.members.get(cmd.room);
			if (!set) return error('not_in_room', `nobody is in #${cmd.room}`);
			list = set;
		} else {
			list = this.sessions.values();
		}
		const members: MemberInfo[] = [...list]
			.map(s => ({nick: s.nick, idleMs: now - s.lastActive, ...(s.away === undefined ? {} : {away: s.away})}))
			.sort((a, b) => byNick(a.nick, b.nick));
		send({type: 'who', ...re(cmd.id), ...(cmd.room === undefined ? {} : {room: cmd.room}), members});
	}

	private whois(cmd: WhoisCommand, now: number, send: Send, error: ErrorFn): void {
		const s = this.byNick.get(nickKey(cmd.nick));
		if (!s) return error('no_such_nick', `${cmd.nick} is not online`);
		send({
			type: 'whois',
			...re(cmd.id),
			nick: s.nick,
			rooms: [...s.rooms].sort(),
			idleMs: now - s.lastActive,
			since: s.since,
			...(s.away === undefined ? {} : {away: s.away}),
			...(s.client === undefined ? {} : {client: s.client}),
		});
	}

	private history(cmd: HistoryCommand, send: Send): void {
		const limit = cmd.limit ?? DEFAULT_HISTORY_LIMIT;
		const query = cmd.after !== undefined ? {after: cmd.after, limit} : cmd.before !== undefined ? {before: cmd.before, limit} : {limit};
		const page = this.store.history(cmd.room, query);
		// Stored events are JSON already: splice them in rather than parse and re-encode.
		const head = JSON.stringify({
			type: 'history',
			...re(cmd.id),
			room: cmd.room,
			epoch: this.epoch,
			head: this.store.head(cmd.room),
			more: page.more,
		});
		send(head.slice(0, -1) + ',"events":[' + page.events.join(',') + ']}');
	}

	private heads(session: Session | undefined): Record<string, number> {
		const heads: Record<string, number> = {};
		if (session) for (const room of session.rooms) heads[room] = this.store.head(room);
		return heads;
	}

	// -- output ----------------------------------------------------------------------------

	private append(item: AppendItem, session?: Session, id?: string): void {
		this.pending.push(session && id !== undefined ? {item, session, id} : {item});
	}

	private reply(peer: Buffer, peerKey: string, envelope: Envelope, reply: Reply | string): void {
		const frame = typeof reply === 'string' ? reply : JSON.stringify(reply);
		if (envelope === 'req') {
			// A REQ socket takes exactly one reply per request, in its own envelope.
			this.replies.push({peer, envelope, frames: [frame]});
			return;
		}
		const out = this.replyIndex.get(peerKey);
		if (out) {
			out.frames.push(frame);
			return;
		}
		const fresh: PeerOutput = {peer, envelope, frames: [frame]};
		this.replies.push(fresh);
		this.replyIndex.set(peerKey, fresh);
	}

	/**
	 * Store what this batch appended (one transaction) and return everything to send: acks
	 * only for what was stored, feed events only once stored. When storage fails nothing is
	 * acked or published; each sender is told, and keeps its message to send again.
	 */
	flush(): Outbox {
		const publish: Outbox['publish'] = [];
		const batch = this.pending;
		this.pending = [];
		if (batch.length > 0) {
			try {
				const results = this.store.append(batch.map(p => p.item));
				if (this.storageFailing) {
					this.storageFailing = false;
					this.log('storage works again');
				}
				for (let i = 0; i < batch.length; i++) {
					const p = batch[i]!;
					const r = results[i]!;
					if (r.json !== undefined) {
						const run = publish[publish.length - 1];
						if (run && run.room === r.room) run.events.push(r.json);
						else publish.push({room: r.room, events: [r.json]});
						if (p.item.event.type === 'message') this.counters.messages++;
					} else {
						this.counters.duplicates++;
					}
					if (p.session && p.id !== undefined) {
						if (p.session.recent.get(p.id) === 'pending') remember(p.session, p.id, {room: r.room, seq: r.seq});
						this.reply(p.session.peer, p.session.peerKey, 'dealer', {type: 'ack', re: p.id, room: r.room, seq: r.seq, epoch: this.epoch});
					}
				}
			} catch (err) {
				this.storageFailed(batch, err);
			}
		}
		const replies = this.replies;
		this.replies = [];
		this.replyIndex = new Map();
		return {replies, publish};
	}

	private storageFailed(batch: Pending[], err: unknown): void {
		this.counters.storageFailures++;
		const why = describeStorageError(err);
		if (!this.storageFailing) {
			this.storageFailing = true;
			this.log(`storage failed: ${why}; not acking until it works again`);
		}
		const requeue: Pending[] = [];
		for (const p of batch) {
			if (p.session && p.id !== undefined) {
				p.session.recent.delete(p.id);
				this.reply(p.session.peer, p.session.peerKey, 'dealer', {
					type: 'error',
					re: p.id,
					code: 'storage_failed',
					message: `the hub could not store your message (${why}); it is not lost: your client sends it again`,
					retryAfterMs: STORAGE_RETRY_MS,
				});
			} else if (requeue.length < MAX_REQUEUED) {
				// A join, part or nick notice: the change itself has happened; store its notice later.
				requeue.push(p);
			}
		}
		this.pending = requeue.concat(this.pending);
	}

	/**
	 * Time passes: end sessions not heard from within the TTL. A hub that was itself frozen
	 * (SIGSTOP, a long GC) does not punish its clients for it: when ticks come late, the
	 * clock of every session restarts instead.
	 */
	tick(now: number): void {
		const last = this.lastTick ?? now;
		this.lastTick = now;
		if (now - last > this.ttlMs / 2) {
			for (const s of this.sessions.values()) s.lastHeard = now;
			return;
		}
		for (const s of [...this.sessions.values()]) {
			if (now - s.lastHeard > this.ttlMs) {
				this.reply(s.peer, s.peerKey, 'dealer', {type: 'notice', code: 'session_ended', message: 'your session timed out: reconnecting'});
				this.endSession(s, 'timed out', now);
			}
		}
	}

	/** The hub is stopping: tell every session and announce everyone's leaving. */
	shutdown(now: number, reason = 'hub shutting down'): void {
		for (const s of [...this.sessions.values()]) {
			this.reply(s.peer, s.peerKey, 'dealer', {type: 'notice', code: 'shutdown', message: `${reason}: your client will reconnect when it is back`});
			this.endSession(s, reason, now);
		}
		this.closing = true;
	}
}

type Send = (reply: Reply | string) => void;
type ErrorFn = (code: ErrorCode, message: string, extra?: {retryAfterMs?: number}) => void;

function re(id: string | undefined): {re?: string} {
	return id === undefined ? {} : {re: id};
}

function remember(session: Session, id: string, value: {room: string; seq: number} | 'pending' | 'dm'): void {
	session.recent.delete(id);
	session.recent.set(id, value);
	if (session.recent.size > RECENT_IDS) session.recent.delete(session.recent.keys().next().value!);
}

function byNick(a: string, b: string): number {
	return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
}

function describeStorageError(err: unknown): string {
	const code = (err as {code?: unknown})?.code;
	if (code === 'SQLITE_FULL') return 'the disk is full';
	if (code === 'SQLITE_READONLY' || code === 'SQLITE_READONLY_DBMOVED') return 'the data directory is read-only';
	if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) return 'a disk I/O error';
	return err instanceof Error ? err.message : String(err);
}

function checkExhaustive(value: never): never {
	throw new Error(`unhandled command: ${JSON.stringify(value)}`);
}
