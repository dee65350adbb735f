import {createHash} from 'node:crypto';
import {decodeCommandFrames, isRejection, rejectionReply, type Envelope} from '../protocol/codec.js';
import {
	DEFAULT_HISTORY_LIMIT,
	MAX_FRAME_BYTES,
	MAX_FRAMES,
	MAX_HISTORY_LIMIT,
	MAX_ROOMS_PER_HUB,
	MAX_ROOMS_PER_SESSION,
	MAX_SESSIONS_PER_KEY,
	MAX_TEXT_BYTES,
	PROTOCOL_VERSION,
} from '../protocol/limits.js';
import {formatSeconds} from '../protocol/durations.js';
import {assertNever} from '../protocol/exhaustive.js';
import {nickKey} from '../protocol/names.js';
import {sanitize} from '../protocol/sanitize.js';
import type {
	AwayCommand,
	BanCommand,
	BanInfo,
	ByeCommand,
	Command,
	ErrorCode,
	HelloCommand,
	HistoryCommand,
	JoinCommand,
	KickCommand,
	LockCommand,
	MemberInfo,
	MsgCommand,
	MuteCommand,
	NickCommand,
	NoticeReply,
	PartCommand,
	Reply,
	RoomState,
	SayCommand,
	TopicCommand,
	UnbanCommand,
	UnmuteCommand,
	WhoCommand,
	WhoisCommand,
} from '../protocol/types.js';
import {isZ85Key} from '../protocol/z85.js';
import {Access} from './access.js';
import {fullBucket, takeToken, type Bucket, type RateLimit} from './rate-limit.js';
import type {AppendItem, AppendResult, HubStorage, NewEvent} from './store.js';

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
	/** Flood limit per session (say, msg, nick, topic, join of a new room); undefined for none. */
	readonly rateLimit?: RateLimit;
	/** Who may connect, reserved nicks, operators. @default an open hub with no operators */
	readonly access?: Access;
	/**
	 * The public key (Z85) a connection authenticated with, from the ZAP handler, which gives
	 * every connection its routing id. Set on a hub with keys.
	 */
	readonly connectionKey?: (peer: Buffer) => string | undefined;
	/** Most rooms the hub tracks (`too_many_rooms`). @default 10000 */
	readonly maxRooms?: number;
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
	/**
	 * Keys lost the right to connect (a ban, a revoked key): connections already open on the
	 * PUB socket should be made to authenticate again.
	 */
	readonly revoked: boolean;
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
	/** The public key the session's connection authenticated with (hubs with keys). */
	readonly clientKey?: string;
	/** Flood control. */
	readonly bucket?: Bucket;
	/** Recent command ids → result, to answer resends without doing the work twice. */
	readonly recent: Map<string, {room: string; seq: number} | 'pending' | 'dm'>;
}

/** A mute in force, by "nick:<nickKey>" or "key:<key>". */
interface Mute {
	readonly until?: number;
	readonly by: string;
	readonly reason?: string;
}

/** An append waiting for the next flush, and who to tell when it is stored. */
interface Pending {
	readonly item: AppendItem;
	readonly session?: Session;
	readonly id?: string;
}

const RECENT_IDS = 4096;
/**
 * A connection refused this many times as too fast within a second is flooding: until the
 * second is over its messages are dropped unread, so a flood costs the hub almost nothing
 * and everyone else's messages are not kept waiting behind it. A zchat client paces itself
 * and never gets here; what is dropped, it sends again.
 */
const REFUSALS_BEFORE_DROPPING = 64;
const MAX_REQUEUED = 10_000;
const STORAGE_RETRY_MS = 1000;
/** Commands a peer may send without a session, and the only ones a REQ socket may send. */
const SESSIONLESS = new Set<Command['type']>(['ping', 'who', 'whois', 'rooms', 'stats', 'history']);
/** Commands only operators may send. */
const OPERATOR = new Set<Command['type']>(['kick', 'ban', 'unban', 'bans', 'mute', 'unmute', 'lock']);

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
	private readonly rateLimit: RateLimit | undefined;
	readonly access: Access;
	private readonly connectionKey: ((peer: Buffer) => string | undefined) | undefined;
	private readonly maxRooms: number;
	private readonly mutes = new Map<string, Mute>();
	private readonly perKey = new Map<string, number>();
	/** Connections being refused as too fast: refusals in the current second, and since when. */
	private readonly floods = new Map<string, {since: number; refused: number; dropped: number}>();
	private revoked = false;
	private readonly sessions = new Map<string, Session>();
	private readonly byPeer = new Map<string, Session>();
	private readonly byNick = new Map<string, Session>();
	private readonly members = new Map<string, Set<Session>>();
	private pending: Pending[] = [];
	private replies: PeerOutput[] = [];
	/** Feed events stored since the last take, in runs per room. */
	private publish: Outbox['publish'] = [];
	/** Per peer, the reply of this batch that further DEALER frames are appended to. */
	private replyIndex = new Map<string, PeerOutput>();
	private lastTick: number | undefined;
	private storageFailing = false;
	private readonly started: number;
	private closing = false;
	/** Counters for stats and the operator. */
	readonly counters = {messages: 0, rejected: 0, duplicates: 0, storageFailures: 0, rateLimited: 0, unauthorized: 0, dropped: 0};
	/** Connections open on the ROUTER and the PUB socket, kept by the transport (from socket events) for stats. */
	readonly connections = {router: 0, pub: 0};

	constructor(
		private readonly store: HubStorage,
		now: number,
		options: HubCoreOptions = {},
	) {
		this.ttlMs = options.ttlMs ?? 10_000;
		this.maxSessions = options.maxSessions ?? 10_000;
		this.version = options.version ?? '0.0.0';
		this.log = options.log ?? (() => {});
		this.rateLimit = options.rateLimit;
		this.access = options.access ?? new Access(store);
		this.connectionKey = options.connectionKey;
		this.maxRooms = options.maxRooms ?? MAX_ROOMS_PER_HUB;
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
		return this.pending.length > 0 || this.replies.length > 0 || this.publish.length > 0;
	}

	/** Handle one message that arrived on the ROUTER from `peer`. */
	receive(peer: Buffer, frames: readonly Uint8Array[], now: number): void {
		const peerKey = peer.toString('latin1');
		const flood = this.floods.get(peerKey);
		if (flood && now - flood.since < 1000 && flood.refused >= REFUSALS_BEFORE_DROPPING) {
			flood.dropped += frames.length;
			this.counters.dropped += frames.length;
			return;
		}
		const decoded = decodeCommandFrames(frames);
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
		// On a hub with keys the ZAP handler gave every connection its routing id and noted its
		// key; a routing id it did not give out is not a connection this hub authenticated.
		const connKey = this.connectionKey?.(peer);
		if (this.connectionKey && connKey === undefined) {
			this.counters.unauthorized++;
			return error('unauthenticated', 'this connection is not one the hub authenticated: reconnect');
		}
		if (cmd.type === 'hello') return this.hello(peer, peerKey, cmd, connKey, now, send, error);
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
		if (OPERATOR.has(cmd.type) && !this.isOp(session)) {
			return error('not_operator', `only operators can use ${cmd.type}: operators are named by the hub's --op`);
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
			case 'kick':
				return this.kick(session, cmd, now, send, error);
			case 'ban':
				return this.ban(session, cmd, now, send, error);
			case 'unban':
				return this.unban(cmd, send, error);
			case 'bans':
				return send({type: 'bans', ...re(cmd.id), bans: this.store.bans(now).map(cleanBan)});
			case 'mute':
				return this.mute(session, cmd, now, send, error);
			case 'unmute':
				return this.unmute(cmd, now, send, error);
			case 'lock':
				return this.lock(session, cmd, now, send);
			default:
				return assertNever(cmd, 'command');
		}
	}

	private isOp(session: Session): boolean {
		return this.access.isOp(session.nick, session.clientKey);
	}

	/**
	 * Charge one message to a session's flood bucket. False, with a `rate_limited` error sent,
	 * when it is over its limit; the refused message costs nothing.
	 */
	private charge(session: Session, now: number, error: ErrorFn): boolean {
		if (!this.rateLimit || !session.bucket) return true;
		const wait = takeToken(session.bucket, this.rateLimit, now);
		if (wait === 0) return true;
		this.counters.rateLimited++;
		this.noteRefusal(session.peerKey, now);
		const {burst, seconds} = this.rateLimit;
		error('rate_limited', `slow down: this hub takes ${burst} messages at once, then one every ${formatSeconds((seconds * 1000) / burst)}; try again in ${formatSeconds(wait)}`, {
			retryAfterMs: wait,
		});
		return false;
	}

	private noteRefusal(peerKey: string, now: number): void {
		let flood = this.floods.get(peerKey);
		if (!flood || now - flood.since >= 1000) {
			if (flood && flood.dropped > 0) this.log(`dropped ${flood.dropped} frames unread from a connection sending faster than its limit`);
			this.floods.set(peerKey, (flood = {since: now, refused: 0, dropped: 0}));
		}
		flood.refused++;
	}

	/** The mute in force on a session, if any (expired mutes are forgotten here). */
	private muteOf(session: Session, now: number): Mute | undefined {
		for (const id of [`nick:${nickKey(session.nick)}`, ...(session.clientKey === undefined ? [] : [`key:${session.clientKey}`])]) {
			const m = this.mutes.get(id);
			if (!m) continue;
			if (m.until !== undefined && m.until <= now) {
				this.mutes.delete(id);
				continue;
			}
			return m;
		}
		return undefined;
	}

	/** True, with a `muted` error sent, when the session may not speak now. */
	private silenced(session: Session, now: number, error: ErrorFn): boolean {
		const m = this.muteOf(session, now);
		if (!m) return false;
		error('muted', `you are muted by ${m.by}${m.reason ? ` (${oneLineReason(m.reason)})` : ''}${m.until === undefined ? ' until an operator unmutes you' : ` for ${formatSeconds(m.until - now)} more`}`, m.until === undefined ? undefined : {retryAfterMs: m.until - now});
		return true;
	}

	/** The ban in force on a nick or a key, if any. */
	private banOf(nick: string, key: string | undefined, now: number): BanInfo | undefined {
		return this.store.ban('nick', nickKey(nick), now) ?? (key === undefined ? undefined : this.store.ban('key', key, now));
	}

	// -- sessions --------------------------------------------------------------------------

	private hello(peer: Buffer, peerKey: string, cmd: HelloCommand, connKey: string | undefined, now: number, send: Send, error: ErrorFn): void {
		if (cmd.v !== PROTOCOL_VERSION) {
			return error('bad_version', `this hub speaks protocol version ${PROTOCOL_VERSION}, not ${cmd.v}`);
		}
		const key = createHash('sha256').update(cmd.session).digest('base64url').slice(0, 22);
		const existing = this.sessions.get(key);
		if (existing && existing.clientKey !== connKey) {
			// The secret alone is not enough: a session bound to a key is that key's only.
			this.counters.unauthorized++;
			return error('unauthorized', 'this session belongs to another key: a session can only be resumed with the key that started it');
		}
		const ban = this.banOf(existing ? existing.nick : cmd.nick, connKey, now);
		if (ban) return error('banned', banMessage(ban, now), ban.until === undefined ? undefined : {retryAfterMs: ban.until - now});
		const onPeer = this.byPeer.get(peerKey);
		if (onPeer && onPeer.key !== key) this.endSession(onPeer, 'replaced by a new session', now);
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
		if (connKey !== undefined && (this.perKey.get(connKey) ?? 0) >= MAX_SESSIONS_PER_KEY) {
			return error('hub_full', `your key already has ${MAX_SESSIONS_PER_KEY} sessions on this hub: close one first`);
		}
		const owner = this.access.reservedFor(cmd.nick);
		if (owner !== undefined && owner !== connKey) {
			this.counters.unauthorized++;
			return error('nick_reserved', `the nick "${cmd.nick}" belongs to another member's key on this hub: pick another`);
		}
		const holder = this.byNick.get(nickKey(cmd.nick));
		if (holder) return error('nick_taken', `the nick "${cmd.nick}" is taken (by "${holder.nick}"): pick another`);
		const rooms = cmd.rooms ?? ['lobby'];
		const fresh = rooms.filter(r => !this.members.has(r) && this.store.head(r) === 0).length;
		if (fresh > 0 && this.store.roomCount + fresh > this.maxRooms) {
			return error('too_many_rooms', `the hub has its maximum of ${this.maxRooms} rooms: join one that exists (/rooms lists them)`);
		}
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
			...(connKey === undefined ? {} : {clientKey: connKey}),
			...(this.rateLimit === undefined ? {} : {bucket: fullBucket(this.rateLimit, now)}),
		};
		this.sessions.set(key, session);
		this.byPeer.set(peerKey, session);
		this.byNick.set(nickKey(session.nick), session);
		if (connKey !== undefined) this.perKey.set(connKey, (this.perKey.get(connKey) ?? 0) + 1);
		for (const room of rooms) this.enter(session, room, now);
		this.log(`${session.nick} connected (${rooms.map(r => '#' + r).join(' ')})${connKey === undefined ? '' : ` with key ${connKey}`}${this.isOp(session) ? ' as an operator' : ''}`);
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
				...(this.rateLimit === undefined ? {} : {rate: {burst: this.rateLimit.burst, seconds: this.rateLimit.seconds}}),
			},
			hub: {name: 'zchat', version: this.version},
			...(session.clientKey === undefined ? {} : {key: session.clientKey}),
			...(this.isOp(session) ? {op: true} : {}),
		};
	}

	private roomState(room: string): RoomState {
		const members = [...(this.members.get(room) ?? [])].map(s => s.nick).sort(byNick);
		return {room, seq: this.store.head(room), topic: this.store.topic(room), members, ...(this.store.topicLocked(room) ? {topicLocked: true} : {})};
	}

	/**
	 * End a session: it leaves every room (announced as a quit, or as a kick or ban by an
	 * operator) and its nick is free again.
	 */
	private endSession(session: Session, reason: string | undefined, now: number, removal?: {readonly removed: 'kick' | 'ban'; readonly by: string}): void {
		for (const room of session.rooms) {
			this.members.get(room)?.delete(session);
			if (this.members.get(room)?.size === 0) this.members.delete(room);
			const event: NewEvent = {type: 'part', room, ts: now, from: session.nick, quit: true, ...(removal ?? {})};
			this.append({event: reason === undefined ? event : {...event, reason}});
		}
		session.rooms.clear();
		if (this.sessions.get(session.key) !== session) return;
		this.sessions.delete(session.key);
		if (this.byPeer.get(session.peerKey) === session) this.byPeer.delete(session.peerKey);
		if (this.byNick.get(nickKey(session.nick)) === session) this.byNick.delete(nickKey(session.nick));
		if (session.clientKey !== undefined) {
			const left = (this.perKey.get(session.clientKey) ?? 1) - 1;
			if (left > 0) this.perKey.set(session.clientKey, left);
			else this.perKey.delete(session.clientKey);
		}
		const how = removal ? ` (${removal.removed === 'kick' ? 'kicked' : 'banned'} by ${removal.by})` : '';
		this.log(`${session.nick} left${how}${reason === undefined ? '' : ` (${oneLineReason(reason)})`}`);
	}

	/** An operator removes a session: tell its client why, then end it. */
	private remove(target: Session, how: 'kick' | 'ban', by: string, reason: string | undefined, now: number, until?: number): void {
		const what = how === 'kick' ? 'kicked' : 'banned';
		const span = how === 'ban' ? (until === undefined ? ' for good' : ` for ${formatSeconds(until - now)}`) : '';
		this.reply(target.peer, target.peerKey, 'dealer', {
			type: 'notice',
			code: what,
			message: `you were ${what} from the hub by ${by}${span}${reason ? `: ${reason}` : ''}`,
		});
		this.endSession(target, reason, now, {removed: how, by});
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
		if (!this.members.has(cmd.room) && this.store.head(cmd.room) === 0 && this.store.roomCount >= this.maxRooms) {
			return error('too_many_rooms', `the hub has its maximum of ${this.maxRooms} rooms: join one that exists (/rooms lists them)`);
		}
		if (!this.charge(session, now, error)) return;
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
		if (this.store.topicLocked(cmd.room) && !this.isOp(session)) {
			return error('topic_locked', `the topic of #${cmd.room} is locked: only operators can change it`);
		}
		if (this.silenced(session, now, error) || !this.charge(session, now, error)) return;
		this.append({event: {type: 'topic', room: cmd.room, ts: now, from: session.nick, text: cmd.text}});
		send({type: 'ok', ...re(cmd.id), command: 'topic', room: cmd.room});
	}

	private nick(session: Session, cmd: NickCommand, now: number, send: Send, error: ErrorFn): void {
		const key = nickKey(cmd.nick);
		const owner = this.access.reservedFor(cmd.nick);
		if (owner !== undefined && owner !== session.clientKey) {
			this.counters.unauthorized++;
			return error('nick_reserved', `the nick "${cmd.nick}" belongs to another member's key on this hub: pick another`);
		}
		const holder = this.byNick.get(key);
		if (holder && holder !== session) return error('nick_taken', `the nick "${cmd.nick}" is taken (by "${holder.nick}"): pick another`);
		const old = session.nick;
		if (old === cmd.nick) return send({type: 'ok', ...re(cmd.id), command: 'nick', nick: old});
		const ban = this.store.ban('nick', key, now);
		if (ban) return error('banned', `the nick "${cmd.nick}" is banned: pick another`);
		if (this.silenced(session, now, error) || !this.charge(session, now, error)) return;
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
		if (this.silenced(session, now, error) || !this.charge(session, now, error)) return;
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
		if (this.silenced(session, now, error) || !this.charge(session, now, error)) return;
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

	// -- moderation (operators only; checked before these are called) --------------------

	/** The online session an operator names, or an error sent saying why it cannot be acted on. */
	private targetOf(op: Session, nick: string, verb: string, error: ErrorFn): Session | undefined {
		const target = this.byNick.get(nickKey(nick));
		if (!target) return void error('no_such_nick', `${nick} is not online`);
		if (target === op) return void error('bad_field', `you cannot ${verb} yourself`);
		if (this.isOp(target)) return void error('not_operator', `${target.nick} is an operator: operators are set by the hub's --op, not removed by each other`);
		return target;
	}

	private kick(op: Session, cmd: KickCommand, now: number, send: Send, error: ErrorFn): void {
		const target = this.targetOf(op, cmd.nick, 'kick', error);
		if (!target) return;
		this.remove(target, 'kick', op.nick, cmd.reason, now);
		send({type: 'ok', ...re(cmd.id), command: 'kick', nick: target.nick});
	}

	private ban(op: Session, cmd: BanCommand, now: number, send: Send, error: ErrorFn): void {
		const isKey = isZ85Key(cmd.target);
		let victims: Session[];
		if (isKey) {
			if (op.clientKey === cmd.target) return error('bad_field', 'you cannot ban yourself');
			victims = [...this.sessions.values()].filter(s => s.clientKey === cmd.target);
			if (victims.some(v => this.isOp(v)) || this.access.isOp('', cmd.target)) return error('not_operator', 'that key is an operator\'s: operators are set by the hub\'s --op');
		} else {
			const online = this.byNick.get(nickKey(cmd.target));
			if (online === op) return error('bad_field', 'you cannot ban yourself');
			if ((online && this.isOp(online)) || this.access.isOp(cmd.target, this.access.reservedFor(cmd.target))) {
				return error('not_operator', `${cmd.target} is an operator: operators are set by the hub's --op`);
			}
			victims = online ? [online] : [];
		}
		const until = cmd.durationMs === undefined ? undefined : now + cmd.durationMs;
		const info = (kind: 'nick' | 'key', target: string, reason: string | undefined): BanInfo => ({
			target,
			kind,
			...(until === undefined ? {} : {until}),
			by: op.nick,
			...(reason ? {reason} : {}),
			since: now,
		});
		try {
			this.store.addBan(isKey ? cmd.target : nickKey(cmd.target), info(isKey ? 'key' : 'nick', cmd.target, cmd.reason));
			// Banning the nick of someone who came with a key bans the key too: they cannot come
			// back under another nick.
			if (!isKey) for (const v of victims) if (v.clientKey !== undefined) this.store.addBan(v.clientKey, info('key', v.clientKey, `as ${v.nick}${cmd.reason ? `: ${cmd.reason}` : ''}`));
		} catch (err) {
			return error('storage_failed', `the ban could not be stored (${describeStorageError(err)}): try again`, {retryAfterMs: STORAGE_RETRY_MS});
		}
		for (const v of victims) this.remove(v, 'ban', op.nick, cmd.reason, now, until);
		if (isKey || victims.some(v => v.clientKey !== undefined)) this.revoked = true;
		this.log(`${op.nick} banned ${isKey ? 'key ' : ''}${cmd.target}${until === undefined ? '' : ` for ${formatSeconds(until - now)}`}${cmd.reason ? ` (${oneLineReason(cmd.reason)})` : ''}`);
		send({type: 'ok', ...re(cmd.id), command: 'ban', target: cmd.target});
	}

	private unban(cmd: UnbanCommand, send: Send, error: ErrorFn): void {
		const isKey = isZ85Key(cmd.target);
		let removed: boolean;
		try {
			removed = this.store.removeBan(isKey ? 'key' : 'nick', isKey ? cmd.target : nickKey(cmd.target));
		} catch (err) {
			return error('storage_failed', `the ban could not be lifted (${describeStorageError(err)}): try again`, {retryAfterMs: STORAGE_RETRY_MS});
		}
		if (!removed) return error('not_banned', `${cmd.target} is not banned (/bans lists the bans)`);
		this.log(`${cmd.target} unbanned`);
		send({type: 'ok', ...re(cmd.id), command: 'unban', target: cmd.target});
	}

	private mute(op: Session, cmd: MuteCommand, now: number, send: Send, error: ErrorFn): void {
		const target = this.targetOf(op, cmd.nick, 'mute', error);
		if (!target) return;
		const until = cmd.durationMs === undefined ? undefined : now + cmd.durationMs;
		const mute: Mute = {...(until === undefined ? {} : {until}), by: op.nick, ...(cmd.reason ? {reason: cmd.reason} : {})};
		this.mutes.set(`nick:${nickKey(target.nick)}`, mute);
		if (target.clientKey !== undefined) this.mutes.set(`key:${target.clientKey}`, mute);
		const notice: NoticeReply = {
			type: 'notice',
			code: 'muted',
			message: `you were muted by ${op.nick}${until === undefined ? ' until an operator unmutes you' : ` for ${formatSeconds(until - now)}`}${cmd.reason ? `: ${cmd.reason}` : ''}`,
			...(until === undefined ? {} : {until}),
		};
		this.reply(target.peer, target.peerKey, 'dealer', notice);
		this.log(`${op.nick} muted ${target.nick}${until === undefined ? '' : ` for ${formatSeconds(until - now)}`}`);
		send({type: 'ok', ...re(cmd.id), command: 'mute', nick: target.nick});
	}

	private unmute(cmd: UnmuteCommand, now: number, send: Send, error: ErrorFn): void {
		const target = this.byNick.get(nickKey(cmd.nick));
		const ids = [`nick:${nickKey(cmd.nick)}`, ...(target?.clientKey === undefined ? [] : [`key:${target.clientKey}`])];
		const wasMuted = target ? this.muteOf(target, now) !== undefined : this.mutes.has(ids[0]!);
		for (const id of ids) this.mutes.delete(id);
		if (!wasMuted) return error('bad_field', `${cmd.nick} is not muted`);
		if (target) this.reply(target.peer, target.peerKey, 'dealer', {type: 'notice', code: 'unmuted', message: 'you can speak again'});
		send({type: 'ok', ...re(cmd.id), command: 'unmute', nick: target?.nick ?? cmd.nick});
	}

	private lock(op: Session, cmd: LockCommand, now: number, send: Send): void {
		if (this.store.topicLocked(cmd.room) !== cmd.locked) {
			this.append({event: {type: 'topic', room: cmd.room, ts: now, from: op.nick, text: this.store.topic(cmd.room), lock: cmd.locked}});
		}
		send({type: 'ok', ...re(cmd.id), command: 'lock', room: cmd.room});
	}

	/**
	 * The authorized list changed (SIGHUP): sessions whose key may no longer connect, or whose
	 * nick is now reserved for another key, end now. Returns how many ended.
	 */
	revalidate(now: number): number {
		let ended = 0;
		for (const s of [...this.sessions.values()]) {
			const owner = this.access.reservedFor(s.nick);
			const keyRefused = s.clientKey !== undefined && this.access.refuses(s.clientKey, now) !== undefined;
			if (!keyRefused && (owner === undefined || owner === s.clientKey)) continue;
			const why = keyRefused ? 'your key is no longer on this hub\'s list' : `the nick ${s.nick} is now reserved for another key`;
			this.reply(s.peer, s.peerKey, 'dealer', {type: 'notice', code: 'revoked', message: `${why}: ask the hub's operator`});
			this.endSession(s, keyRefused ? 'key revoked' : 'nick reserved', now);
			ended++;
		}
		return ended;
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
			.map(s => ({nick: s.nick, idleMs: now - s.lastActive, ...(s.away === undefined ? {} : {away: s.away}), ...(this.isOp(s) ? {op: true} : {})}))
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
	 * Store what was appended since the last flush (one transaction) and return everything
	 * there is to send. Acks and feed events follow only once the batch is stored (storage
	 * that settles later can hand them over through `take`). When storage fails nothing is
	 * acked or published; each sender is told, and keeps its message to send again.
	 */
	flush(): Outbox {
		const batch = this.pending;
		this.pending = [];
		if (batch.length > 0) {
			this.store.commit(
				batch.map(p => p.item),
				result => (result instanceof Error ? this.storageFailed(batch, result) : this.stored(batch, result)),
			);
		}
		return this.take();
	}

	/** Everything to send that has come up since the last flush or take. */
	take(): Outbox {
		const out: Outbox = {replies: this.replies, publish: this.publish, revoked: this.revoked};
		this.replies = [];
		this.replyIndex = new Map();
		this.publish = [];
		this.revoked = false;
		return out;
	}

	private stored(batch: readonly Pending[], results: readonly AppendResult[]): void {
		if (this.storageFailing) {
			this.storageFailing = false;
			this.log('storage works again');
		}
		const publish = this.publish;
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
	}

	private storageFailed(batch: readonly Pending[], err: unknown): void {
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
		for (const [peerKey, flood] of this.floods) {
			if (now - flood.since < 1000) continue;
			if (flood.dropped > 0) this.log(`dropped ${flood.dropped} frames unread from a connection sending faster than its limit`);
			this.floods.delete(peerKey);
		}
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

/** A person's reason, for one line of a log or message. */
function oneLineReason(reason: string): string {
	return sanitize(reason.replace(/\r?\n/g, ' '));
}

function banMessage(ban: BanInfo, now: number): string {
	const what = ban.kind === 'key' ? 'your key is' : `the nick "${ban.target}" is`;
	const span = ban.until === undefined ? 'for good' : `for ${formatSeconds(ban.until - now)} more`;
	return `${what} banned from this hub ${span} (by ${ban.by}${ban.reason ? `: ${oneLineReason(ban.reason)}` : ''})`;
}

/** A ban as the protocol shows it (the store keeps a lookup field beside it). */
function cleanBan(ban: BanInfo): BanInfo {
	return {
		target: ban.target,
		kind: ban.kind,
		...(ban.until === undefined ? {} : {until: ban.until}),
		by: ban.by,
		...(ban.reason === undefined ? {} : {reason: ban.reason}),
		since: ban.since,
	};
}

function describeStorageError(err: unknown): string {
	const code = (err as {code?: unknown})?.code;
	if (code === 'SQLITE_FULL') return 'the disk is full';
	if (code === 'SQLITE_READONLY' || code === 'SQLITE_READONLY_DBMOVED') return 'the data directory is read-only';
	if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) return 'a disk I/O error';
	return err instanceof Error ? err.message : String(err);
}
