import * as zmq from 'zeromq';
import {ZchatError} from '../errors.js';
import {decodeReplyFrame} from '../protocol/incoming.js';
import type {Command, Reply, ReplyType} from '../protocol/types.js';
import {closeSocket} from '../zmq/close.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {watchHandshakes} from './handshake-watch.js';
import type {ClientCurve} from './transport.js';

/** Commands a REQ may send: the hub answers these without a session. */
export type Question = Extract<Command, {type: 'ping' | 'who' | 'whois' | 'rooms' | 'stats' | 'history'}>;

export interface AskOptions {
	readonly host: string;
	/** The hub's ROUTER port. */
	readonly subPort: number;
	/** For everything asked through this asker together, in milliseconds (for each question, with `perQuestion`). */
	readonly timeoutMs: number;
	/** Give each question the whole timeout (a long run of history pages), not all of them together. */
	readonly perQuestion?: boolean;
	/** Encrypt and authenticate (the hub runs with --key). */
	readonly curve?: ClientCurve;
}

/**
 * Questions to a hub over one REQ socket (the seed's REQ-REP pattern): no session, no
 * hello, one question and one answer at a time. REQ is strict: it must receive before it
 * sends again, and after a question that got no answer it can never send again, so a
 * timeout closes the socket and this asker is done.
 *
 * zeromq.js reports a REQ that is out of turn only once its send or receive timeout has
 * passed (with none it waits for ever), so both timeouts are always set: to what is left of
 * the deadline.
 *
 * A handshake that cannot succeed (a hub with keys and none given, a wrong hub key, our key
 * refused, keys for a hub without) ends the asker at once with a ZchatError (exit 2) that
 * says what to change, rather than waiting out the timeout as if nobody were there.
 */
export class HubAsker {
	readonly endpoint: string;
	private readonly socket: zmq.Request;
	private deadline: number;
	private nextId = 1;
	private closed = false;
	/** Why the connection cannot work, once the handshake said so. */
	private problem: ZchatError | undefined;

	constructor(private readonly options: AskOptions) {
		this.endpoint = tcpEndpoint(options.host, options.subPort);
		this.deadline = Date.now() + options.timeoutMs;
		const curve = options.curve;
		this.socket = new zmq.Request({
			linger: 0,
			reconnectInterval: 100,
			reconnectMaxInterval: 1000,
			...(curve ? {curveServerKey: curve.serverKey, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey} : {}),
		});
		watchHandshakes(this.socket, this.endpoint, curve, (code, message) => {
			if (this.closed || this.problem) return;
			this.problem = new ZchatError(message, code);
			this.close(); // a send or receive waiting on the socket ends now
		});
		this.socket.connect(this.endpoint);
	}

	/**
	 * Ask one question. Resolves with the hub's answer: the reply `expected`, or an error
	 * reply. Throws ZchatError when the hub does not answer in time or answers something
	 * that is not a zchat reply.
	 */
	async ask<T extends ReplyType>(question: Question, expected: T): Promise<Extract<Reply, {type: T | 'error'}>> {
		if (this.problem) throw this.problem;
		if (this.closed) throw new Error('HubAsker: asked after close');
		const id = `ask${this.nextId++}`;
		if (this.options.perQuestion) this.deadline = Date.now() + this.options.timeoutMs;
		let frames: Buffer[];
		try {
			await this.beforeDeadline(
				() => this.socket.send(JSON.stringify({...question, id})),
				ms => (this.socket.sendTimeout = ms),
			);
			frames = await this.beforeDeadline(
				() => this.socket.receive(),
				ms => (this.socket.receiveTimeout = ms),
			);
		} catch (err) {
			this.close();
			if (this.problem) throw this.problem;
			if ((err as {code?: unknown}).code === 'EAGAIN') throw this.noAnswer();
			throw err;
		}
		const reply = frames.length === 1 ? decodeReplyFrame(frames[0]!) : undefined;
		if (!reply || (reply.type !== expected && reply.type !== 'error') || ('re' in reply && reply.re !== undefined && reply.re !== id)) {
			this.close();
			throw new ZchatError(`the hub at ${this.endpoint} answered something zchat cannot read: is that a zchat hub (and --sub its command port)?`);
		}
		return reply as Extract<Reply, {type: T | 'error'}>;
	}

	/** Close the socket at once: what is unsent is kept for MIN_LINGER_MS at most (src/zmq/close.ts). */
	close(): void {
		if (this.closed) return;
		this.closed = true;
		void closeSocket(this.socket, {label: 'asker'});
	}

	/**
	 * A send or a receive with what is left of the deadline as its timeout. zeromq.js rejects
	 * with EAGAIN when that timeout passes, but also before, when libzmq said the socket was
	 * ready and the operation then found it was not (a connection dropped in between, as a hub
	 * that refuses our handshake drops it): then it waits again, so that only the deadline
	 * says "no answer" (beside a CPU hog `zchat stats` said it within 5 s of its 30).
	 */
	private async beforeDeadline<T>(operation: () => Promise<T>, setTimeoutMs: (ms: number) => void): Promise<T> {
		for (;;) {
			setTimeoutMs(this.remaining());
			try {
				return await operation();
			} catch (err) {
				if ((err as {code?: unknown}).code !== 'EAGAIN' || this.closed || this.problem || Date.now() >= this.deadline) throw err;
			}
			// Not at once: a socket that keeps saying it is ready when it is not would spin.
			await new Promise(resolve => setTimeout(resolve, 10));
		}
	}

	private remaining(): number {
		const left = this.deadline - Date.now();
		if (left <= 0) {
			this.close();
			throw this.noAnswer();
		}
		return left;
	}

	private noAnswer(): ZchatError {
		const seconds = +(this.options.timeoutMs / 1000).toFixed(1);
		return new ZchatError(`no answer from the hub at ${this.endpoint} in ${seconds} s: is "zchat hub" running there? (check --host and --sub)`);
	}
}
