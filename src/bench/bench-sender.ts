/**
 * A bench sender: one DEALER speaking the zchat protocol (or a bare forwarder's) with bare
 * sockets, sending measured lines and counting their acks at the cost of a byte search each.
 */
import {randomBytes} from 'node:crypto';
import * as zmq from 'zeromq';
import {MAX_FRAMES} from '../protocol/limits.js';
import {closeSocket} from '../zmq/close.js';
import {BitSet} from './bitset.js';
import {nowUs, sleep} from './clock.js';
import {endpointFrom} from './loopback.js';
import {KIND, makeLine} from './payload.js';
import type {SenderTally, Where} from './protocol.js';

const ACK_PREFIX = Buffer.from('{"type":"ack","re":"');
const OK_BYE = '"command":"bye"';

export class Sender {
	readonly dealer = new zmq.Dealer({linger: 0, sendHighWaterMark: 1000, receiveHighWaterMark: 10_000});
	sent = 0;
	acked = 0;
	inflight = 0;
	private warm = 0;
	/** Send time of each measured line (µs), to time its ack. */
	private sentAt = new Float64Array(1024);
	private readonly acks = new BitSet();
	readonly errors: Record<string, number> = {};
	ackLatency: number[] | undefined;
	lastAckUs = 0;
	private wake: (() => void) | undefined;
	private welcome: {resolve: (ttlMs: number) => void; reject: (err: Error) => void} | undefined;
	private byeOk: (() => void) | undefined;
	private loop: Promise<void> | undefined;
	private readonly session = randomBytes(18).toString('base64url');

	/** `from`: a source address of this machine to connect from (idle clients spread over loopback addresses). */
	constructor(
		readonly where: Where,
		readonly index: number,
		readonly nick: string,
		from?: string,
	) {
		this.dealer.connect(endpointFrom(where.address.host, where.address.subPort, from));
	}

	/** zchat: say hello, resolve with the session's TTL once welcomed. */
	async hello(rooms: readonly string[]): Promise<number> {
		this.loop ??= this.readReplies();
		const welcomed = new Promise<number>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no welcome for ${this.nick}'s hello within 15 s: is a zchat hub listening on port ${this.where.address.subPort}?`)), 15_000);
			this.welcome = {
				resolve: ttl => {
					clearTimeout(timer);
					resolve(ttl);
				},
				reject: err => {
					clearTimeout(timer);
					reject(err);
				},
			};
		});
		await this.dealer.send(JSON.stringify({type: 'hello', id: 'hello', v: 1, nick: this.nick, session: this.session, rooms, client: 'zchat-bench'}));
		return welcomed;
	}

	async ping(): Promise<void> {
		await this.dealer.send('{"type":"ping"}');
	}

	sayFrame(kind: 'm' | 'w', counter: number, sentUs: number): string {
		const id = kind === 'm' ? String(counter) : `w${counter}`;
		return `{"type":"say","id":"${id}","room":"${this.where.room}","text":"${makeLine(kind, this.index, counter, sentUs)}"}`;
	}

	async sendWarmup(): Promise<void> {
		await this.dealer.send(this.sayFrame('w', this.warm++, nowUs()));
	}

	/** Send the next measured line. */
	async sendNext(): Promise<void> {
		await this.dealer.send(this.nextFrame());
	}

	/**
	 * Send the next `n` measured lines as one message of n frames, as a zchat client sends the
	 * lines its window frees up at once (src/client/transport.ts).
	 */
	async sendBurst(n: number): Promise<void> {
		const frames: string[] = [];
		for (let i = 0; i < n; i++) frames.push(this.nextFrame());
		await this.dealer.send(frames);
	}

	private nextFrame(): string {
		const c = this.sent++;
		const t = nowUs();
		if (c >= this.sentAt.length) {
			const grown = new Float64Array(this.sentAt.length * 2);
			grown.set(this.sentAt);
			this.sentAt = grown;
		}
		this.sentAt[c] = t;
		if (this.where.kind === 'zchat') this.inflight++;
		return this.sayFrame('m', c, t);
	}

	/** Resolves on the next ack or error (zchat). */
	nextReply(): Promise<void> {
		return new Promise(resolve => (this.wake = resolve));
	}

	tally(): SenderTally {
		const unacked: number[] = [];
		if (this.where.kind === 'zchat') {
			for (let c = 0; c < this.sent && unacked.length < 1000; c++) if (!this.acks.has(c)) unacked.push(c);
		}
		return {index: this.index, sent: this.sent, acked: this.where.kind === 'zchat' ? this.acked : this.sent, unacked, errors: this.errors};
	}

	private onAck(counter: number, now: number): void {
		if (counter >= this.sent || !this.acks.add(counter)) return;
		this.acked++;
		this.inflight--;
		this.lastAckUs = now;
		this.ackLatency?.push(now - this.sentAt[counter]!);
	}

	private async readReplies(): Promise<void> {
		try {
			for await (const frames of this.dealer) {
				const now = nowUs();
				for (const f of frames) this.onReply(f, now);
				const wake = this.wake;
				this.wake = undefined;
				wake?.();
			}
		} catch {
			// closed
		}
	}

	private onReply(f: Buffer, now: number): void {
		if (f.length > ACK_PREFIX.length && f.compare(ACK_PREFIX, 0, ACK_PREFIX.length, 0, ACK_PREFIX.length) === 0) {
			const d0 = f[ACK_PREFIX.length]!;
			if (d0 === 0x77 /* w: a warm-up line */) return;
			let n = 0;
			for (let i = ACK_PREFIX.length, d = f[i]!; d !== 0x22; d = f[++i]!) n = n * 10 + d - 48;
			this.onAck(n, now);
			return;
		}
		const text = f.toString('utf8');
		if (text.includes(OK_BYE)) {
			this.byeOk?.();
			return;
		}
		let r: {type?: string; code?: string; message?: string; re?: string; ttlMs?: number};
		try {
			r = JSON.parse(text) as typeof r;
		} catch {
			return;
		}
		if (r.type === 'welcome') {
			this.welcome?.resolve(r.ttlMs ?? 10_000);
			this.welcome = undefined;
		} else if (r.type === 'error') {
			const code = r.code ?? 'unknown';
			this.errors[code] = (this.errors[code] ?? 0) + 1;
			if (r.re === 'hello' && this.welcome) {
				const hint = r.code === 'hub_full' ? ' (pass --clients lower, or start the hub with a higher --max-clients)' : '';
				this.welcome.reject(new Error(`the hub refused ${this.nick}'s hello: ${r.code}: ${r.message}${hint}`));
				this.welcome = undefined;
			} else if (r.re !== undefined && /^\d+$/.test(r.re) && Number(r.re) < this.sent) {
				// Refused (not stored): it stays unacked, and no longer holds a place in the window.
				this.inflight--;
			}
		}
	}

	async close(): Promise<void> {
		if (this.where.kind === 'zchat' && this.loop) {
			// End the session now, so the hub does not keep it until its TTL runs out.
			const ok = new Promise<void>(resolve => (this.byeOk = resolve));
			await this.dealer.send('{"type":"bye","reason":"bench done"}').catch(() => {});
			await Promise.race([ok, sleep(2000)]);
		}
		void closeSocket(this.dealer, {label: 'bench sender'});
		await this.loop;
	}
}
