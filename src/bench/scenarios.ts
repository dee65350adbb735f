/**
 * The bench's scenarios: start a hub or a bare forwarder, run load workers against it, and
 * collect what they measured. (Past 300 lines: one function a scenario, sharing the set-up.)
 */
import {randomBytes} from 'node:crypto';
import {nowUs} from './clock.js';
import {LoadWorker} from './loadgen.js';
import {cpuBetween, sampleMachine, sampleProc, sumCpu, type CpuUse, type MachineSample, type ProcSample} from './proc.js';
import type {Address, CollectResult, SendResult, SenderStyle, SenderTally, TargetKind, Where} from './protocol.js';
import {percentiles} from './stats.js';

/** A hub or forwarder that is up and listening. */
export interface RunningTarget {
	readonly kind: TargetKind;
	readonly address: Address;
	/** The process to read CPU and memory of, when it runs on this machine. */
	readonly pid?: number;
	/** The room to use; a fresh one per run unless the target is private to the run. */
	readonly room?: string;
}

/** CPU of the hub and of the load generator during a measurement, and the hub's memory after it. */
export interface Resources {
	/** Undefined when the hub's process is not known (a hub elsewhere, no --hub-pid). */
	readonly hub?: CpuUse & {readonly rssMb: number; readonly peakRssMb: number};
	readonly senders: CpuUse;
	readonly subscribers: CpuUse;
	/**
	 * CPU that every other process on the machine used meanwhile, ms (from /proc/stat, 10 ms
	 * resolution): other people's work on a shared machine shows up here, not in the hub's figures.
	 */
	readonly othersMs: number;
}

export interface Delivery {
	/** Lines sent (for zchat: acked, i.e. stored) in the measured part. */
	readonly messages: number;
	/** Summed over subscribers: lines never received, and lines received more than once. */
	readonly lost: number;
	readonly duplicated: number;
	/** Summed over subscribers: lines that reached them from history after a gap (zchat clients repair gaps). */
	readonly repaired: number;
	/** Lines sent that the hub never acked (zchat), and error replies by code. */
	readonly unacked: number;
	readonly errors: Readonly<Record<string, number>>;
}

export interface ThroughputResult extends Delivery {
	readonly senders: number;
	readonly subscribers: number;
	/** Messages through the hub per second: messages ÷ (first send → last subscriber has the last one). */
	readonly msgPerSec: number;
	readonly seconds: number;
	readonly resources: Resources;
	/** Hub CPU per message, µs (all its threads). */
	readonly hubCpuUsPerMsg: number;
}

export interface LatencyResult extends Delivery {
	readonly rate: number;
	/** Achieved send rate. */
	readonly sentPerSec: number;
	/** End to end (send → subscriber has it), ms. */
	readonly p50Ms: number;
	readonly p99Ms: number;
	readonly p999Ms: number;
	readonly samples: number;
	/** say → ack (zchat: stored and acknowledged), ms; NaN for a forwarder. */
	readonly ackP50Ms: number;
	readonly ackP99Ms: number;
	readonly resources: Resources;
}

export interface FanoutResult extends Delivery {
	readonly clients: number;
	/** Hub memory with every client connected and idle, MB. */
	readonly idleRssMb: number;
	/** Per-client delivery latency over all probes, ms. */
	readonly p50Ms: number;
	readonly p99Ms: number;
	readonly maxMs: number;
	/** Time for a probe to reach every client (the slowest client), median over probes, ms. */
	readonly allMedianMs: number;
	readonly probes: number;
	/** How long connecting every client (and, for zchat, every hello) took, s. */
	readonly setupSeconds: number;
	readonly resources: Resources;
}

/** What every scenario takes. */
export interface LoadOptions {
	/** Niceness of the load generator's processes (0–19). */
	readonly nice: number;
}

export interface ThroughputOptions extends LoadOptions {
	readonly senders: number;
	readonly subscribers: number;
	readonly durationMs: number;
	/** Unacked says in flight per sender (zchat's client keeps 64). */
	readonly window: number;
	/** Processes to spread subscribers over (senders get one). */
	readonly subscriberProcs: number;
	/** zchat senders: as the client (16 frames a message) or as a spec-style bot (a message a line). @default client */
	readonly style?: SenderStyle;
}

export interface LatencyOptions extends LoadOptions {
	readonly rate: number;
	readonly durationMs: number;
	readonly subscribers: number;
	readonly window: number;
}

export interface FanoutOptions extends LoadOptions {
	readonly clients: number;
	readonly probes: number;
	/** Probes per second. */
	readonly probeRate: number;
	/** Processes to spread the clients over. */
	readonly procs: number;
}

/** Senders in one process, subscribers spread over `subProcs`; all connected and warmed up. */
class Rig {
	readonly sendWorker: LoadWorker;
	readonly subWorkers: LoadWorker[];
	readonly where: Where;
	private readonly subCounts: number[];

	constructor(
		readonly target: RunningTarget,
		readonly senders: number,
		readonly subscribers: number,
		subProcs: number,
		readonly sessions: boolean,
		nice: number,
	) {
		this.sendWorker = LoadWorker.start('senders', nice);
		const procs = Math.max(1, Math.min(subProcs, subscribers));
		this.subCounts = split(subscribers, procs);
		this.subWorkers = this.subCounts.map((_, i) => LoadWorker.start(`subscribers-${i + 1}`, nice));
		this.where = {
			kind: target.kind,
			address: target.address,
			room: target.room ?? `bench-${randomBytes(4).toString('hex')}`,
			nickPrefix: `b${randomBytes(3).toString('hex')}`,
		};
	}

	async connect(readyTimeoutMs: number): Promise<void> {
		let first = 0;
		await Promise.all([
			this.sendWorker.request({op: 'senders', where: this.where, count: this.senders, firstIndex: 0}),
			...this.subWorkers.map((w, i) => {
				const count = this.subCounts[i]!;
				const req = w.request({op: 'subscribers', where: this.where, count, firstIndex: first, sessions: this.sessions}, readyTimeoutMs + 60_000);
				first += count;
				return req;
			}),
		]);
		// PUB/SUB drops what is published before a subscription reaches the hub (the slow
		// joiner): send warm-up lines until every subscriber has had one.
		await this.sendWorker.request({op: 'warmup', everyMs: 10});
		try {
			await Promise.all(this.subWorkers.map(w => w.request({op: 'ready', timeoutMs: readyTimeoutMs}, readyTimeoutMs + 5000)));
		} finally {
			await this.sendWorker.request({op: 'stopWarmup'});
		}
	}

	async start(latency: boolean): Promise<void> {
		await Promise.all(this.subWorkers.map(w => w.request({op: 'start', latency})));
	}

	send(req: {mode: 'max' | 'rate'; durationMs: number; rate: number; window: number; ackLatency: boolean; style?: SenderStyle}): Promise<SendResult> {
		return this.sendWorker.request<SendResult>({op: 'send', ...req}, req.durationMs + 60_000);
	}

	collect(expected: readonly SenderTally[], quietMs: number): Promise<CollectResult[]> {
		return Promise.all(this.subWorkers.map(w => w.request<CollectResult>({op: 'collect', expected, quietMs, deadlineMs: 30_000}, 40_000)));
	}

	sample(): Samples {
		const at = nowUs();
		return {
			machine: sampleMachine(),
			hub: this.target.pid === undefined ? undefined : sampleProc(this.target.pid, at),
			senders: [sampleProc(this.sendWorker.pid, at)],
			subscribers: this.subWorkers.map(w => sampleProc(w.pid, at)),
		};
	}

	async close(): Promise<void> {
		await Promise.all([this.sendWorker, ...this.subWorkers].map(w => w.close()));
	}
}

interface Samples {
	readonly machine: MachineSample | undefined;
	readonly hub: ProcSample | undefined;
	readonly senders: ReadonlyArray<ProcSample | undefined>;
	readonly subscribers: ReadonlyArray<ProcSample | undefined>;
}

function resources(a: Samples, b: Samples): Resources {
	const uses = (xs: ReadonlyArray<ProcSample | undefined>, ys: ReadonlyArray<ProcSample | undefined>) =>
		sumCpu(xs.flatMap((x, i) => (x && ys[i] ? [cpuBetween(x, ys[i]!)] : [])));
	const hub = a.hub && b.hub ? cpuBetween(a.hub, b.hub) : undefined;
	const senders = uses(a.senders, b.senders);
	const subscribers = uses(a.subscribers, b.subscribers);
	const busy = a.machine && b.machine ? b.machine.busyMs - a.machine.busyMs : NaN;
	return {
		...(hub && b.hub ? {hub: {...hub, rssMb: b.hub.rssKb / 1024, peakRssMb: b.hub.peakRssKb / 1024}} : {}),
		senders,
		subscribers,
		// A hub elsewhere (no pid) counts as "others" here only when it runs on this machine.
		othersMs: Math.max(0, busy - (hub?.totalMs ?? 0) - senders.totalMs - subscribers.totalMs),
	};
}

function delivery(sent: SendResult, collected: readonly CollectResult[]): Delivery {
	const subs = collected.flatMap(c => c.subscribers);
	const errors: Record<string, number> = {};
	for (const s of sent.senders) for (const [code, n] of Object.entries(s.errors)) errors[code] = (errors[code] ?? 0) + n;
	return {
		messages: sent.senders.reduce((n, s) => n + s.acked, 0),
		lost: subs.reduce((n, s) => n + s.lost, 0),
		duplicated: subs.reduce((n, s) => n + s.duplicates, 0),
		repaired: subs.reduce((n, s) => n + s.repaired, 0),
		unacked: sent.senders.reduce((n, s) => n + s.sent - s.acked, 0),
		errors,
	};
}

/** K senders as fast as the hub lets them (zchat: a window of unacked says each) × M subscribers. */
export async function throughput(target: RunningTarget, o: ThroughputOptions): Promise<ThroughputResult> {
	const rig = new Rig(target, o.senders, o.subscribers, o.subscriberProcs, false, o.nice);
	try {
		await rig.connect(15_000);
		await rig.start(false);
		const before = rig.sample();
		const sent = await rig.send({mode: 'max', durationMs: o.durationMs, rate: 0, window: o.window, ackLatency: false, ...(o.style ? {style: o.style} : {})});
		const collected = await rig.collect(sent.senders, 750);
		const after = rig.sample();
		const d = delivery(sent, collected);
		const end = Math.max(sent.lastAckUs, ...collected.map(c => c.lastRecvUs));
		const seconds = (end - sent.firstSendUs) / 1e6;
		const res = resources(before, after);
		return {
			...d,
			senders: o.senders,
			subscribers: o.subscribers,
			msgPerSec: d.messages / seconds,
			seconds,
			resources: res,
			hubCpuUsPerMsg: res.hub ? (res.hub.totalMs * 1000) / d.messages : NaN,
		};
	} finally {
		await rig.close();
	}
}

/** One sender at a fixed rate, end-to-end latency at the subscribers and (zchat) say → ack at the sender. */
export async function latency(target: RunningTarget, o: LatencyOptions): Promise<LatencyResult> {
	const rig = new Rig(target, 1, o.subscribers, o.subscribers, false, o.nice);
	try {
		await rig.connect(15_000);
		await rig.start(true);
		const before = rig.sample();
		const sent = await rig.send({mode: 'rate', durationMs: o.durationMs, rate: o.rate, window: o.window, ackLatency: true});
		const collected = await rig.collect(sent.senders, 1000);
		const after = rig.sample();
		const e2e = collected.flatMap(c => c.latencyUs);
		const [p50, p99, p999] = percentiles(e2e, [50, 99, 99.9]).map(us => us / 1000);
		const [a50, a99] = target.kind === 'zchat' ? percentiles(sent.ackLatencyUs, [50, 99]).map(us => us / 1000) : [NaN, NaN];
		const total = sent.senders.reduce((n, s) => n + s.sent, 0);
		return {
			...delivery(sent, collected),
			rate: o.rate,
			sentPerSec: total / ((sent.lastSendUs - sent.firstSendUs) / 1e6),
			p50Ms: p50!,
			p99Ms: p99!,
			p999Ms: p999!,
			samples: e2e.length,
			ackP50Ms: a50!,
			ackP99Ms: a99!,
			resources: resources(before, after),
		};
	} finally {
		await rig.close();
	}
}

/** N idle clients (for zchat, each with a session); probes sent one at a time; how long until all have each. */
export async function fanout(target: RunningTarget, o: FanoutOptions): Promise<FanoutResult> {
	const rig = new Rig(target, 1, o.clients, o.procs, true, o.nice);
	try {
		const t0 = nowUs();
		await rig.connect(60_000);
		const setupSeconds = (nowUs() - t0) / 1e6;
		await rig.start(true);
		const before = rig.sample();
		const sent = await rig.send({mode: 'rate', durationMs: (o.probes / o.probeRate) * 1000, rate: o.probeRate, window: 64, ackLatency: false});
		const collected = await rig.collect(sent.senders, 2000);
		const after = rig.sample();
		const all = collected.flatMap(c => c.latencyUs);
		const [p50, p99, max] = percentiles(all, [50, 99, 100]).map(us => us / 1000);
		const slowest = new Map<string, number>();
		for (const c of collected) for (const [k, us] of Object.entries(c.slowestUs)) slowest.set(k, Math.max(us, slowest.get(k) ?? 0));
		const [allMedian] = percentiles([...slowest.values()], [50]).map(us => us / 1000);
		return {
			...delivery(sent, collected),
			clients: o.clients,
			idleRssMb: before.hub ? before.hub.rssKb / 1024 : NaN,
			p50Ms: p50!,
			p99Ms: p99!,
			maxMs: max!,
			allMedianMs: allMedian!,
			probes: slowest.size,
			setupSeconds,
			resources: resources(before, after),
		};
	} finally {
		await rig.close();
	}
}

/** n split into k nearly equal whole parts. */
function split(n: number, k: number): number[] {
	return Array.from({length: k}, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}
