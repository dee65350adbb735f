/**
 * One subscriber's connection to the feed port: greeting, NULL or CURVE handshake, the few
 * frames a subscriber has any need to send (subscriptions, cancels, heartbeats) checked as they
 * arrive, and the feed written to it within its byte budget. (Past 300 lines: one connection's
 * state machine, from greeting to close, reads best in one place; its queue is in backlog.ts.)
 */
import type {Socket} from 'node:net';
import {z85Encode} from '../../protocol/z85.js';
import {CurveCodec, CurveHandshake, MESSAGE_OVERHEAD} from '../front-door/curve.js';
import {FrameError, FrameReader, type FrameSink} from '../front-door/frame-reader.js';
import * as wire from '../front-door/wire.js';
import {Backlog} from './backlog.js';
import {subscriptionProblem, trafficCommandBytes} from './limits.js';
import type {FeedCloseReason, FeedSide} from './types.js';

export type {FeedCloseReason, FeedSide} from './types.js';

const enum State {
	Greeting,
	Handshake,
	Ready,
	Closed,
}

/** PUB's READY properties: its socket type (libzmq's PUB sends no Identity). */
const PUB_PROPERTIES = wire.property('Socket-Type', 'PUB');

export class Subscriber implements FrameSink {
	/** CURVE: the client's long-term public key (Z85), proven by its vouch and admitted. */
	key: string | undefined;
	/** Topic prefixes it subscribed to (latin1), "" for everything. */
	readonly topics = new Set<string>();
	readonly counters = {bytesIn: 0, bytesOut: 0, messagesOut: 0, dropped: 0, pingsSent: 0};
	/** Whether its handshake completed (it counted as a subscriber). */
	wasReady = false;
	/** The server's mark: the flush that last wrote to it (so one flush writes a message once). */
	mark = 0;
	private state = State.Greeting;
	private readonly greetingIn = Buffer.alloc(wire.GREETING_BYTES);
	private greetingHave = 0;
	private zmtpMinor = 1;
	private readonly reader = new FrameReader(this);
	private curve: CurveHandshake | undefined;
	private codec: CurveCodec | undefined;
	private readonly since: number;
	private lastHeard: number;
	private lastPing = 0;
	private peerTtlMs = 0;
	private tokens: number;
	private tokensAt: number;
	/** It sent frames faster than its budget (the reader's error says so). */
	private flooded = false;
	private readonly backlog: Backlog;

	constructor(
		readonly id: number,
		readonly address: string,
		private readonly socket: Socket,
		private readonly side: FeedSide,
		now: number,
	) {
		this.since = this.lastHeard = this.tokensAt = now;
		this.backlog = new Backlog(now);
		this.tokens = side.limits.frameBurst;
		if (side.curve) this.curve = new CurveHandshake(side.curve);
		socket.on('data', chunk => this.onData(chunk as Buffer));
		socket.on('error', err => {
			const code = (err as NodeJS.ErrnoException).code ?? err.message;
			this.end(code === 'ECONNRESET' || code === 'EPIPE' ? 'peer-closed' : 'socket-error', code);
		});
		socket.on('close', () => this.end('peer-closed', 'the connection closed'));
		this.write(wire.greeting(side.curve ? 'CURVE' : 'NULL'));
	}

	get isReady(): boolean {
		return this.state === State.Ready;
	}

	get open(): boolean {
		return this.state !== State.Closed;
	}

	/** Feed bytes written and not yet taken by the network. */
	get queuedBytes(): number {
		return this.socket.writableLength;
	}

	/**
	 * How many of these feed messages (their sizes on the wire, in order) fit what is left of
	 * its budget, in bytes and in messages; the rest are counted as dropped for it. With nothing
	 * queued the first always fits, however large.
	 */
	fits(sizes: readonly number[]): number {
		const limits = this.side.limits;
		const unsent = this.socket.writableLength;
		let bytes = limits.maxQueuedBytes - unsent;
		let n = Math.min(sizes.length, Math.max(0, limits.maxQueuedMessages - this.backlog.queuedMessages(unsent)));
		for (let i = 0; i < n; i++) {
			bytes -= sizes[i]!;
			if (bytes < 0 && !(i === 0 && unsent === 0)) n = i;
		}
		this.counters.dropped += sizes.length - n;
		return n;
	}

	/** NULL: write feed messages already on the wire's form (shared by every subscriber), in one go. */
	writePlain(parts: readonly Buffer[], messages: number): void {
		if (this.state !== State.Ready) return;
		if (parts.length === 1) this.write(parts[0]!);
		else {
			this.socket.cork();
			for (const p of parts) this.write(p);
			this.socket.uncork();
		}
		this.queued(messages);
	}

	/** CURVE: seal feed messages (each its frames) for this subscriber, in one buffer. */
	writeSealed(messages: ReadonlyArray<readonly Buffer[]>): void {
		if (this.state !== State.Ready || !this.codec) return;
		let total = 0;
		for (const m of messages) for (const f of m) total += CurveCodec.sealedBytes(f.length);
		const out = Buffer.allocUnsafe(total);
		let at = 0;
		for (const m of messages) {
			const last = m.length - 1;
			for (let j = 0; j <= last; j++) at = this.codec.seal(out, at, j < last ? wire.MORE : 0, m[j]!, m[j]!.length);
		}
		this.write(out);
		this.queued(messages.length);
	}

	/** Timers, from the server's sweep: handshake deadline, heartbeats, a subscriber that takes nothing. */
	tick(now: number): void {
		const limits = this.side.limits;
		if (this.state !== State.Ready) {
			if (this.state !== State.Closed && now - this.since > limits.handshakeMs) this.end('handshake-timeout', `no handshake within ${limits.handshakeMs} ms`);
			return;
		}
		// Taking what is queued, however slowly, is a sign of life; silence with nothing taken is not.
		const unsent = this.socket.writableLength;
		const stalled = this.backlog.stalledFor(unsent, now);
		const timeout = Math.min(limits.heartbeatTimeoutMs, this.peerTtlMs || Infinity);
		if (unsent > 0 && stalled > limits.heartbeatTimeoutMs) return this.end('slow-consumer', `${unsent} bytes of feed not taken for ${stalled} ms`);
		// ZMTP 3.0 has no PING: such a subscriber is left to TCP keepalive.
		if (this.zmtpMinor === 0) return;
		const quiet = now - this.lastHeard;
		if (quiet > timeout && unsent === 0) return this.end('heartbeat-timeout', `nothing heard for ${quiet} ms`);
		if (quiet >= limits.heartbeatIntervalMs && now - this.lastPing >= limits.heartbeatIntervalMs) {
			this.lastPing = now;
			this.counters.pingsSent++;
			this.command(wire.pingBody(limits.heartbeatTtlMs));
		}
	}

	/** Close: at once, or (for the hub's own reasons) after what is written so far, within a second. */
	end(reason: FeedCloseReason, detail: string, graceful = false): void {
		if (this.state === State.Closed) return;
		this.state = State.Closed;
		if (graceful) {
			this.socket.end();
			setTimeout(() => this.socket.destroy(), 1000).unref();
		} else {
			this.socket.destroy();
		}
		this.side.ended(this, reason, detail);
	}

	private write(data: Buffer): void {
		this.backlog.wrote(data.length);
		this.counters.bytesOut += data.length;
		this.socket.write(data);
	}

	private queued(messages: number): void {
		this.counters.messagesOut += messages;
		this.backlog.carried(messages);
	}

	private command(body: Buffer): void {
		this.write(this.codec ? this.codec.sealCommand(body) : wire.commandFrame(body));
	}

	private onData(chunk: Buffer): void {
		if (this.state === State.Closed) return;
		this.lastHeard = Date.now();
		this.counters.bytesIn += chunk.length;
		let at = 0;
		if (this.state === State.Greeting) at = this.readGreeting(chunk);
		if (this.state === State.Greeting || !this.open) return;
		try {
			this.reader.read(chunk, at);
		} catch (err) {
			if (!(err instanceof FrameError)) throw err;
			this.end(this.flooded ? 'flood' : err.kind, err.message);
		}
	}

	private readGreeting(chunk: Buffer): number {
		let at = 0;
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

	// FrameSink: the budget for the next frame, then the frame.

	limit(flags: number): number {
		const limits = this.side.limits;
		if (this.state !== State.Ready) return (flags & wire.COMMAND) !== 0 ? limits.maxHandshakeBytes : -1;
		// A subscriber's messages are one frame each: a "more" flag is the start of something else.
		if ((flags & wire.MORE) !== 0) throw new FrameError('a subscriber sent a message of more than one frame', 'too-many-frames');
		if (!this.spendToken()) {
			this.flooded = true;
			throw new FrameError(`more than ${limits.frameBurst} frames, then ${limits.framesPerSecond} a second`);
		}
		const commandBytes = trafficCommandBytes(limits);
		// CURVE: every frame is a MESSAGE box (libzmq sends them as message frames, RFC 26 as commands).
		if (this.codec) return MESSAGE_OVERHEAD + commandBytes;
		return (flags & wire.COMMAND) !== 0 ? commandBytes : 1 + limits.maxTopicBytes;
	}

	frame(flags: number, body: Buffer): boolean {
		if (this.state === State.Handshake) {
			this.handshake(body);
			return this.open;
		}
		if (this.state !== State.Ready) return false;
		if (!this.codec) {
			if ((flags & wire.COMMAND) !== 0) this.trafficCommand(body);
			else this.message(body);
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
		if ((inner & wire.MORE) !== 0) {
			this.end('too-many-frames', 'a subscriber sent a message of more than one frame');
			return false;
		}
		const inside = plain.subarray(1);
		if ((inner & 0x02) !== 0) this.trafficCommand(inside);
		else this.message(inside);
		return this.state === State.Ready;
	}

	private spendToken(): boolean {
		const limits = this.side.limits;
		const now = Date.now();
		this.tokens = Math.min(limits.frameBurst, this.tokens + ((now - this.tokensAt) * limits.framesPerSecond) / 1000);
		this.tokensAt = now;
		if (this.tokens < 1) return false;
		this.tokens--;
		return true;
	}

	/** ZMTP 3.0's subscriptions: a message of 1 (subscribe) or 0 (cancel) and the topic. */
	private message(body: Buffer): void {
		const limits = this.side.limits;
		// CURVE frames are checked here: their box was the size the reader saw.
		if (body.length === 0 || body.length > 1 + limits.maxTopicBytes) {
			return this.end(body.length === 0 ? 'protocol' : 'frame-too-big', body.length === 0 ? 'an empty message' : `a subscription of ${body.length - 1} bytes`);
		}
		if (body[0] === 1) this.subscribe(body.toString('latin1', 1));
		else if (body[0] === 0) this.cancel(body.toString('latin1', 1));
		else this.end('protocol', 'a message that is neither a subscription nor a cancel');
	}

	private trafficCommand(body: Buffer): void {
		const name = wire.commandName(body);
		const data = () => body.toString('latin1', 1 + name!.length);
		if (name === 'SUBSCRIBE' || name === 'CANCEL') {
			if (body.length > 1 + name.length + this.side.limits.maxTopicBytes) return this.end('frame-too-big', `a subscription of ${body.length - 1 - name.length} bytes`);
			return name === 'SUBSCRIBE' ? this.subscribe(data()) : this.cancel(data());
		}
		if (name === 'PING') {
			const ping = wire.answerPing(body);
			if (!ping) return this.end('protocol', 'malformed PING');
			this.peerTtlMs = ping.ttlMs;
			return this.command(ping.pong);
		}
		if (name === 'ERROR') return this.end('peer-error', `the peer sent ERROR ${JSON.stringify(body.subarray(7).toString('latin1'))}`);
		if (name === undefined) return this.end('protocol', 'malformed command');
		// PONG and anything else: proof of life, nothing more (libzmq ignores what it does not know).
	}

	private subscribe(topic: string): void {
		if (this.topics.has(topic)) return;
		const problem = subscriptionProblem(topic);
		if (problem) return this.end('subscription', problem);
		const max = this.side.limits.maxSubscriptions;
		if (this.topics.size >= max) return this.end('too-many-subscriptions', `more than ${max} subscriptions`);
		this.topics.add(topic);
		this.side.subscribed(this, topic);
	}

	private cancel(topic: string): void {
		if (this.topics.delete(topic)) this.side.cancelled(this, topic);
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
			return this.write(wire.commandFrame(welcome));
		}
		const session = this.curve.initiate(body);
		if (typeof session === 'string') return this.end(name === 'INITIATE' ? 'crypto' : 'protocol', session);
		this.curve = undefined;
		this.key = z85Encode(session.clientKey);
		let refused: string | undefined;
		try {
			refused = this.side.admit(this.key, this.address);
		} catch (err) {
			this.side.log(`the admission check failed, feed connection refused: ${(err as Error).message}`);
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

	/** The peer's metadata: a SUB or an XSUB may read the feed. */
	private accept(metadata: Buffer): void {
		const props = wire.parseProperties(metadata);
		if (!props) return this.end('protocol', 'malformed metadata');
		const type = props.get('socket-type')?.toString('latin1');
		if (type !== 'SUB' && type !== 'XSUB') {
			const problem = `Socket-Type ${JSON.stringify((type ?? 'none').slice(0, 16))} cannot read a PUB: connect a SUB socket`;
			this.write(wire.commandFrame(wire.errorBody(problem)));
			return this.end('socket-type', problem, true);
		}
		const ready = this.codec ? this.codec.ready(PUB_PROPERTIES) : wire.commandBody('READY', PUB_PROPERTIES);
		this.write(wire.commandFrame(ready));
		this.state = State.Ready;
		this.wasReady = true;
		this.side.opened(this);
	}
}
