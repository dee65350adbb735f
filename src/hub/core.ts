/**
 * The hub's state machine: dispatch of each command to its handler, flush, tick and shutdown.
 * Past 300 lines because the two dispatch switches, a case a command, are a sixth of it, and
 * receive's budget hand-off and the transport's figures sit with the dispatch they feed.
 */
import {decodeCommandFrames, isRejection, rejectionReply, type Envelope} from '../protocol/codec.js';
import {DEFAULT_ROOM_IDLE_MS, MAX_ROOMS_PER_HUB, MAX_ROOMS_PER_SENDER} from '../protocol/limits.js';
import {assertNever} from '../protocol/exhaustive.js';
import {formatSeconds} from '../protocol/durations.js';
import type {Command, StatsReply} from '../protocol/types.js';
import {Access} from './access.js';
import {NO_INFO, type ConnectionInfo} from './identity.js';
import {away, bye, hello, nick} from './lifecycle.js';
import {msg, say} from './messages.js';
import {ban, bans, kick, lock, mute, revalidate, unban, unmute} from './moderation.js';
import {ackFrame, CommandContext, type Outbox} from './outbox.js';
import {history, ping, rooms, stats, who, whois} from './queries.js';
import type {RateLimit} from './rate-limit.js';
import {join, part, topic} from './rooms.js';
import type {Session} from './sessions.js';
import {HubState, type Pending} from './state.js';
import {STORAGE_RETRY_MS, type AppendResult, type HubStorage} from './storage.js';
import {storageProblem} from './wording.js';

export type {Outbox, PeerOutput} from './outbox.js';

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
	/**
	 * The flood limit, charged per session and per sender (the key on a hub with keys, the
	 * connection and source address on an open hub), with its byte budget; undefined for none.
	 */
	readonly rateLimit?: RateLimit;
	/** Who may connect, reserved nicks, operators. @default an open hub with no operators */
	readonly access?: Access;
	/**
	 * What the transport knows of a connection, by routing id: the public key (Z85) it
	 * authenticated with (a hub with keys), its source address. Undefined for a connection
	 * the transport does not know: its commands are refused (`unauthenticated`). Without this
	 * option the hub knows nothing of its connections (an open hub behind libzmq's ROUTER).
	 */
	readonly connectionInfo?: (peer: Buffer) => ConnectionInfo | undefined;
	/** Most rooms the hub tracks (`too_many_rooms`). @default 10000 */
	readonly maxRooms?: number;
	/** Most rooms one sender (key, address or connection) may have made that the hub still keeps. @default 32 */
	readonly roomsPerSender?: number;
	/** An empty room with no event for this long is forgotten; undefined keeps every room. @default 7 days */
	readonly roomIdleMs?: number | undefined;
	/** The transport's figures for a `stats` reply, given the asker's connection. */
	readonly transportStats?: (peer: Buffer) => Partial<StatsReply>;
}

/** Commands a peer may send without a session, and the only ones a REQ socket may send. */
const QUESTIONS = ['ping', 'who', 'whois', 'rooms', 'stats', 'history'] as const;
const QUESTION_TYPES = new Set<Command['type']>(QUESTIONS);
type Question = Extract<Command, {type: (typeof QUESTIONS)[number]}>;
/** Commands with a session, after hello. */
type Action = Exclude<Command, Question | {type: 'hello'}>;
/** Commands only operators may send. */
const OPERATOR = new Set<Command['type']>(['kick', 'ban', 'unban', 'bans', 'mute', 'unmute', 'lock']);
/** Appends kept for the next flush when storage fails (join, part and nick notices). */
const MAX_REQUEUED = 10_000;

function isQuestion(cmd: Command): cmd is Question {
	return QUESTION_TYPES.has(cmd.type);
}

/**
 * A connection's budget for the commands whose reply can be large, kept by the transport
 * and spent by `receive`.
 */
export interface Allowance {
	large: number;
}

/** Commands whose reply can be large (a page of history, a member list, a welcome with its rooms). */
const LARGE_REPLIES = new Set<Command['type']>(['history', 'who', 'whois', 'rooms', 'stats', 'hello']);

/**
 * The hub's rooms and sessions as a state machine; its handlers (lifecycle, rooms, messages,
 * queries, moderation) and what they share (state.ts) live beside it. It does no I/O of its
 * own: the transport hands it each received message (`receive`), calls `flush` soon after
 * (which stores the batch and returns everything to send), and calls `tick` on a timer. Time
 * comes in as an argument. The store is the one collaborator, and a real SQLite file or
 * `:memory:` both work in tests.
 *
 * State is mutated in place rather than copied: the hub's per-message path must stay cheap
 * (see docs/PERFORMANCE.md). Everything observable goes out through the Outbox.
 */
export class HubCore {
	readonly ttlMs: number;
	readonly access: Access;
	private readonly hub: HubState;
	private readonly connectionInfo: ((peer: Buffer) => ConnectionInfo | undefined) | undefined;
	private readonly transportStats: ((peer: Buffer) => Partial<StatsReply>) | undefined;
	private lastTick: number | undefined;
	private storageFailing = false;
	private closing = false;

	constructor(store: HubStorage, now: number, options: HubCoreOptions = {}) {
		this.ttlMs = options.ttlMs ?? 10_000;
		this.access = options.access ?? new Access(store);
		this.connectionInfo = options.connectionInfo;
		this.transportStats = options.transportStats;
		const settings = {
			ttlMs: this.ttlMs,
			maxSessions: options.maxSessions ?? 10_000,
			maxRooms: options.maxRooms ?? MAX_ROOMS_PER_HUB,
			roomsPerSender: options.roomsPerSender ?? MAX_ROOMS_PER_SENDER,
			roomIdleMs: 'roomIdleMs' in options ? options.roomIdleMs : DEFAULT_ROOM_IDLE_MS,
			version: options.version ?? '0.0.0',
			rateLimit: options.rateLimit,
			started: now,
		};
		this.hub = new HubState(store, this.access, settings, options.log ?? (() => {}));
	}

	get epoch(): string {
		return this.hub.epoch;
	}

	get sessionCount(): number {
		return this.hub.sessions.size;
	}

	/** Counters for stats and the operator. */
	get counters(): HubState['counters'] {
		return this.hub.counters;
	}

	/** Connections open on the ROUTER and the PUB socket, kept by the transport (from socket events) for stats. */
	get connections(): HubState['connections'] {
		return this.hub.connections;
	}

	/** True when there is something for `flush` to do. */
	get hasWork(): boolean {
		return this.hub.pending.length > 0 || this.hub.out.hasWork;
	}

	/**
	 * Handle one message that arrived on the ROUTER from `peer` (with `envelope` when the
	 * transport read it, so that `frames` are the command frames). With `allowance` (the
	 * transport's budget for this connection) each command whose reply can be large (a
	 * question other than ping, or hello) spends one, and handling stops before one that
	 * finds none left. Returns how many command frames were handled: the rest are the
	 * transport's to hand in again later.
	 */
	receive(peer: Buffer, frames: readonly Uint8Array[], now: number, envelope?: Envelope, allowance?: Allowance): number {
		const hub = this.hub;
		const peerKey = peer.toString('latin1');
		if (hub.flood.dropping(peerKey, frames.length, now)) return frames.length;
		const decoded = decodeCommandFrames(frames, envelope);
		const session = hub.sessions.onPeer(peerKey);
		if (session) session.lastHeard = now;
		const info = this.connectionInfo ? this.connectionInfo(peer) : NO_INFO;
		const items = decoded.items;
		for (let i = 0; i < items.length; i++) {
			const item = items[i]!;
			if (isRejection(item)) {
				hub.counters.rejected++;
				hub.out.reply(peer, peerKey, decoded.envelope, rejectionReply(item));
				continue;
			}
			const ctx = new CommandContext(hub.out, peer, peerKey, decoded.envelope, item.id, now, info ?? NO_INFO);
			if (info === undefined) {
				// A connection the transport does not know (on a hub with keys: one the front
				// door did not authenticate).
				hub.counters.unauthorized++;
				ctx.error('unauthenticated', 'this connection is not one the hub authenticated: reconnect');
				continue;
			}
			if (allowance && LARGE_REPLIES.has(item.type)) {
				if (allowance.large <= 0) return i;
				allowance.large--;
			}
			this.command(ctx, item);
		}
		return frames.length;
	}

	/** Bytes of replies gathered since the last flush. */
	get queuedReplyBytes(): number {
		return this.hub.out.bytes;
	}

	/** True when a key lost its access since the last flush (a ban): its connections are to be closed now. */
	get revoking(): boolean {
		return this.hub.out.revoked;
	}

	/** The nick of the session on a connection, if it has one. */
	nickOn(peer: Buffer): string | undefined {
		return this.hub.sessions.onPeer(peer.toString('latin1'))?.nick;
	}

	private command(ctx: CommandContext, cmd: Command): void {
		const hub = this.hub;
		if (this.closing && cmd.type !== 'bye') return ctx.error('shutting_down', 'the hub is shutting down: try again when it is back');
		if (ctx.envelope === 'req' && !isQuestion(cmd)) {
			return ctx.error('bad_type', `a REQ socket can only ask ${QUESTIONS.join(', ')}: use a DEALER socket to chat`);
		}
		if (cmd.type === 'hello') return hello(hub, ctx, cmd);
		const session = hub.sessions.onPeer(ctx.peerKey);
		if (isQuestion(cmd)) return this.question(ctx, cmd, session);
		if (!session) {
			return ctx.error('no_session', 'no session: send hello first (or again, if the hub restarted or your session timed out)');
		}
		if (OPERATOR.has(cmd.type) && !hub.isOp(session)) {
			return ctx.error('not_operator', `only operators can use ${cmd.type}: operators are named by the hub's --op`);
		}
		this.action(ctx, cmd, session);
	}

	private question(ctx: CommandContext, cmd: Question, session: Session | undefined): void {
		const hub = this.hub;
		switch (cmd.type) {
			case 'ping':
				return ping(hub, ctx, cmd, session);
			case 'who':
				return who(hub, ctx, cmd);
			case 'whois':
				return whois(hub, ctx, cmd);
			case 'rooms':
				return rooms(hub, ctx, cmd);
			case 'stats':
				return stats(hub, ctx, cmd, this.transportStats?.(ctx.peer));
			case 'history':
				return history(hub, ctx, cmd);
			default:
				return assertNever(cmd, 'question');
		}
	}

	private action(ctx: CommandContext, cmd: Action, session: Session): void {
		const hub = this.hub;
		switch (cmd.type) {
			case 'say':
				return say(hub, ctx, session, cmd);
			case 'msg':
				return msg(hub, ctx, session, cmd);
			case 'join':
				return join(hub, ctx, session, cmd);
			case 'part':
				return part(hub, ctx, session, cmd);
			case 'nick':
				return nick(hub, ctx, session, cmd);
			case 'topic':
				return topic(hub, ctx, session, cmd);
			case 'away':
				return away(hub, ctx, session, cmd);
			case 'bye':
				return bye(hub, ctx, session, cmd);
			case 'kick':
				return kick(hub, ctx, session, cmd);
			case 'ban':
				return ban(hub, ctx, session, cmd);
			case 'unban':
				return unban(hub, ctx, cmd);
			case 'bans':
				return bans(hub, ctx, cmd);
			case 'mute':
				return mute(hub, ctx, session, cmd);
			case 'unmute':
				return unmute(hub, ctx, cmd);
			case 'lock':
				return lock(hub, ctx, session, cmd);
			default:
				return assertNever(cmd, 'command');
		}
	}

	/**
	 * Store what was appended since the last flush, in one transaction, and return everything
	 * there is to send. Both stores commit synchronously, so the acks and feed events of the
	 * batch are in what this returns. When storage fails nothing is acked or published; each
	 * sender is told, and keeps its message to send again.
	 */
	flush(): Outbox {
		const hub = this.hub;
		const batch = hub.pending;
		if (batch.length > 0) {
			hub.pending = [];
			let results: AppendResult[] | undefined;
			try {
				results = hub.store.append(batch.map(p => p.item));
			} catch (err) {
				this.storageFailed(batch, err);
			}
			if (results) this.stored(batch, results);
		}
		return hub.out.drain();
	}

	private stored(batch: readonly Pending[], results: readonly AppendResult[]): void {
		const hub = this.hub;
		if (this.storageFailing) {
			this.storageFailing = false;
			hub.log('storage works again');
		}
		for (let i = 0; i < batch.length; i++) {
			const p = batch[i]!;
			const r = results[i]!;
			if (r.json !== undefined) {
				hub.out.published(r.room, r.json);
				if (p.item.event.type === 'message') hub.counters.messages++;
			} else {
				hub.counters.duplicates++;
			}
			if (p.session && p.id !== undefined) {
				// In place: the id keeps the turn to be forgotten it took when it was said.
				if (p.session.recent.get(p.id) === 'pending') p.session.recent.set(p.id, {room: r.room, seq: r.seq});
				hub.out.reply(p.session.peer, p.session.peerKey, 'dealer', ackFrame(p.id, r.room, r.seq, hub.epoch));
			}
		}
	}

	private storageFailed(batch: readonly Pending[], err: unknown): void {
		const hub = this.hub;
		hub.counters.storageFailures++;
		const why = storageProblem(err);
		if (!this.storageFailing) {
			this.storageFailing = true;
			hub.log(`storage failed: ${why}; not acking until it works again`);
		}
		const requeue: Pending[] = [];
		for (const p of batch) {
			if (p.session && p.id !== undefined) {
				p.session.recent.delete(p.id);
				hub.out.toSession(p.session, {
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
		hub.pending = requeue.concat(hub.pending);
	}

	/**
	 * The authorized list changed (SIGHUP): sessions whose key may no longer connect, or whose
	 * nick is now reserved for another key, end now. Returns how many ended.
	 */
	revalidate(now: number): number {
		return revalidate(this.hub, now);
	}

	/**
	 * Time passes: end sessions not heard from within the TTL. A hub that was itself frozen
	 * (SIGSTOP, a long GC) does not punish its clients for it: when ticks come late, the
	 * clock of every session restarts instead.
	 */
	tick(now: number): void {
		const hub = this.hub;
		const last = this.lastTick ?? now;
		this.lastTick = now;
		hub.flood.sweep(now);
		hub.sweepRooms(now);
		if (now - last > this.ttlMs / 2) {
			for (const s of hub.sessions.values()) s.lastHeard = now;
			return;
		}
		for (const s of [...hub.sessions.values()]) {
			if (now - s.lastHeard > this.ttlMs) {
				hub.out.toSession(s, {type: 'notice', code: 'session_ended', message: `your session timed out: nothing came from you in ${formatSeconds(this.ttlMs)}`});
				hub.endSession(s, 'timed out', now);
			}
		}
	}

	/** The hub is stopping: tell every session and announce everyone's leaving. */
	shutdown(now: number, reason = 'hub shutting down'): void {
		const hub = this.hub;
		for (const s of [...hub.sessions.values()]) {
			hub.out.toSession(s, {type: 'notice', code: 'shutdown', message: `${reason}: your client will reconnect when it is back`});
			hub.endSession(s, reason, now);
		}
		this.closing = true;
	}
}
