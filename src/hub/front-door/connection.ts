/**
 * One peer's connection to the front door: frames checked against its budget as they arrive,
 * whole messages handed to the door, replies written in one piece per flush, reading held and
 * released. (Its greeting, handshake, heartbeats and closing are zmtp-connection.ts's, shared
 * with the feed port; framing is in the reader, CURVE in curve.ts.)
 */
import type {Socket} from 'node:net';
import {MESSAGE_OVERHEAD} from './curve.js';
import {FrameError} from './frame-reader.js';
import type {FrontDoorLimits} from './limits.js';
import {encodePlain, encodeSealed, type Pending} from './replies.js';
import type {CloseReason, Envelope, Peer, PeerCounters} from './types.js';
import * as wire from './wire.js';
import {State, ZmtpConnection, type ZmtpSide} from './zmtp-connection.js';

/** What a connection needs from the door that owns it. */
export interface DoorSide extends ZmtpSide<CloseReason> {
	readonly limits: FrontDoorLimits;
	/** A whole message; false when this connection has given enough for this batch. */
	deliver(conn: Connection, envelope: Envelope, frames: Buffer[]): boolean;
	ended(conn: Connection, reason: CloseReason, detail: string): void;
	opened(conn: Connection): void;
	/** Everything written to it so far has been taken by the kernel. */
	drained(conn: Connection): void;
}

export class Connection extends ZmtpConnection<CloseReason> implements Peer {
	socketType: wire.PeerSocketType = 'DEALER';
	readonly counters: PeerCounters = {bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0, stalls: 0, pingsSent: 0};
	/** Messages handed over in the batch being gathered (the door resets it). */
	batchCount = 0;
	/** A relay the hub trusts (its key is listed): one more frame a message, for the envelope. */
	relay = false;
	declare protected readonly side: DoorSide;
	protected readonly noun = 'connection';
	protected readonly readyProperties = wire.ROUTER_PROPERTIES;
	/** Why reading is paused: waiting for the socket to drain, for the next batch, for the core. */
	private holds = {drain: false, batch: false, core: false};
	private frames: Buffer[] = [];
	private leftover: Buffer | undefined;
	private pending: Pending[] = [];
	/** Since when its reading has been held (for drain or by the core) with replies unsent; 0 when not. */
	private stalledSince = 0;
	private unsentAtTick = 0;
	/** Called when a write of replies has been taken by the kernel (made once, not per write). */
	private readonly written = () => {
		if (this.socket.writableLength === 0 && this.state === State.Ready) this.side.drained(this);
	};

	constructor(id: number, address: string, readonly port: number, socket: Socket, door: DoorSide, now: number) {
		super(id, address, socket, door, now);
		socket.on('drain', () => this.release('drain'));
		this.begin();
	}

	get unsentBytes(): number {
		return this.socket.writableLength;
	}

	get held(): boolean {
		return this.holds.drain || this.holds.core;
	}

	/** Queue a reply; written at the next flush. */
	send(envelope: Envelope, frames: readonly (string | Uint8Array)[]): void {
		if (this.state !== State.Ready) return;
		this.pending.push({envelope, frames});
	}

	/** Write every queued reply in one socket write; a peer that leaves too much unread is cut off. */
	flush(): void {
		if (this.pending.length === 0 || this.state !== State.Ready) return;
		const replies = this.pending;
		this.pending = [];
		// A relay's replies each start with the envelope naming one client: joined into one
		// message, the relay would hand the next client's replies (envelope and all) to the first.
		const perMessage = this.relay ? 1 : this.side.limits.replyFramesPerMessage;
		const out = this.codec ? encodeSealed(replies, this.codec, perMessage) : encodePlain(replies, perMessage);
		this.counters.messagesOut += replies.length;
		if (!this.write(out, this.written)) this.hold('drain');
		if (this.socket.writableLength > this.side.limits.maxUnsentBytes) {
			this.end('slow-consumer', `${this.socket.writableLength} bytes of replies unread`);
		}
	}

	/** The core's hold on reading (unanswered questions): pause or go on. */
	holdByCore(on: boolean): void {
		if (on) this.hold('core');
		else this.release('core');
	}

	/** The batch this connection filled has been handed over: read on. */
	nextBatch(): void {
		this.batchCount = 0;
		if (this.holds.batch) this.release('batch');
	}

	/** Timers, from the door's sweep: handshake deadline, heartbeats. */
	tick(now: number): void {
		if (!this.handshakeDone(now)) return;
		const limits = this.side.limits;
		// Held, we read nothing, so silence proves nothing: a peer that leaves its replies unread
		// that long is a slow consumer; one the core holds with nothing unsent is the core's to release.
		// Taking its replies slowly is no fault: the clock restarts whenever the kernel took some.
		if (this.holds.drain || this.holds.core) {
			const unsent = this.socket.writableLength;
			if (unsent === 0) this.stalledSince = 0;
			else if (this.stalledSince === 0 || unsent < this.unsentAtTick) this.stalledSince = now;
			else if (now - this.stalledSince > limits.heartbeatTimeoutMs) this.end('slow-consumer', `replies unread for ${now - this.stalledSince} ms`);
			this.unsentAtTick = unsent;
			return;
		}
		if (this.holds.batch) return;
		this.heartbeat(now, true);
	}

	/** Closing: what was queued is written first when the close is graceful. */
	protected override letGo(graceful: boolean): void {
		if (graceful && this.state === State.Ready) this.flush();
		this.pending = [];
		this.leftover = undefined;
		this.frames = [];
	}

	private hold(why: 'drain' | 'batch' | 'core'): void {
		if (this.holds[why]) return;
		// A write over the high-water mark that the kernel took at once is no stall.
		if (why === 'drain' && this.socket.writableLength > 0) this.counters.stalls++;
		if (why !== 'batch' && this.stalledSince === 0 && this.socket.writableLength > 0) this.stalledSince = Date.now();
		this.holds[why] = true;
		this.socket.pause();
	}

	private release(why: 'drain' | 'batch' | 'core'): void {
		if (!this.holds[why]) return;
		this.holds[why] = false;
		if (!this.holds.drain && !this.holds.core) this.stalledSince = 0;
		if (this.holds.drain || this.holds.batch || this.holds.core || this.state >= State.Closing) return;
		this.lastHeard = Date.now();
		const rest = this.leftover;
		this.leftover = undefined;
		if (rest) this.consume(rest, 0);
		if (!this.holds.drain && !this.holds.batch && !this.holds.core && this.state < State.Closing) this.socket.resume();
	}

	protected override onData(chunk: Buffer): void {
		if (this.state >= State.Closing) return;
		this.lastHeard = Date.now();
		this.counters.bytesIn += chunk.length;
		if (this.leftover) {
			// Paused mid-chunk and more came in before the pause took effect: keep it in order.
			this.leftover = Buffer.concat([this.leftover, chunk]);
			return;
		}
		this.consume(chunk, 0);
	}

	private consume(chunk: Buffer, from: number): void {
		const at = this.read(chunk, from);
		if (at < chunk.length && this.state < State.Closing) {
			this.leftover = chunk.subarray(at);
			this.hold('batch');
		}
	}

	/** FrameSink: the budget for the next frame. */
	limit(flags: number): number {
		const limits = this.side.limits;
		if (this.state !== State.Ready) return (flags & wire.COMMAND) !== 0 ? limits.maxCommandBytes : -1;
		const maxFrames = this.relay ? limits.maxFrames + 1 : limits.maxFrames;
		if (this.frames.length >= maxFrames) throw new FrameError(`more than ${maxFrames} frames in one message`, 'too-many-frames');
		// CURVE: every frame is a MESSAGE box (libzmq 4.3.5 sends them as message frames, RFC 26
		// as commands; both are taken), its own "more" flag inside the box.
		if (this.codec) return (flags & wire.MORE) === 0 ? limits.maxFrameBytes + MESSAGE_OVERHEAD : -1;
		return (flags & wire.COMMAND) !== 0 ? limits.maxCommandBytes : limits.maxFrameBytes;
	}

	/** One message frame; a whole message goes to the door, its REQ delimiter taken off. */
	protected message(body: Buffer, more: boolean): boolean {
		this.frames.push(body);
		if (more) return true;
		const frames = this.frames;
		this.frames = [];
		this.counters.messagesIn++;
		if (frames[0]!.length === 0) return this.side.deliver(this, 'req', frames.slice(1));
		if (this.socketType === 'REQ') {
			this.end('protocol', 'a REQ message without its empty delimiter frame');
			return false;
		}
		return this.side.deliver(this, 'dealer', frames);
	}

	/**
	 * The peer's metadata: its Socket-Type must be one a ROUTER serves. Its Identity is read and
	 * dropped: peers are known by ids the door gives out, so no peer can claim another's routing
	 * id, and libzmq's routing-id abort (docs/SECURITY.md) has no ROUTER here to happen in.
	 */
	protected socketTypeProblem(props: Map<string, Buffer>): string | undefined {
		const type = wire.peerSocketType(props);
		if (typeof type !== 'string') return type.problem;
		this.socketType = type;
		return undefined;
	}
}
