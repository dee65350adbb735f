/**
 * A sender the way docs/PROTOCOL.md's example bot writes one: a bare DEALER, a `hello`, then
 * one `say` a ZeroMQ message (never zchat's batches of up to 16 frames), counting its acks.
 * What the TUI bench floods a room with, so the TUI sees what a room full of bots gives it.
 */
import {randomBytes} from 'node:crypto';
import * as zmq from 'zeromq';
import {tcpEndpoint} from '../src/zmq/endpoint.js';

/** About 70 characters, like a line a person or a bot writes: "load message 123 xxxx…". */
export function loadLine(n: number): string {
	const head = `load message ${n} `;
	return head + 'x'.repeat(Math.max(1, 70 - head.length));
}

export class SpecSender {
	private readonly dealer = new zmq.Dealer({linger: 0, sendHighWaterMark: 100_000});
	private readonly session = randomBytes(18).toString('base64url');
	private sent = 0;
	private acked = 0;
	private welcomed: (() => void) | undefined;
	private queue: string[] = [];
	private sending = false;
	private closed = false;

	constructor(
		address: {host: string; sub: number},
		readonly nick: string,
		readonly room: string,
	) {
		this.dealer.connect(tcpEndpoint(address.host, address.sub));
	}

	/** Say hello and resolve once welcomed. */
	async hello(): Promise<void> {
		void this.readReplies();
		const welcomed = new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`${this.nick}: no welcome within 15 s`)), 15_000);
			this.welcomed = () => {
				clearTimeout(timer);
				resolve();
			};
		});
		this.push(JSON.stringify({type: 'hello', id: 'hello', v: 1, nick: this.nick, session: this.session, rooms: [this.room], client: 'zchat-tui-bench'}));
		await welcomed;
	}

	/** Say the next `n` lines, each its own message. */
	say(n: number): void {
		for (let i = 0; i < n; i++) {
			const id = ++this.sent;
			this.push(JSON.stringify({type: 'say', id: `m${id}`, room: this.room, text: loadLine(id)}));
		}
	}

	sentCount(): number {
		return this.sent;
	}

	ackedCount(): number {
		return this.acked;
	}

	async close(): Promise<void> {
		this.closed = true;
		try {
			await this.dealer.send('{"type":"bye"}');
		} catch {
			// Closing anyway.
		}
		this.dealer.close();
	}

	/** One send at a time (zeromq.js allows one pending), in order. */
	private push(frame: string): void {
		this.queue.push(frame);
		if (!this.sending) void this.drain();
	}

	private async drain(): Promise<void> {
		this.sending = true;
		try {
			while (this.queue.length > 0 && !this.closed) {
				const batch = this.queue;
				this.queue = [];
				for (const frame of batch) await this.dealer.send(frame);
			}
		} finally {
			this.sending = false;
		}
	}

	private async readReplies(): Promise<void> {
		try {
			// The hub may put several replies in one message, a frame each.
			for await (const frames of this.dealer) {
				for (const frame of frames) {
					const text = frame.toString();
					if (text.startsWith('{"type":"ack"')) this.acked++;
					else if (text.startsWith('{"type":"welcome"')) this.welcomed?.();
				}
			}
		} catch {
			// The socket was closed.
		}
	}
}
