/**
 * The hub's command port: the front door (front-door/) wired to the hub core. Commands reach
 * the core a batch at a time; what a connection owes in replies is bounded; keys are admitted
 * by the access list; a key that loses its access has its connections closed at once.
 * (Past 300 lines: the reply budget's bookkeeping is a third of it, and reads best beside
 * the hand-off it bounds.)
 */
import type {ConnectionStats, PortStats, StatsReply} from '../protocol/types.js';
import type {Access} from './access.js';
import type {Allowance, HubCore} from './core.js';
import {FrontDoor} from './front-door/front-door.js';
import type {FrontDoorLimits} from './front-door/limits.js';
import type {Batch, Envelope, Inbound, Peer} from './front-door/types.js';
import {isEnvelope} from '../protocol/relay.js';
import {RelayClients, relayStats} from './relay-clients.js';

/**
 * Commands with a possibly large reply (history, who, whois, rooms, stats, hello) answered
 * on one connection while the kernel has not taken all its replies: at this many, its
 * further commands wait, unread, until it has read them. A client that reads is held up a
 * turn of the event loop at most; one that does not read costs at most this many replies
 * (a 500-event history page of 4 KB lines is ~2 MB) before the door's byte limits close it
 * as a slow consumer.
 */
export const LARGE_REPLIES_IN_FLIGHT = 4;

/**
 * Of those, answered to one connection in one turn of the event loop: a page of history
 * of 4 KB lines takes 10–60 ms to read and encode here, and everyone else's commands wait
 * for the turn to end. The rest of its commands (of the same message too) go on next turn.
 */
export const LARGE_REPLIES_PER_TURN = 1;

/**
 * The same two for a trusted relay's connection, which carries many clients: the hub's turn
 * budget (TURN_REPLY_BYTES) and the connection's byte limits bound what it costs.
 */
export const RELAY_LARGE_REPLIES_IN_FLIGHT = 128;
export const RELAY_LARGE_REPLIES_PER_TURN = 32;

/** Reply bytes one turn gathers before everyone's further commands wait for the next turn. */
export const TURN_REPLY_BYTES = 1024 * 1024;

/** Connections listed in a `stats` reply's `busiest`. */
const BUSIEST = 10;

/** Bytes of a routing id the core knows a connection by (the door's number for it). */
const ROUTING_BYTES = 6;

export interface CommandPortOptions {
	readonly host: string;
	/** 0 picks a free port. */
	readonly port: number;
	/** CURVE with this key pair; without it the port speaks NULL. */
	readonly curve?: {readonly publicKey: string; readonly secretKey: string} | undefined;
	readonly access: Access;
	readonly core: HubCore;
	/** Store what the core has, and send its replies and feed events (the server's; it may call `reply`). */
	readonly flush: () => void;
	readonly limits?: Partial<FrontDoorLimits>;
	readonly log: (line: string) => void;
}

/** What the port keeps about a connection whose handshake completed. */
interface Tracked {
	/** The core's routing id for it. */
	readonly routing: Buffer;
	/** Commands with a large reply answered since the kernel last took all its replies. */
	inFlight: number;
	/** Commands with a large reply it may have in flight, and may be answered in one turn. */
	readonly maxInFlight: number;
	readonly perTurn: number;
	/** Its allowance in turn number `turn`. */
	readonly allowance: Allowance;
	turn: number;
	/** Messages (or the rest of one) read but held back, in order. */
	waiting: Inbound[] | undefined;
}

/** Why a connection's next message waits: until its replies are read, or until the next turn. */
type Wait = 'drain' | 'turn';

export class CommandPort {
	private readonly tracked = new Map<number, Tracked>();
	/** Connections with messages waiting that may go on: handled at the next resume. */
	private readonly ready = new Set<number>();
	private resumeScheduled = false;
	/** Turns of the event loop that handed commands to the core: batches and resumes. */
	private turn = 0;
	private waitingCount = 0;
	private lastRefusalLog = 0;
	private unloggedRefusals = 0;
	private door!: FrontDoor;
	/** Clients that trusted relays name in their envelopes. */
	private readonly relayed: RelayClients;

	private constructor(private readonly options: CommandPortOptions) {
		this.relayed = new RelayClients({door: () => this.door, refuses: key => options.access.refuses(key, Date.now()) !== undefined, who: 'the hub', log: options.log});
	}

	/** Listen; rejects with the listen error (EADDRINUSE, EACCES …) for the caller to explain. */
	static async listen(options: CommandPortOptions): Promise<CommandPort> {
		const port = new CommandPort(options);
		port.door = await FrontDoor.listen({
			host: options.host,
			port: options.port,
			...(options.curve ? {curve: options.curve} : {}),
			admit: (key, address) => port.admit(key, address),
			isRelay: key => options.access.relayKeys.has(key),
			onBatch: batch => port.onBatch(batch),
			onOpen: () => options.core.connections.router++,
			onDrained: peer => port.onDrained(peer),
			...(options.limits ? {limits: options.limits} : {}),
			log: options.log,
		});
		return port;
	}

	get port(): number {
		return this.door.port;
	}

	get limits(): FrontDoorLimits {
		return this.door.limits;
	}

	/** What the hub knows of a connection, by the core's routing id: its key and source address; undefined once it is closed. */
	infoOf(routing: Buffer): {readonly key?: string; readonly address: string} | undefined {
		if (routing.length !== ROUTING_BYTES) return undefined;
		const id = routing.readUIntBE(0, ROUTING_BYTES);
		const client = this.relayed.get(id);
		if (client) return client.key === undefined ? {address: client.address} : {key: client.key, address: client.address};
		const peer = this.door.peer(id);
		if (!peer) return undefined;
		return peer.key === undefined ? {address: peer.address} : {key: peer.key, address: peer.address};
	}

	/** Queue a reply for the connection the core calls `routing`; dropped when it has closed. */
	reply(routing: Buffer, envelope: Envelope, frames: readonly string[]): void {
		if (routing.length !== ROUTING_BYTES) return;
		const id = routing.readUIntBE(0, ROUTING_BYTES);
		const client = this.relayed.get(id);
		if (client) this.door.send(client.relay, 'dealer', [this.relayed.envelope(client, envelope), ...frames]);
		else this.door.send(id, envelope, frames);
	}

	/**
	 * Keys lost their access (SIGHUP, a ban): close every connection with a key the access
	 * list now refuses. What was queued for them (the notice saying why) is written first;
	 * nothing they send from now on is read. Returns how many were closed.
	 */
	closeRevoked(): number {
		const now = Date.now();
		const access = this.options.access;
		const closed = this.door.closeWhere(p => p.key !== undefined && access.refuses(p.key, now) !== undefined, 'revoked', 'its key lost its access');
		let relayed = 0;
		for (const client of [...this.relayed.all()]) {
			if (client.key === undefined || access.refuses(client.key, now) === undefined) continue;
			this.relayed.close(client);
			relayed++;
		}
		if (closed > 0) this.options.log(`closed ${closed} command connection${closed === 1 ? '' : 's'} of keys that lost their access`);
		if (relayed > 0) this.options.log(`told relays to close ${relayed} client${relayed === 1 ? '' : 's'} of keys that lost their access`);
		return closed + relayed;
	}

	/**
	 * The port's figures for `stats`; with the busiest connections when the asker is on the
	 * hub's own machine or holds an operator's key.
	 */
	stats(routing: Buffer): Partial<StatsReply> {
		const s = this.door.stats();
		const port: PortStats = {
			handshaking: s.handshaking,
			accepted: s.accepted,
			refusedFull: s.refusedOverLimit,
			refusedPerAddress: s.refusedPerAddress,
			closed: s.closed,
			unsentBytes: s.unsentBytes,
			held: s.held,
			waiting: this.waitingCount,
			messagesIn: s.messagesIn,
			batches: s.batches,
		};
		const asker = routing.length === ROUTING_BYTES ? this.door.peer(routing.readUIntBE(0, ROUTING_BYTES)) : undefined;
		const trusted = asker !== undefined && (isLoopback(asker.address) || (asker.key !== undefined && this.options.access.isOp('', asker.key)));
		const relays = [...this.door.peers()].filter(p => p.relay).map(p => relayStats(p.id, p.address, p.key, this.relayed.countOf(p.id), Date.now() - p.since));
		return {port, ...(trusted ? {busiest: this.connectionStats(BUSIEST)} : {}), ...(relays.length > 0 ? {relays} : {})};
	}

	/** Stop listening, write what is queued, close every connection. */
	stop(): Promise<void> {
		return this.door.stop();
	}

	/** The connections whose handshake completed, busiest first (most reply bytes unread, then most messages sent). */
	connectionStats(limit = Infinity): ConnectionStats[] {
		const now = Date.now();
		const peers = [...this.door.peers()].sort((a, b) => b.unsentBytes - a.unsentBytes || b.counters.messagesIn - a.counters.messagesIn).slice(0, limit);
		return peers.map(p => {
			const nick = this.options.core.nickOn(this.track(p).routing);
			return {
				id: p.id,
				address: p.address,
				socketType: p.socketType,
				...(p.key === undefined ? {} : {key: p.key}),
				...(nick === undefined ? {} : {nick}),
				ageMs: now - p.since,
				unsentBytes: p.unsentBytes,
				bytesIn: p.counters.bytesIn,
				bytesOut: p.counters.bytesOut,
				messagesIn: p.counters.messagesIn,
				messagesOut: p.counters.messagesOut,
				stalls: p.counters.stalls,
				held: p.held,
			};
		});
	}

	private admit(key: string, address: string): string | undefined {
		const refused = this.options.access.refuses(key, Date.now());
		if (!refused) return undefined;
		const why = refused.why === 'banned' ? 'banned' : 'not on the list';
		// At most a line a second: a flood of bad keys cannot flood the log.
		const now = Date.now();
		if (now - this.lastRefusalLog < 1000) {
			this.unloggedRefusals++;
		} else {
			const more = this.unloggedRefusals > 0 ? ` (and ${this.unloggedRefusals} more refusals)` : '';
			this.options.log(`refused a connection from ${address} with ${refused.why === 'banned' ? 'banned' : 'unknown'} key ${key}${more}`);
			this.lastRefusalLog = now;
			this.unloggedRefusals = 0;
		}
		return why;
	}

	private track(peer: Peer): Tracked {
		let t = this.tracked.get(peer.id);
		if (!t) {
			// Not allocUnsafe: a 6-byte slice of the shared 8 KiB pool keeps its whole slab alive
			// (1000 connections held 27 slabs, 216 KiB); a buffer this small lives in the JS heap.
			const routing = Buffer.alloc(ROUTING_BYTES);
			routing.writeUIntBE(peer.id, 0, ROUTING_BYTES);
			const [maxInFlight, perTurn] = peer.relay ? [RELAY_LARGE_REPLIES_IN_FLIGHT, RELAY_LARGE_REPLIES_PER_TURN] : [LARGE_REPLIES_IN_FLIGHT, LARGE_REPLIES_PER_TURN];
			this.tracked.set(peer.id, (t = {routing, inFlight: 0, maxInFlight, perTurn, allowance: {large: 0}, turn: -1, waiting: undefined}));
		}
		return t;
	}

	private onBatch(batch: Batch): void {
		this.turn++;
		for (const m of batch.messages) {
			const peer = m.peer;
			// Closed since it was read (its key revoked earlier in this batch): not served.
			if (!peer.open) continue;
			const t = this.track(peer);
			if (t.waiting) {
				t.waiting.push(m);
				this.waitingCount++;
			} else {
				this.serve(t, peer, m, batch.now);
			}
		}
		this.options.flush();
		const counts = this.options.core.connections;
		for (const c of batch.closed) {
			this.forget(c.peer);
			if (c.peer.relay) this.relayed.dropRelay(c.peer.id);
			counts.router = Math.max(0, counts.router - 1);
		}
	}

	/** Hand a message to the core, or as much of it as this turn allows; false when (the rest of) it waits. */
	private serve(t: Tracked, peer: Peer, m: Inbound, now: number): boolean {
		const wait = this.mustWait(peer, t);
		if (wait) {
			this.wait(t, peer, m, wait);
			return false;
		}
		if (t.turn !== this.turn) {
			t.turn = this.turn;
			t.allowance.large = Math.min(t.perTurn, t.maxInFlight - t.inFlight);
		}
		let routing = t.routing;
		let frames = m.frames;
		let envelope = m.envelope;
		if (envelope === 'dealer' && isEnvelope(frames[0])) {
			const client = this.relayed.admit(peer, frames[0]!);
			if (!client) return true;
			routing = client.routing;
			frames = frames.slice(1);
			envelope = client.req ? 'req' : 'dealer';
		}
		const before = t.allowance.large;
		const handled = this.options.core.receive(routing, frames, now, envelope, t.allowance);
		t.inFlight += before - t.allowance.large;
		// A ban: its notices go out now, and the banned key's connections close before
		// anything more of theirs is handled.
		if (this.options.core.revoking) this.options.flush();
		if (handled >= frames.length) return true;
		const rest = frames === m.frames ? m.frames.slice(handled) : [m.frames[0]!, ...frames.slice(handled)];
		this.wait(t, peer, {peer, envelope: m.envelope, frames: rest}, t.inFlight >= t.maxInFlight ? 'drain' : 'turn');
		return false;
	}


	/** Whether a connection's next command must wait, and for what. */
	private mustWait(peer: Peer, t: Tracked): Wait | undefined {
		if (t.inFlight >= t.maxInFlight || peer.unsentBytes >= this.door.limits.pauseAboveBytes) return 'drain';
		if (this.options.core.queuedReplyBytes >= TURN_REPLY_BYTES) return 'turn';
		return undefined;
	}

	/** Put a message at the head of a connection's waiting ones and stop reading it until they are handled. */
	private wait(t: Tracked, peer: Peer, m: Inbound, why: Wait): void {
		if (t.waiting) t.waiting.unshift(m);
		else t.waiting = [m];
		this.waitingCount++;
		this.door.holdReading(peer, true);
		if (why === 'turn') this.resumeNextTurn(peer.id);
	}

	private resumeNextTurn(id: number): void {
		this.ready.add(id);
		if (this.resumeScheduled) return;
		this.resumeScheduled = true;
		setImmediate(() => this.resume());
	}

	private onDrained(peer: Peer): void {
		const t = this.tracked.get(peer.id);
		if (!t) return;
		t.inFlight = 0;
		if (t.waiting) this.resumeNextTurn(peer.id);
	}

	/** A turn of its own for the connections that may go on: what waited, until they must wait again. */
	private resume(): void {
		this.resumeScheduled = false;
		this.turn++;
		const now = Date.now();
		const ready = [...this.ready];
		this.ready.clear();
		for (const id of ready) {
			const t = this.tracked.get(id);
			const peer = this.door.peer(id);
			if (!t?.waiting || !peer) continue;
			let going = true;
			while (going && t.waiting.length > 0) {
				this.waitingCount--;
				going = this.serve(t, peer, t.waiting.shift()!, now);
			}
			if (going) {
				t.waiting = undefined;
				this.door.holdReading(peer, false);
			}
		}
		this.options.flush();
		// Written now, so that what is in flight is on its way when the next drain is reported.
		this.door.flush();
	}

	private forget(peer: Peer): void {
		const t = this.tracked.get(peer.id);
		if (!t) return;
		this.waitingCount -= t.waiting?.length ?? 0;
		this.tracked.delete(peer.id);
		this.ready.delete(peer.id);
	}
}

/** Whether an address is this machine's own (127.0.0.0/8 or ::1). */
function isLoopback(address: string): boolean {
	return address.startsWith('127.') || address === '::1';
}
