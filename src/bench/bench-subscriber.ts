/**
 * A bench subscriber: one SUB on the feed, counting every measured line once, repairing gaps
 * from history as a zchat client does, and timing each line from its sender's stamp.
 */
import * as zmq from 'zeromq';
import {roomTopic} from '../protocol/topic.js';
import {closeSocket} from '../zmq/close.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {BitSet} from './bitset.js';
import {nowUs} from './clock.js';
import {endpointFrom} from './loopback.js';
import {KIND, parseLine, type ParsedLine} from './payload.js';
import type {SenderTally, SubscriberTally, Where} from './protocol.js';

export class Subscriber {
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

	/** `from`: a source address of this machine to connect from (idle clients spread over loopback addresses). */
	constructor(
		private readonly where: Where,
		private readonly shared: SubscriberShared,
		from?: string,
	) {
		this.sub.connect(endpointFrom(where.address.host, where.address.pubPort, from));
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
export class SubscriberShared {
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
