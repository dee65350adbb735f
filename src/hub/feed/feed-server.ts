/**
 * The hub's feed port: a ZMTP 3 PUB of its own (NULL or CURVE). It takes SUB and XSUB peers,
 * keeps their subscriptions (prefixes, as ZeroMQ matches them) within each one's budget, and
 * writes every flush's feed messages to each subscriber that matches in one write: encoded
 * once for all under NULL, sealed per subscriber under CURVE. (Its listener and connection
 * counts are the front door's listener.ts.)
 */
import {CurveCodec, curveKeys} from '../front-door/curve.js';
import {Listener} from '../front-door/listener.js';
import * as wire from '../front-door/wire.js';
import {DEFAULT_FEED_LIMITS, type FeedLimits} from './limits.js';
import {Subscriber, type FeedCloseReason, type FeedSide} from './subscriber.js';

export interface FeedServerOptions {
	/** Address to listen on. @default "127.0.0.1" */
	readonly host?: string;
	/** Port; 0 picks a free one. */
	readonly port: number;
	/** CURVE with this key pair (Z85); without it the feed is NULL (no encryption). */
	readonly curve?: {readonly publicKey: string; readonly secretKey: string};
	/** CURVE: whether a client's key (Z85) may read the feed; undefined admits, a string is why not. @default admit everyone */
	readonly admit?: (key: string, address: string) => string | undefined;
	readonly limits?: Partial<FeedLimits>;
	/** Subscribers with a completed handshake, whenever the number changes. */
	readonly onSubscribers?: (count: number) => void;
	/** A topic gained its first subscriber (true) or lost its last (false): a relay subscribes upstream for them. */
	readonly onTopic?: (topic: string, wanted: boolean) => void;
	readonly log?: (line: string) => void;
}

/** The feed port's figures, for `zchat stats`. */
export interface FeedStats {
	/** Subscribers with a completed handshake. */
	readonly subscribers: number;
	readonly handshaking: number;
	readonly accepted: number;
	/** Turned away on arrival: the port had all the connections it takes, or their source address had. */
	readonly refusedFull: number;
	readonly refusedPerAddress: number;
	/** Connections closed since the hub started, by reason. */
	readonly closed: Readonly<Partial<Record<FeedCloseReason, number>>>;
	/** Feed messages not written to a subscriber that had its budget's worth queued (it repairs the gap from history). */
	readonly dropped: number;
	/** Feed bytes written and not yet taken by the network, over all subscribers. */
	readonly queuedBytes: number;
	readonly subscriptions: number;
}

/** One feed message waiting for the flush: its topic and frames. */
interface Outgoing {
	readonly topic: string;
	readonly frames: Buffer[];
}

/** Reasons that say a peer did what no subscriber needs to: logged (at most once a second). */
const HOSTILE = new Set<FeedCloseReason>(['too-many-frames', 'frame-too-big', 'too-many-subscriptions', 'subscription', 'flood', 'protocol', 'crypto']);

export class FeedServer {
	readonly limits: FeedLimits;
	private readonly listener: Listener<FeedCloseReason, Subscriber>;
	/** The listener's open connections. */
	private readonly subs: ReadonlyMap<number, Subscriber>;
	/** Subscribers by the prefix they subscribed to, and how many subscriptions there are of each length. */
	private readonly index = new Map<string, Set<Subscriber>>();
	private readonly lengths = new Map<number, number>();
	private readonly side: FeedSide;
	private ready = 0;
	private pending: Outgoing[] = [];
	private flushScheduled = false;
	private stamp = 0;
	private dropped = 0;
	private lastLog = 0;
	private unlogged = 0;

	private constructor(private readonly options: FeedServerOptions) {
		this.limits = {...DEFAULT_FEED_LIMITS, ...options.limits};
		const log = options.log ?? (() => {});
		this.side = {
			limits: this.limits,
			curve: options.curve ? curveKeys(options.curve) : undefined,
			admit: (key, address) => options.admit?.(key, address),
			subscribed: (sub, topic) => this.subscribed(sub, topic),
			cancelled: (sub, topic) => this.cancelled(sub, topic),
			opened: () => this.countSubscribers(+1),
			ended: (sub, reason, detail) => this.ended(sub, reason, detail),
			log,
		};
		this.listener = new Listener({
			limits: this.limits,
			connect: (id, address, socket) => new Subscriber(id, address, socket, this.side, Date.now()),
			acceptFailed: code => this.logLimited(`accepting a feed connection failed: ${code}`),
		});
		this.subs = this.listener.conns;
	}

	/** Listen; rejects with the listen error (EADDRINUSE, EACCES …) for the caller to explain. */
	static async listen(options: FeedServerOptions): Promise<FeedServer> {
		const feed = new FeedServer(options);
		await feed.listener.listen(options.port, options.host);
		return feed;
	}

	get port(): number {
		return this.listener.port;
	}

	/** Queue one feed message, `[topic, ...events]`; written at flush(), at the latest on the next turn of the event loop. */
	publish(topic: string, events: readonly string[]): void {
		if (!this.queue(topic, events) || this.flushScheduled) return;
		this.flushScheduled = true;
		setImmediate(() => this.flush());
	}

	/**
	 * Queue one feed message for a flush() the caller makes itself before its turn ends (the
	 * hub's, after each batch): no timer is set. False when the port is stopping.
	 */
	queue(topic: string, events: readonly string[]): boolean {
		if (this.listener.stopping) return false;
		const frames = [Buffer.from(topic, 'latin1')];
		for (const e of events) frames.push(Buffer.from(e, 'utf8'));
		this.pending.push({topic, frames});
		return true;
	}

	/** Queue one feed message as it came from upstream (`frames[0]` is the topic's bytes), unchanged. */
	publishFrames(frames: Buffer[]): void {
		if (this.listener.stopping || frames.length < 2) return;
		this.pending.push({topic: frames[0]!.toString('latin1'), frames});
		if (!this.flushScheduled) {
			this.flushScheduled = true;
			setImmediate(() => this.flush());
		}
	}

	/** Topics someone subscribes to now (a relay's subscriptions upstream). */
	topics(): IterableIterator<string> {
		return this.index.keys();
	}

	/** Write what publish() queued: at most one write per subscriber. */
	flush(): void {
		this.flushScheduled = false;
		const messages = this.pending;
		if (messages.length === 0) return;
		this.pending = [];
		const curve = this.side.curve !== undefined;
		const plain = curve ? [] : messages.map(m => encode(m.frames));
		// Each message's size on the wire, for the subscribers' byte budgets.
		const sizes = curve ? messages.map(m => m.frames.reduce((n, f) => n + CurveCodec.sealedBytes(f.length), 0)) : plain.map(p => p.length);
		let whole: Buffer | undefined;
		for (const [sub, all] of this.recipients(messages)) {
			// What does not fit its budget is dropped for it (it repairs the gap from history).
			const fit = sub.fits(all.map(i => sizes[i]!));
			this.dropped += all.length - fit;
			if (fit === 0) continue;
			const picked = fit === all.length ? all : all.slice(0, fit);
			if (curve) sub.writeSealed(picked.map(i => messages[i]!.frames));
			else if (picked.length === messages.length) sub.writePlain([(whole ??= plain.length === 1 ? plain[0]! : Buffer.concat(plain))], picked.length);
			else sub.writePlain(picked.map(i => plain[i]!), picked.length);
		}
		this.keepQueuedUnderTotal();
	}

	/** Close every subscriber `pick` chooses (a key taken off the list or banned), at once; returns how many. */
	closeWhere(pick: (sub: Subscriber) => boolean, reason: FeedCloseReason = 'revoked', detail = 'its key may no longer read the feed'): number {
		return this.listener.endWhere(pick, reason, detail, false);
	}

	stats(): FeedStats {
		let queuedBytes = 0;
		let subscriptions = 0;
		for (const sub of this.subs.values()) {
			queuedBytes += sub.queuedBytes;
			subscriptions += sub.topics.size;
		}
		const {handshaking, accepted, refusedFull, refusedPerAddress, closed} = this.listener.stats();
		return {subscribers: this.ready, handshaking, accepted, refusedFull, refusedPerAddress, closed, dropped: this.dropped, queuedBytes, subscriptions};
	}

	/** Stop listening; write what is queued, close every connection, and wait for them (closeGraceMs at most). */
	async stop(): Promise<void> {
		if (this.listener.stopping) return;
		this.flush();
		const closed = this.listener.close();
		for (const sub of [...this.subs.values()]) sub.end('shutdown', 'the hub is stopping', true);
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([closed, new Promise(resolve => (timer = setTimeout(resolve, this.limits.closeGraceMs)))]);
		clearTimeout(timer);
	}

	/**
	 * Who gets which of `messages` (by index, in order): every subscriber with a prefix of the
	 * topic, once per message. Only the prefix lengths someone subscribed to are looked up.
	 */
	private recipients(messages: readonly Outgoing[]): Map<Subscriber, number[]> {
		const out = new Map<Subscriber, number[]>();
		const base = this.stamp;
		this.stamp += messages.length;
		for (let i = 0; i < messages.length; i++) {
			const topic = messages[i]!.topic;
			for (const length of this.lengths.keys()) {
				if (length > topic.length) continue;
				const set = this.index.get(length === topic.length ? topic : topic.slice(0, length));
				if (!set) continue;
				for (const sub of set) {
					if (sub.mark === base + i + 1) continue;
					sub.mark = base + i + 1;
					const list = out.get(sub);
					if (list) list.push(i);
					else out.set(sub, [i]);
				}
			}
		}
		return out;
	}

	/** Past maxQueuedBytesTotal, close the subscribers holding the most until the rest is under it. */
	private keepQueuedUnderTotal(): void {
		let total = 0;
		const backlogged: Subscriber[] = [];
		for (const sub of this.subs.values()) {
			if (sub.queuedBytes === 0) continue;
			total += sub.queuedBytes;
			backlogged.push(sub);
		}
		if (total <= this.limits.maxQueuedBytesTotal) return;
		backlogged.sort((a, b) => b.queuedBytes - a.queuedBytes);
		for (const sub of backlogged) {
			if (total <= this.limits.maxQueuedBytesTotal) break;
			total -= sub.queuedBytes;
			sub.end('slow-consumer', `${sub.queuedBytes} bytes of feed not taken while all subscribers together had over ${this.limits.maxQueuedBytesTotal}`);
		}
	}

	private subscribed(sub: Subscriber, topic: string): void {
		let set = this.index.get(topic);
		if (!set) {
			this.index.set(topic, (set = new Set()));
			this.options.onTopic?.(topic, true);
		}
		set.add(sub);
		this.lengths.set(topic.length, (this.lengths.get(topic.length) ?? 0) + 1);
	}

	private cancelled(sub: Subscriber, topic: string): void {
		const set = this.index.get(topic);
		if (!set?.delete(sub)) return;
		if (set.size === 0) {
			this.index.delete(topic);
			this.options.onTopic?.(topic, false);
		}
		const left = (this.lengths.get(topic.length) ?? 1) - 1;
		if (left > 0) this.lengths.set(topic.length, left);
		else this.lengths.delete(topic.length);
	}

	private ended(sub: Subscriber, reason: FeedCloseReason, detail: string): void {
		if (!this.listener.forget(sub, reason)) return;
		for (const topic of sub.topics) this.cancelled(sub, topic);
		if (sub.wasReady) this.countSubscribers(-1);
		if (HOSTILE.has(reason)) this.logLimited(`closed a feed connection from ${sub.address}: ${detail}`);
	}

	private countSubscribers(change: number): void {
		this.ready += change;
		this.options.onSubscribers?.(this.ready);
	}

	/** At most one log line a second, so a flood of bad peers cannot flood the log. */
	private logLimited(line: string): void {
		const now = Date.now();
		if (now - this.lastLog < 1000) {
			this.unlogged++;
			return;
		}
		(this.options.log ?? (() => {}))(this.unlogged > 0 ? `${line} (and ${this.unlogged} more)` : line);
		this.lastLog = now;
		this.unlogged = 0;
	}
}

/** One feed message on the wire (NULL): its frames, each with its header. */
function encode(frames: readonly Buffer[]): Buffer {
	let total = 0;
	for (const f of frames) total += wire.headerBytes(f.length) + f.length;
	const out = Buffer.allocUnsafe(total);
	let at = 0;
	const last = frames.length - 1;
	for (let j = 0; j <= last; j++) {
		at = wire.writeHeader(out, at, j < last ? wire.MORE : 0, frames[j]!.length);
		at += frames[j]!.copy(out, at);
	}
	return out;
}
