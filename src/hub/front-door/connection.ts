/**
 * One peer's connection to the front door: greeting, NULL or CURVE handshake, frames checked
 * against its budget as they arrive, whole messages handed to the door, replies written in one
 * piece per flush, heartbeats.
 */
import type {Socket} from 'node:net';
import {z85Encode} from '../../protocol/z85.js';
import {CurveHandshake, MESSAGE_OVERHEAD, type CurveCodec, type CurveKeys} from './curve.js';
import {FrameError, FrameReader, type FrameSink} from './frame-reader.js';
import type {FrontDoorLimits} from './limits.js';
import {encodePlain, encodeSealed, type Pending} from './replies.js';
import type {CloseReason, Envelope, Peer, PeerCounters} from './types.js';
import * as wire from './wire.js';

/** What a connection needs from the door that owns it. */
export interface DoorSide {
	readonly limits: FrontDoorLimits;
	readonly curve: CurveKeys | undefined;
	/** CURVE: undefined admits the key (Z85), a string is why not. */
	readonly admit: ((key: string, address: string) => string | undefined) | undefined;
	/** A whole message; false when this connection has given enough for this batch. */
	deliver(conn: Connection, envelope: Envelope, frames: Buffer[]): boolean;
	ended(conn: Connection, reason: CloseReason, detail: string): void;
	log(line: string): void;
}

const enum State {
	Greeting,
	Handshake,
	Ready,
	Closing,
	Closed,
}


export class Connection implements Peer, FrameSink {
	socketType: wire.PeerSocketType = 'DEALER';
	key: string | undefined;
	zmtpMinor = 1;
	readonly counters: PeerCounters = {bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0, stalls: 0, pingsSent: 0};
	/** Whether its handshake completed (the core has heard of it). */
	wasReady = false;
	/** Messages handed over in the batch being gathered (the door resets it). */
	batchCount = 0;
	/** Why reading is paused: waiting for the socket to drain, for the next batch, for the core. */
	private held = {drain: false, batch: false, core: false};
	private state = State.Greeting;
	private readonly greetingIn = Buffer.alloc(wire.GREETING_BYTES);
	private greetingHave = 0;
	private readonly reader = new FrameReader(this);
	private curve: CurveHandshake | undefined;
	private codec: CurveCodec | undefined;
	private frames: Buffer[] = [];
	private leftover: Buffer | undefined;
	private pending: Pending[] = [];
	private readonly started: number;
	private lastHeard: number;
	private lastPing = 0;
	private peerTtlMs = 0;
	private drainSince = 0;

	constructor(
		readonly id: number,
		readonly address: string,
		readonly port: number,
		private readonly socket: Socket,
		private readonly door: DoorSide,
		now: number,
	) {
		this.started = this.lastHeard = now;
		if (door.curve) this.curve = new CurveHandshake(door.curve);
		socket.on('data', chunk => this.onData(chunk as Buffer));
		socket.on('error', err => {
			const code = (err as NodeJS.ErrnoException).code ?? err.message;
			// A reset is a peer going away abruptly (killed, or closing with our bytes unread).
			this.end(code === 'ECONNRESET' || code === 'EPIPE' ? 'peer-closed' : 'socket-error', code);
		});
		socket.on('close', () => this.end('peer-closed', 'the connection closed'));
		socket.on('drain', () => this.release('drain'));
		// Both greetings cross at once: ours whole, right away (no peer we serve needs ZMTP 2 detection).
		this.write(wire.greeting(door.curve ? 'CURVE' : 'NULL'));
	}

	get open(): boolean {
		return this.state <= State.Ready;
	}

	get unsentBytes(): number {
		return this.socket.writableLength;
	}

	get isReady(): boolean {
		return this.state === State.Ready;
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
		const out = this.codec ? encodeSealed(replies, this.codec) : encodePlain(replies);
		this.counters.messagesOut += replies.length;
		if (!this.write(out)) this.hold('drain');
		if (this.socket.writableLength > this.door.limits.maxUnsentBytes) {
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
		if (this.held.batch) this.release('batch');
	}

	/** Timers, from the door's sweep: handshake deadline, heartbeats. */
	tick(now: number): void {
		const limits = this.door.limits;
		if (this.state < State.Ready) {
			if (now - this.started > limits.handshakeMs) this.end('handshake-timeout', `no handshake within ${limits.handshakeMs} ms`);
			return;
		}
		if (this.state !== State.Ready) return;
		// Held, we read nothing, so silence proves nothing: a peer that leaves its replies unread
		// that long is a slow consumer; one the core holds is the core's to release.
		if (this.held.drain) {
			if (now - this.drainSince > limits.heartbeatTimeoutMs) this.end('slow-consumer', `replies unread for ${now - this.drainSince} ms`);
			return;
		}
		if (this.held.core || this.held.batch) return;
		const quiet = now - this.lastHeard;
		// ZMTP 3.0 has no PING: such a peer is left to TCP keepalive.
		const timeout = this.zmtpMinor === 0 ? Infinity : Math.min(limits.heartbeatTimeoutMs, this.peerTtlMs || Infinity);
		if (quiet > timeout) return this.end('heartbeat-timeout', `nothing heard for ${quiet} ms`);
		if (this.zmtpMinor > 0 && quiet >= limits.heartbeatIntervalMs && now - this.lastPing >= limits.heartbeatIntervalMs) {
			this.lastPing = now;
			this.counters.pingsSent++;
			this.command(wire.pingBody(limits.heartbeatTtlMs));
		}
	}

	/**
	 * Close. Gracefully for the hub's own reasons (what was queued is written first, within
	 * closeGraceMs); at once for everything the peer did wrong.
	 */
	end(reason: CloseReason, detail: string, graceful = false): void {
		if (this.state >= State.Closing) {
			if (this.state === State.Closing && !graceful) this.socket.destroy();
			return;
		}
		if (graceful && this.state === State.Ready) this.flush();
		this.state = graceful ? State.Closing : State.Closed;
		this.pending = [];
		this.leftover = undefined;
		this.frames = [];
		if (graceful) {
			this.socket.end();
			setTimeout(() => this.socket.destroy(), this.door.limits.closeGraceMs).unref();
		} else {
			this.socket.destroy();
		}
		this.door.ended(this, reason, detail);
	}

	private write(data: Buffer): boolean {
		this.counters.bytesOut += data.length;
		return this.socket.write(data);
	}

	private command(body: Buffer): void {
		this.write(this.codec ? this.codec.sealCommand(body) : wire.commandFrame(body));
	}

	private hold(why: 'drain' | 'batch' | 'core'): void {
		if (this.held[why]) return;
		// A write over the high-water mark that the kernel took at once is no stall.
		if (why === 'drain' && this.socket.writableLength > 0) this.counters.stalls++;
		if (why === 'drain') this.drainSince = Date.now();
		this.held[why] = true;
		this.socket.pause();
	}

	private release(why: 'drain' | 'batch' | 'core'): void {
		if (!this.held[why]) return;
		this.held[why] = false;
		if (this.held.drain || this.held.batch || this.held.core || this.state >= State.Closing) return;
		this.lastHeard = Date.now();
		const rest = this.leftover;
		this.leftover = undefined;
		if (rest) this.consume(rest, 0);
		if (!this.held.drain && !this.held.batch && !this.held.core && this.state < State.Closing) this.socket.resume();
	}

	private onData(chunk: Buffer): void {
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
		let at = from;
		if (this.state === State.Greeting) at = this.readGreeting(chunk, at);
		if (this.state === State.Greeting || this.state >= State.Closing) return;
		try {
			at = this.reader.read(chunk, at);
		} catch (err) {
			if (!(err instanceof FrameError)) throw err;
			return this.end(err.kind, err.message);
		}
		if (at < chunk.length && this.state < State.Closing) {
			this.leftover = chunk.subarray(at);
			this.hold('batch');
		}
	}

	private readGreeting(chunk: Buffer, from: number): number {
		let at = from;
		while (at < chunk.length && this.greetingHave < wire.GREETING_BYTES) {
			const problem = wire.greetingByteProblem(this.greetingHave, chunk[at]!);
			if (problem) {
				this.end('protocol', problem);
				return chunk.length;
			}
			this.greetingIn[this.greetingHave++] = chunk[at++]!;
		}
		if (this.greetingHave < wire.GREETING_BYTES) return at;
		const mechanism = this.door.curve ? 'CURVE' : 'NULL';
		if (!wire.mechanismIs(this.greetingIn, mechanism)) {
			// The peer sees our mechanism in our greeting and reports the mismatch itself.
			this.end('protocol', `mechanism is not ${mechanism}`);
			return chunk.length;
		}
		this.zmtpMinor = this.greetingIn[10] === 3 ? this.greetingIn[11]! : 1;
		this.state = State.Handshake;
		return at;
	}

	// FrameSink: the budget for the next frame, then the frame.

	limit(flags: number): number {
		const limits = this.door.limits;
		if (this.state !== State.Ready) return (flags & wire.COMMAND) !== 0 ? limits.maxCommandBytes : -1;
		if (this.frames.length >= limits.maxFrames) throw new FrameError(`more than ${limits.maxFrames} frames in one message`, 'too-many-frames');
		// CURVE: every frame is a MESSAGE box (libzmq 4.3.5 sends them as message frames, RFC 26
		// as commands; both are taken), its own "more" flag inside the box.
		if (this.codec) return (flags & wire.MORE) === 0 ? limits.maxFrameBytes + MESSAGE_OVERHEAD : -1;
		return (flags & wire.COMMAND) !== 0 ? limits.maxCommandBytes : limits.maxFrameBytes;
	}

	frame(flags: number, body: Buffer): boolean {
		if (this.state === State.Handshake) {
			this.handshake(body);
			return this.state < State.Closing;
		}
		if (this.state !== State.Ready) return false;
		if (!this.codec) {
			if ((flags & wire.COMMAND) === 0) return this.part(body, (flags & wire.MORE) !== 0);
			this.trafficCommand(body);
			return this.state === State.Ready;
		}
		const plain = this.codec.open(body);
		if (typeof plain === 'string') {
			this.end('crypto', plain);
			return false;
		}
		const inner = plain[0]!;
		if ((inner & ~0x03) !== 0 || inner === 0x03) {
			this.end('protocol', 'reserved MESSAGE flags');
			return false;
		}
		if ((inner & 0x02) !== 0) {
			this.trafficCommand(plain.subarray(1));
			return this.state === State.Ready;
		}
		return this.part(plain.subarray(1), (inner & 0x01) !== 0);
	}

	/** One message frame; a whole message goes to the door, its REQ delimiter taken off. */
	private part(body: Buffer, more: boolean): boolean {
		this.frames.push(body);
		if (more) return true;
		const frames = this.frames;
		this.frames = [];
		this.counters.messagesIn++;
		if (frames[0]!.length === 0) return this.door.deliver(this, 'req', frames.slice(1));
		if (this.socketType === 'REQ') {
			this.end('protocol', 'a REQ message without its empty delimiter frame');
			return false;
		}
		return this.door.deliver(this, 'dealer', frames);
	}

	private trafficCommand(body: Buffer): void {
		const name = wire.commandName(body);
		if (name === 'PING') {
			const ping = wire.answerPing(body);
			if (!ping) return this.end('protocol', 'malformed PING');
			this.peerTtlMs = ping.ttlMs;
			this.command(ping.pong);
		} else if (name === 'ERROR') {
			this.end('peer-error', `the peer sent ERROR ${JSON.stringify(body.subarray(7).toString('latin1'))}`);
		} else if (name === undefined) {
			this.end('protocol', 'malformed command');
		}
		// PONG and anything else: proof of life, nothing more (libzmq ignores what it does not know).
	}

	private handshake(body: Buffer): void {
		const name = wire.commandName(body);
		if (name === 'ERROR') return this.end('peer-error', 'the peer sent ERROR during the handshake');
		if (!this.curve) {
			if (name !== 'READY') return this.end('protocol', 'expected READY');
			return this.accept(body.subarray(6));
		}
		if (name === 'HELLO') {
			const welcome = this.curve.hello(body);
			if (typeof welcome === 'string') return this.end('crypto', welcome);
			this.write(wire.commandFrame(welcome));
			return;
		}
		const session = this.curve.initiate(body);
		if (typeof session === 'string') return this.end(name === 'INITIATE' ? 'crypto' : 'protocol', session);
		this.curve = undefined;
		this.key = z85Encode(session.clientKey);
		let refused: string | undefined;
		try {
			refused = this.door.admit?.(this.key, this.address);
		} catch (err) {
			// A failing check must not let anyone in, nor take the door down.
			this.door.log(`the admission check failed, connection refused: ${(err as Error).message}`);
			refused = 'the admission check failed';
		}
		if (refused !== undefined) {
			// "400" is what libzmq's ZAP refusal says: the client reports an authentication failure.
			this.write(wire.commandFrame(wire.errorBody('400')));
			return this.end('key-refused', refused, true);
		}
		this.codec = session.codec;
		this.accept(session.metadata);
	}

	/**
	 * The peer's metadata: its Socket-Type must be one a ROUTER serves. Its Identity is read
	 * and dropped: peers are known by ids the door gives out, so no peer can claim another's
	 * routing id or the one libzmq would generate next (the abort zmtp-guard.ts exists for).
	 */
	private accept(metadata: Buffer): void {
		const props = wire.parseProperties(metadata);
		if (!props) return this.end('protocol', 'malformed metadata');
		const type = wire.peerSocketType(props);
		if (typeof type !== 'string') {
			// RFC 37: answer a socket type we cannot serve with ERROR (a handshake command, in
			// clear under CURVE too), then close.
			this.write(wire.commandFrame(wire.errorBody(type.problem)));
			return this.end('socket-type', type.problem, true);
		}
		this.socketType = type;
		const ready = this.codec ? this.codec.ready(wire.ROUTER_PROPERTIES) : wire.commandBody('READY', wire.ROUTER_PROPERTIES);
		this.write(wire.commandFrame(ready));
		this.state = State.Ready;
		this.wasReady = true;
	}
}
