import * as zmq from 'zeromq';
import {ZchatError} from '../errors.js';
import {decodeReplyFrame} from '../protocol/incoming.js';
import type {Command, Reply, ReplyType} from '../protocol/types.js';
import {closeSocket} from '../zmq/close.js';
import {tcpEndpoint} from '../zmq/endpoint.js';

/** Commands a REQ may send: the hub answers these without a session. */
export type Question = Extract<Command, {type: 'ping' | 'who' | 'whois' | 'rooms' | 'stats' | 'history'}>;

export interface AskOptions {
	readonly host: string;
	/** The hub's ROUTER port. */
	readonly subPort: number;
	/** For everything asked through this asker together, in milliseconds. */
	readonly timeoutMs: number;
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
 */
export class HubAsker {
	readonly endpoint: string;
	private readonly socket: zmq.Request;
	private readonly deadline: number;
	private nextId = 1;
	private closed = false;

	constructor(private readonly options: AskOptions) {
		this.endpoint = tcpEndpoint(options.host, options.subPort);
		this.deadline = Date.now() + options.timeoutMs;
		this.socket = new zmq.Request({linger: 0, reconnectInterval: 100, reconnectMaxInterval: 1000});
		this.socket.connect(this.endpoint);
	}

	/**
	 * Ask one question. Resolves with the hub's answer: the reply `expected`, or an error
	 * reply. Throws ZchatError when the hub does not answer in time or answers something
	 * that is not a zchat reply.
	 */
	async ask<T extends ReplyType>(question: Question, expected: T): Promise<Extract<Reply, {type: T | 'error'}>> {
		if (this.closed) throw new Error('HubAsker: asked after close');
		const id = `ask${this.nextId++}`;
		let frames: Buffer[];
		try {
			this.socket.sendTimeout = this.remaining();
			await this.socket.send(JSON.stringify({...question, id}));
			this.socket.receiveTimeout = this.remaining();
			frames = await this.socket.receive();
		} catch (err) {
			this.close();
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
