/**
 * One peer's ZMTP 3 life on any of the hub's ports, shared by the command port's connections and
 * the feed port's subscribers: greeting, NULL or CURVE handshake, PING and ERROR, heartbeats and
 * closing. What a ready peer's messages mean, and what is written to it, is the port's own.
 * (Past 300 lines: one connection's state machine, from greeting to close, reads best in one place.)
 */
import type {Socket} from 'node:net';
import {z85Encode} from '../../protocol/z85.js';
import {CurveHandshake, type CurveCodec, type CurveKeys} from './curve.js';
import {FrameError, FrameReader, type FrameSink} from './frame-reader.js';
import type {ZmtpLimits} from './limits.js';
import type {ZmtpCloseReason} from './types.js';
import * as wire from './wire.js';

/** What a connection needs from the port that owns it. */
export interface ZmtpSide<Reason extends string> {
	readonly limits: ZmtpLimits;
	readonly curve: CurveKeys | undefined;
	/** CURVE: undefined admits the key (Z85), a string is why not. */
	readonly admit: ((key: string, address: string) => string | undefined) | undefined;
	/** Its handshake completed: it is a peer now. */
	opened(conn: ZmtpConnection<Reason>): void;
	ended(conn: ZmtpConnection<Reason>, reason: Reason | ZmtpCloseReason, detail: string): void;
	log(line: string): void;
}

export const enum State {
	Greeting,
	Handshake,
	Ready,
	Closing,
	Closed,
}

/** The counters every port keeps for a connection. */
export interface LinkCounters {
	bytesIn: number;
	bytesOut: number;
	pingsSent: number;
}

export abstract class ZmtpConnection<Reason extends string> implements FrameSink {
	/** CURVE: the client's long-term public key (Z85), proven by its vouch and admitted. */
	key: string | undefined;
	/** ZMTP minor version the peer spoke (3.0 peers get no PINGs). */
	zmtpMinor = 1;
	/** Whether its handshake completed (the port has counted it). */
	wasReady = false;
	abstract readonly counters: LinkCounters;
	/** Who refuses it when the admission check fails, for the log ("connection"). */
	protected abstract readonly noun: string;
	/** Our READY's properties: the socket type we are. */
	protected abstract readonly readyProperties: Buffer;
	protected state = State.Greeting;
	protected readonly reader = new FrameReader(this);
	protected codec: CurveCodec | undefined;
	protected lastHeard: number;
	private readonly greetingIn = Buffer.alloc(wire.GREETING_BYTES);
	private greetingHave = 0;
	private curve: CurveHandshake | undefined;
	private lastPing = 0;
	private peerTtlMs = 0;

	constructor(
		readonly id: number,
		readonly address: string,
		protected readonly socket: Socket,
		protected readonly side: ZmtpSide<Reason>,
		/** When its connection was accepted (ms since 1970). */
		readonly since: number,
	) {
		this.lastHeard = since;
		if (side.curve) this.curve = new CurveHandshake(side.curve);
	}

	get open(): boolean {
		return this.state <= State.Ready;
	}

	get isReady(): boolean {
		return this.state === State.Ready;
	}

	/**
	 * Close. Gracefully for the hub's own reasons (what was written is taken first, within
	 * closeGraceMs); at once for everything the peer did wrong.
	 */
	end(reason: Reason | ZmtpCloseReason, detail: string, graceful = false): void {
		if (this.state >= State.Closing) {
			if (this.state === State.Closing && !graceful) this.socket.destroy();
			return;
		}
		this.letGo(graceful);
		this.state = graceful ? State.Closing : State.Closed;
		if (graceful) {
			this.socket.end();
			setTimeout(() => this.socket.destroy(), this.side.limits.closeGraceMs).unref();
		} else {
			this.socket.destroy();
		}
		this.side.ended(this, reason, detail);
	}

	/** Timers, from the port's sweep (handshakeDone and heartbeat do the shared part). */
	abstract tick(now: number): void;

	/** FrameSink: the budget for the next frame. */
	abstract limit(flags: number): number;

	/** FrameSink: a whole frame; a ready peer's opened out of its CURVE box first. */
	frame(flags: number, body: Buffer): boolean {
		if (this.state === State.Handshake) {
			this.handshake(body);
			return this.state < State.Closing;
		}
		if (this.state !== State.Ready) return false;
		if (!this.codec) {
			if ((flags & wire.COMMAND) === 0) return this.message(body, (flags & wire.MORE) !== 0);
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
		return this.message(plain.subarray(1), (inner & 0x01) !== 0);
	}

	/** A ready peer's message frame; false to stop reading. */
	protected abstract message(body: Buffer, more: boolean): boolean;

	/** Whether the peer's metadata names a socket type this port serves: undefined if so, else why not. */
	protected abstract socketTypeProblem(props: Map<string, Buffer>): string | undefined;

	/** Before it closes (a port's queued writes, its buffers). */
	protected letGo(_graceful: boolean): void {}

	/** Why a frame the reader refused closes it. */
	protected refusal(err: FrameError): Reason | ZmtpCloseReason {
		return err.kind;
	}

	/** Listen to the socket and send our greeting whole (no peer we serve needs ZMTP 2 detection). */
	protected begin(): void {
		this.socket.on('data', chunk => this.onData(chunk as Buffer));
		this.socket.on('error', err => {
			const code = (err as NodeJS.ErrnoException).code ?? err.message;
			// A reset is a peer going away abruptly (killed, or closing with our bytes unread).
			this.end(code === 'ECONNRESET' || code === 'EPIPE' ? 'peer-closed' : 'socket-error', code);
		});
		this.socket.on('close', () => this.end('peer-closed', 'the connection closed'));
		this.write(wire.greeting(this.side.curve ? 'CURVE' : 'NULL'));
	}

	protected onData(chunk: Buffer): void {
		if (this.state >= State.Closing) return;
		this.lastHeard = Date.now();
		this.counters.bytesIn += chunk.length;
		this.read(chunk, 0);
	}

	/** Greeting, then frames, from `from`; returns where reading stopped (the chunk's end when it closed). */
	protected read(chunk: Buffer, from: number): number {
		let at = from;
		if (this.state === State.Greeting) at = this.readGreeting(chunk, at);
		if (this.state === State.Greeting || this.state >= State.Closing) return chunk.length;
		try {
			return this.reader.read(chunk, at);
		} catch (err) {
			if (!(err instanceof FrameError)) throw err;
			this.end(this.refusal(err), err.message);
			return chunk.length;
		}
	}

	protected write(data: Buffer, written?: () => void): boolean {
		this.counters.bytesOut += data.length;
		return this.socket.write(data, written);
	}

	protected command(body: Buffer): void {
		this.write(this.codec ? this.codec.sealCommand(body) : wire.commandFrame(body));
	}

	/** Whether the handshake is done; before that, its deadline is checked. */
	protected handshakeDone(now: number): boolean {
		if (this.state < State.Ready) {
			const ms = this.side.limits.handshakeMs;
			if (now - this.since > ms) this.end('handshake-timeout', `no handshake within ${ms} ms`);
			return false;
		}
		return this.state === State.Ready;
	}

	/** PING a quiet peer; close one silent past the timeout (or its PING's TTL) if `mayTimeOut`. */
	protected heartbeat(now: number, mayTimeOut: boolean): void {
		// ZMTP 3.0 has no PING: such a peer is left to TCP keepalive.
		if (this.zmtpMinor === 0) return;
		const limits = this.side.limits;
		const quiet = now - this.lastHeard;
		const timeout = Math.min(limits.heartbeatTimeoutMs, this.peerTtlMs || Infinity);
		if (mayTimeOut && quiet > timeout) return this.end('heartbeat-timeout', `nothing heard for ${quiet} ms`);
		if (quiet >= limits.heartbeatIntervalMs && now - this.lastPing >= limits.heartbeatIntervalMs) {
			this.lastPing = now;
			this.counters.pingsSent++;
			this.command(wire.pingBody(limits.heartbeatTtlMs));
		}
	}

	/** A command after the handshake: PING answered, ERROR closes, the rest is proof of life. */
	protected trafficCommand(body: Buffer): void {
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
		const mechanism = this.side.curve ? 'CURVE' : 'NULL';
		if (!wire.mechanismIs(this.greetingIn, mechanism)) {
			// The peer sees our mechanism in our greeting and reports the mismatch itself.
			this.end('protocol', `mechanism is not ${mechanism}`);
			return chunk.length;
		}
		this.zmtpMinor = this.greetingIn[10] === 3 ? this.greetingIn[11]! : 1;
		this.state = State.Handshake;
		return at;
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
			refused = this.side.admit?.(this.key, this.address);
		} catch (err) {
			// A failing check must not let anyone in, nor take the port down.
			this.side.log(`the admission check failed, ${this.noun} refused: ${(err as Error).message}`);
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

	/** The peer's metadata: its Socket-Type must be one this port serves; then our READY. */
	private accept(metadata: Buffer): void {
		const props = wire.parseProperties(metadata);
		if (!props) return this.end('protocol', 'malformed metadata');
		const problem = this.socketTypeProblem(props);
		if (problem !== undefined) {
			// RFC 37: answer a socket type we cannot serve with ERROR (a handshake command, in
			// clear under CURVE too), then close.
			this.write(wire.commandFrame(wire.errorBody(problem)));
			return this.end('socket-type', problem, true);
		}
		const ready = this.codec ? this.codec.ready(this.readyProperties) : wire.commandBody('READY', this.readyProperties);
		this.write(wire.commandFrame(ready));
		this.state = State.Ready;
		this.wasReady = true;
		this.side.opened(this);
	}
}
