/**
 * One subscriber's connection to the feed port: the few frames a subscriber has any need to
 * send (subscriptions, cancels, heartbeats) checked as they arrive, and the feed written to it
 * within its byte budget. (Its greeting, handshake, heartbeats and closing are the front door's
 * zmtp-connection.ts; its queue is in backlog.ts.)
 */
import type {Socket} from 'node:net';
import {CurveCodec, MESSAGE_OVERHEAD} from '../front-door/curve.js';
import {FrameError} from '../front-door/frame-reader.js';
import * as wire from '../front-door/wire.js';
import {State, ZmtpConnection} from '../front-door/zmtp-connection.js';
import {Backlog} from './backlog.js';
import {subscriptionProblem, trafficCommandBytes} from './limits.js';
import type {FeedCloseReason, FeedSide} from './types.js';

export type {FeedCloseReason, FeedSide} from './types.js';

/** PUB's READY properties: its socket type (libzmq's PUB sends no Identity). */
const PUB_PROPERTIES = wire.property('Socket-Type', 'PUB');

export class Subscriber extends ZmtpConnection<FeedCloseReason> {
	/** Topic prefixes it subscribed to (latin1), "" for everything. */
	readonly topics = new Set<string>();
	readonly counters = {bytesIn: 0, bytesOut: 0, messagesOut: 0, dropped: 0, pingsSent: 0};
	/** The server's mark: the flush that last wrote to it (so one flush writes a message once). */
	mark = 0;
	declare protected readonly side: FeedSide;
	protected readonly noun = 'feed connection';
	protected readonly readyProperties = PUB_PROPERTIES;
	private tokens: number;
	private tokensAt: number;
	/** It sent frames faster than its budget (the reader's error says so). */
	private flooded = false;
	private readonly backlog: Backlog;

	constructor(id: number, address: string, socket: Socket, side: FeedSide, now: number) {
		super(id, address, socket, side, now);
		this.tokensAt = now;
		this.backlog = new Backlog(now);
		this.tokens = side.limits.frameBurst;
		this.begin();
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
		if (!this.handshakeDone(now)) return;
		// Taking what is queued, however slowly, is a sign of life; silence with nothing taken is not.
		const unsent = this.socket.writableLength;
		const stalled = this.backlog.stalledFor(unsent, now);
		if (unsent > 0 && stalled > this.side.limits.heartbeatTimeoutMs) return this.end('slow-consumer', `${unsent} bytes of feed not taken for ${stalled} ms`);
		this.heartbeat(now, unsent === 0);
	}

	protected override write(data: Buffer): boolean {
		this.backlog.wrote(data.length);
		return super.write(data);
	}

	private queued(messages: number): void {
		this.counters.messagesOut += messages;
		this.backlog.carried(messages);
	}

	/** FrameSink: the budget for the next frame. */
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

	private spendToken(): boolean {
		const limits = this.side.limits;
		const now = Date.now();
		this.tokens = Math.min(limits.frameBurst, this.tokens + ((now - this.tokensAt) * limits.framesPerSecond) / 1000);
		this.tokensAt = now;
		if (this.tokens < 1) return false;
		this.tokens--;
		return true;
	}

	/** Frames past the budget close it as a flood. */
	protected override refusal(err: FrameError): FeedCloseReason {
		return this.flooded ? 'flood' : err.kind;
	}

	/** ZMTP 3.0's subscriptions: a message of 1 (subscribe) or 0 (cancel) and the topic. */
	protected message(body: Buffer, more: boolean): boolean {
		if (more) {
			// Under CURVE the "more" flag is inside the box; in clear, limit() refused it already.
			this.end('too-many-frames', 'a subscriber sent a message of more than one frame');
			return false;
		}
		this.subscription(body);
		return this.state === State.Ready;
	}

	private subscription(body: Buffer): void {
		const limits = this.side.limits;
		// CURVE frames are checked here: their box was the size the reader saw.
		if (body.length === 0 || body.length > 1 + limits.maxTopicBytes) {
			return this.end(body.length === 0 ? 'protocol' : 'frame-too-big', body.length === 0 ? 'an empty message' : `a subscription of ${body.length - 1} bytes`);
		}
		if (body[0] === 1) this.subscribe(body.toString('latin1', 1));
		else if (body[0] === 0) this.cancel(body.toString('latin1', 1));
		else this.end('protocol', 'a message that is neither a subscription nor a cancel');
	}

	/** ZMTP 3.1's subscriptions are commands; the rest are any port's. */
	protected override trafficCommand(body: Buffer): void {
		const name = wire.commandName(body);
		if (name !== 'SUBSCRIBE' && name !== 'CANCEL') return super.trafficCommand(body);
		if (body.length > 1 + name.length + this.side.limits.maxTopicBytes) return this.end('frame-too-big', `a subscription of ${body.length - 1 - name.length} bytes`);
		const topic = body.toString('latin1', 1 + name.length);
		return name === 'SUBSCRIBE' ? this.subscribe(topic) : this.cancel(topic);
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

	/** The peer's metadata: a SUB or an XSUB may read the feed. */
	protected socketTypeProblem(props: Map<string, Buffer>): string | undefined {
		const type = props.get('socket-type')?.toString('latin1');
		if (type === 'SUB' || type === 'XSUB') return undefined;
		return `Socket-Type ${JSON.stringify((type ?? 'none').slice(0, 16))} cannot read a PUB: connect a SUB socket`;
	}
}
