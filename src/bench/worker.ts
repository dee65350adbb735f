import {randomBytes} from 'node:crypto';
import * as zmq from 'zeromq';
import {MAX_FRAMES} from '../protocol/limits.js';
import {roomTopic} from '../protocol/topic.js';
import {closeSocket} from '../zmq/close.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {nowUs} from './clock.js';
import {KIND, makeLine, parseLine, type ParsedLine} from './payload.js';
import type {CollectResult, Reply, Request, SendResult, SenderTally, SubscriberTally, Where} from './protocol.js';

/**
 * A load-generator process of the bench, forked by the orchestrator (loadgen.ts) and driven
 * over IPC. It speaks the zchat protocol with bare sockets rather than through the real
 * Client: the bench measures the hub, so the load generator must cost as little as possible
 * per message (no reducer, no JSON parse of feed events, one byte search per line).
 */

const ACK_PREFIX = Buffer.from('{"type":"ack","re":"');
const OK_BYE = '"command":"bye"';

/** A growable set of small whole numbers (line counters), a bit each. */
class BitSet {
	private words = new Uint32Array(64);

	has(n: number): boolean {
		return ((this.words[n >>> 5] ?? 0) & (1 << (n & 31))) !== 0;
	}

	/** Add n; false when it was there already. */
	add(n: number): boolean {
		const w = n >>> 5;
		if (w >= this.words.length) {
			const grown = new Uint32Array(Math.max(w + 1, this.words.length * 2));
			grown.set(this.words);
			this.words = grown;
		}
		const mask = 1 << (n & 31);
		if ((this.words[w]! & mask) !== 0) return false;
		this.words[w]! |= mask;
		return true;
	}
}

// -- senders --------------------------------------------------------------------------------

class Sender {
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

	constructor(
		readonly where: Where,
		readonly index: number,
		readonly nick: string,
	) {
		this.dealer.connect(tcpEndpoint(where.address.host, where.address.subPort));
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

// -- subscribers ----------------------------------------------------------------------------

class Subscriber {
	readonly sub = new zmq.Subscriber({linger: 0, receiveHighWaterMark: 1000});
	warmedUp = false;
	received = 0;
	unique = 0;
	duplicates = 0;
	/** Lines that came from history after a gap, as a zchat client repairs one. */
	repaired = 0;
	/** zchat: the last seq applied; events wait in `ahead` until the gap before them is filled. */
	private lastSeq = -1;
	private readonly ahead = new Map<number, Buffer>();
	private history: zmq.Dealer | undefined;
	private repairing: Promise<void> | undefined;
	/** Per sender index, the counters seen. */
	private seen: BitSet[] = [];
	private readonly loop: Promise<void>;
	private readonly line: ParsedLine = {kind: 0, sender: 0, counter: 0, sentUs: 0};

	constructor(
		private readonly where: Where,
		private readonly shared: SubscriberShared,
	) {
		this.sub.connect(tcpEndpoint(where.address.host, where.address.pubPort));
		this.sub.subscribe(roomTopic(where.room));
		this.loop = this.read();
	}

	reset(): void {
		this.received = this.unique = this.duplicates = this.repaired = 0;
		this.seen = [];
	}

	private async read(): Promise<void> {
		try {
			for await (const frames of this.sub) {
				const now = nowUs();
				for (let i = 1; i < frames.length; i++) {
					if (this.where.kind === 'zchat') this.inOrder(frames[i]!, now);
					else this.take(frames[i]!, now);
				}
			}
		} catch {
			// closed
		}
	}

	private take(frame: Buffer, now: number): void {
		const line = this.line;
		if (!parseLine(frame, line)) return;
		if (line.kind === KIND.warmup) {
			this.warmedUp = true;
			return;
		}
		if (line.kind !== KIND.measured) return;
		this.record(line.sender, line.counter);
		this.shared.onLine(line, now);
	}

	/**
	 * What a zchat client does with the feed: apply events in seq order, drop what it has, and
	 * fill a gap from the hub's history. A line counts as lost only if even that fails.
	 */
	private inOrder(frame: Buffer, now: number): void {
		const seq = seqOf(frame);
		if (seq === undefined) return;
		if (this.lastSeq < 0) this.lastSeq = seq - 1; // where this subscriber came in
		if (seq <= this.lastSeq) return;
		if (seq > this.lastSeq + 1) {
			this.ahead.set(seq, frame);
			void this.repair();
			return;
		}
		this.lastSeq = seq;
		this.take(frame, now);
		for (let next = this.ahead.get(this.lastSeq + 1); next; next = this.ahead.get(this.lastSeq + 1)) {
			this.ahead.delete(this.lastSeq + 1);
			this.lastSeq++;
			this.take(next, now);
		}
	}

	/** Ask the hub (sessionless `history`) for what follows lastSeq, until it has no more. */
	repair(): Promise<void> {
		this.repairing ??= (async () => {
			const dealer = (this.history ??= connectedDealer(this.where));
			try {
				for (let more = true; more; ) {
					await dealer.send(JSON.stringify({type: 'history', room: this.where.room, after: this.lastSeq, limit: 500}));
					const [reply] = await dealer.receive();
					const page = JSON.parse(reply!.toString('utf8')) as {type: string; events?: unknown[]; more?: boolean};
					if (page.type !== 'history' || !page.events || page.events.length === 0) return;
					// What the hub no longer keeps is lost (the tally counts it): go on from what it has.
					const first = (page.events[0] as {seq?: unknown}).seq;
					if (typeof first === 'number' && first > this.lastSeq + 1) this.lastSeq = first - 1;
					const now = nowUs();
					for (const e of page.events) {
						const before = this.unique;
						this.inOrder(Buffer.from(JSON.stringify(e)), now);
						this.repaired += this.unique - before;
					}
					more = page.more === true;
				}
			} catch {
				// the hub went away: what is missing stays missing
			}
		})().finally(() => (this.repairing = undefined));
		return this.repairing;
	}

	private record(sender: number, counter: number): void {
		this.received++;
		const seen = (this.seen[sender] ??= new BitSet());
		if (seen.add(counter)) this.unique++;
		else this.duplicates++;
	}

	/** Lines of `tally` this subscriber never got (leaving out those the hub never acked). */
	lost(tally: SenderTally): number {
		const seen = this.seen[tally.index];
		const unacked = new Set(tally.unacked);
		let lost = 0;
		for (let c = 0; c < tally.sent; c++) if (!seen?.has(c) && !unacked.has(c)) lost++;
		return lost;
	}

	tally(expected: readonly SenderTally[]): SubscriberTally {
		return {received: this.received, unique: this.unique, duplicates: this.duplicates, repaired: this.repaired, lost: expected.reduce((s, t) => s + this.lost(t), 0)};
	}

	async close(): Promise<void> {
		void closeSocket(this.sub, {label: 'bench subscriber'});
		if (this.history) void closeSocket(this.history, {label: 'bench history'});
		await this.loop;
	}
}

/** What all subscribers of a worker share: timings and latency samples. */
class SubscriberShared {
	firstRecvUs = 0;
	lastRecvUs = 0;
	latency: number[] | undefined;
	slowest: Map<string, number> | undefined;

	onLine(line: ParsedLine, now: number): void {
		if (this.firstRecvUs === 0) this.firstRecvUs = now;
		this.lastRecvUs = now;
		if (this.latency) {
			const us = now - line.sentUs;
			this.latency.push(us);
			const key = `${line.sender}:${line.counter}`;
			const before = this.slowest!.get(key);
			if (before === undefined || us > before) this.slowest!.set(key, us);
		}
	}
}

// -- the worker -----------------------------------------------------------------------------

const senders: Sender[] = [];
const subscribers: Subscriber[] = [];
/** Idle clients' sessions: a DEALER per subscriber that said hello. */
const sessions: Sender[] = [];
const shared = new SubscriberShared();
let warmupTimer: NodeJS.Timeout | undefined;
let pingTimer: NodeJS.Timeout | undefined;

async function handle(req: Request): Promise<unknown> {
	switch (req.op) {
		case 'senders': {
			const made = Array.from({length: req.count}, (_, i) => new Sender(req.where, req.firstIndex + i, `${req.where.nickPrefix}s${req.firstIndex + i}`));
			senders.push(...made);
			if (req.where.kind === 'zchat') await Promise.all(made.map(s => s.hello([req.where.room])));
			return null;
		}
		case 'subscribers': {
			if (req.sessions && req.where.kind === 'zchat') {
				// Sessions first, then the feed: a thousand join events need not be fanned out to a thousand subscribers.
				const made = Array.from({length: req.count}, (_, i) => new Sender(req.where, -1, `${req.where.nickPrefix}i${req.firstIndex + i}`));
				sessions.push(...made);
				const ttls = await inChunks(made, 100, s => s.hello([req.where.room]));
				const every = Math.max(100, Math.min(...ttls) / 4);
				pingTimer = setInterval(() => sessions.forEach(s => void s.ping().catch(() => {})), every);
			} else if (req.sessions) {
				// A bare forwarder has no sessions; connect a DEALER anyway, so it holds as many connections as a hub would.
				sessions.push(...Array.from({length: req.count}, () => new Sender(req.where, -1, '')));
			}
			subscribers.push(...Array.from({length: req.count}, () => new Subscriber(req.where, shared)));
			return null;
		}
		case 'warmup': {
			const first = senders[0];
			if (!first) throw new Error('warmup: this worker has no senders');
			warmupTimer = setInterval(() => void first.sendWarmup().catch(() => {}), req.everyMs);
			return null;
		}
		case 'stopWarmup':
			clearInterval(warmupTimer);
			return null;
		case 'ready': {
			const deadline = Date.now() + req.timeoutMs;
			while (!subscribers.every(s => s.warmedUp)) {
				if (Date.now() > deadline) {
					const cold = subscribers.filter(s => !s.warmedUp).length;
					throw new Error(`${cold} of ${subscribers.length} subscribers got nothing within ${req.timeoutMs} ms: is the hub's PUB port (--pub) right?`);
				}
				await sleep(5);
			}
			return null;
		}
		case 'start':
			for (const s of subscribers) s.reset();
			shared.firstRecvUs = shared.lastRecvUs = 0;
			shared.latency = req.latency ? [] : undefined;
			shared.slowest = req.latency ? new Map() : undefined;
			return null;
		case 'send':
			return send(req);
		case 'collect':
			return collect(req);
		case 'close':
			clearInterval(warmupTimer);
			clearInterval(pingTimer);
			await Promise.all([...senders, ...sessions].map(s => s.close()));
			await Promise.all(subscribers.map(s => s.close()));
			return null;
	}
}

async function send(req: Extract<Request, {op: 'send'}>): Promise<SendResult> {
	const ackLatency: number[] = [];
	for (const s of senders) s.ackLatency = req.ackLatency ? ackLatency : undefined;
	const start = nowUs();
	const end = start + req.durationMs * 1000;
	const perSender = req.rate / Math.max(1, senders.length);
	let lastSendUs = start;
	await Promise.all(
		senders.map(async s => {
			const zchat = s.where.kind === 'zchat';
			if (req.mode === 'max') {
				for (let now = start; now < end; now = nowUs()) {
					if (!zchat) {
						for (let i = 0; i < 64; i++) await s.sendNext();
						continue;
					}
					while (s.inflight >= req.window) await s.nextReply();
					// What the window allows goes at once, in messages of up to 16 frames.
					await s.sendBurst(Math.min(MAX_FRAMES, req.window - s.inflight));
				}
			} else {
				for (let now = start; now < end; now = nowUs()) {
					const due = Math.floor(((now - start) / 1e6) * perSender) + 1;
					while (s.sent < due && !(zchat && s.inflight >= req.window)) await s.sendNext();
					const next = start + (s.sent / perSender) * 1e6;
					await sleep(Math.max(0, Math.min(end, next) - nowUs()) / 1000);
				}
			}
			lastSendUs = Math.max(lastSendUs, nowUs());
			if (zchat) {
				const deadline = nowUs() + 15e6;
				while (s.inflight > 0 && nowUs() < deadline) await Promise.race([s.nextReply(), sleep(100)]);
			}
		}),
	);
	for (const s of senders) s.ackLatency = undefined;
	return {
		senders: senders.map(s => s.tally()),
		firstSendUs: start,
		lastSendUs,
		lastAckUs: Math.max(lastSendUs, ...senders.map(s => s.lastAckUs)),
		ackLatencyUs: ackLatency,
	};
}

/** Subscribers behind ask for the rest of the history; true if any got something. */
async function catchUp(behind: readonly Subscriber[]): Promise<boolean> {
	const before = behind.reduce((s, x) => s + x.unique, 0);
	await Promise.all(behind.map(x => x.repair()));
	return behind.reduce((s, x) => s + x.unique, 0) > before;
}

function connectedDealer(where: Where): zmq.Dealer {
	const dealer = new zmq.Dealer({linger: 0, receiveTimeout: 5000});
	dealer.connect(tcpEndpoint(where.address.host, where.address.subPort));
	return dealer;
}

/** The seq of a zchat feed event (its JSON ends with "seq":N,"epoch":"…"). */
function seqOf(frame: Buffer): number | undefined {
	const at = frame.lastIndexOf(SEQ_KEY);
	if (at < 0) return undefined;
	let n = 0;
	for (let i = at + SEQ_KEY.length; i < frame.length; i++) {
		const d = frame[i]!;
		if (d < 48 || d > 57) break;
		n = n * 10 + d - 48;
	}
	return n;
}

const SEQ_KEY = Buffer.from('"seq":');

async function collect(req: Extract<Request, {op: 'collect'}>): Promise<CollectResult> {
	const total = req.expected.reduce((s, t) => s + t.sent - t.unacked.length, 0);
	const deadline = Date.now() + req.deadlineMs;
	let lastCount = -1;
	let lastChange = Date.now();
	for (;;) {
		const count = subscribers.reduce((s, x) => s + x.unique, 0);
		if (subscribers.every(x => x.unique >= total)) break;
		if (count !== lastCount) {
			lastCount = count;
			lastChange = Date.now();
		} else if (Date.now() - lastChange > req.quietMs) {
			// A zchat client learns the room's head from its pings and fetches a lost tail.
			const behind = subscribers.filter(x => x.unique < total);
			if (behind.length === 0 || !(await catchUp(behind))) break;
			lastChange = Date.now();
		}
		if (Date.now() > deadline) break;
		await sleep(5);
	}
	return {
		subscribers: subscribers.map(s => s.tally(req.expected)),
		firstRecvUs: shared.firstRecvUs,
		lastRecvUs: shared.lastRecvUs,
		latencyUs: shared.latency ?? [],
		slowestUs: Object.fromEntries(shared.slowest ?? []),
	};
}

async function inChunks<T, R>(items: readonly T[], size: number, f: (item: T) => Promise<R>): Promise<R[]> {
	const out: R[] = [];
	for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(f))));
	return out;
}

function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

process.on('message', (msg: {id: number; req: Request}) => {
	void handle(msg.req).then(
		result => process.send!({id: msg.id, ok: true, result} satisfies Reply),
		(err: unknown) => process.send!({id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err)} satisfies Reply),
	);
});
// The orchestrator went away: nothing left to do.
process.on('disconnect', () => process.exit(0));
