import {createRequire} from 'node:module';
import {cpus, release} from 'node:os';
import * as zmq from 'zeromq';
import {VERSION} from '../version.js';
import {fanout, latency, throughput, type FanoutResult, type LatencyResult, type RunningTarget, type ThroughputResult} from './scenarios.js';
import {median} from './stats.js';
import type {SuiteSettings} from './settings.js';
import type {RelayFanoutFigures} from './relay-report.js';

export {DEFAULT_SETTINGS, type SuiteSettings} from './settings.js';

/**
 * The bench suite: every scenario against every variant, in rounds, with the variants'
 * order rotated each round so that none always runs first (or always on a warm machine).
 * Figures are the median over rounds; lost and duplicated lines are summed over rounds.
 */

/**
 * What is measured: two bare forwarders (the baselines) and the zchat hub, the hub once more
 * with spec-style bots (a message a command, as PROTOCOL.md's bot sends) in some throughput rows.
 */
export type VariantName = 'forwarder' | 'forwarder-batched' | 'zchat' | 'zchat-bots';

export const VARIANT_LABEL: Readonly<Record<VariantName, string>> = {
	forwarder: 'bare forwarder',
	'forwarder-batched': 'batched forwarder',
	zchat: 'zchat hub',
	'zchat-bots': 'zchat hub, spec-style bots',
};

/** A variant the suite can start afresh for each measurement (and stop after it). */
export interface Variant {
	start(): Promise<RunningTarget & {stop(): Promise<void>}>;
}


/** A measurement's rounds, their medians, or the error that stopped it. */
export interface Cell<T> {
	readonly rounds: T[];
	readonly errors: string[];
	/** Medians of every figure over the rounds (lost, duplicated and unacked: sums). */
	median?: T;
}

export type Cells<T> = Partial<Record<VariantName, Cell<T>>>;

/** What the TUI benchmark (bench/tui.ts) reports, for the table. */
export interface TuiFigures {
	/** The rate the senders reached, msg/s, and for how long, s (medians). */
	readonly rate: number;
	readonly seconds: number;
	/** One row per terminal size. */
	readonly sizes: readonly TuiSizeFigures[];
}

/** The TUI at one terminal size (medians of the bench's rounds). */
export interface TuiSizeFigures {
	readonly columns: number;
	readonly rows: number;
	/** From starting `zchat join` to its first frame, ms. */
	readonly firstFrameMs: number;
	/** CPU of the TUI process while its room gets ~1000 msg/s, % of one core. */
	readonly cpuPercent: number;
	/** Its peak RSS (VmHWM), and the lowest RSS in the second half of the load (a leak lifts it), MB. */
	readonly rssPeakMb: number;
	readonly rssLowMb: number;
}

export interface SuiteResult {
	readonly version: 1;
	readonly startedAt: string;
	seconds: number;
	readonly machine: Machine;
	readonly settings: SuiteSettings;
	/** The hub measured: spawned by the suite, or one already running (zchat bench --host …). */
	readonly hub: string;
	readonly throughput: Array<{readonly senders: number; readonly subscribers: number; readonly cells: Cells<ThroughputResult>}>;
	readonly latency: Array<{readonly rate: number; readonly cells: Cells<LatencyResult>}>;
	readonly fanout?: {readonly clients: number; readonly cells: Cells<FanoutResult>};
	/** Filled by the TUI benchmark (bench/tui.ts) when it is there. */
	tui: TuiFigures | null;
	/** Filled by `npm run bench` (bench/relay-bench.ts): one hub's subscribers directly against over relays. */
	relayFanout?: RelayFanoutFigures;
}

export interface Machine {
	readonly cores: number;
	readonly cpu: string;
	readonly node: string;
	readonly zeromq: string;
	readonly libzmq: string;
	readonly os: string;
	readonly zchat: string;
}

export function machine(): Machine {
	const list = cpus();
	return {
		cores: list.length,
		cpu: list[0]?.model.trim() ?? 'unknown',
		node: process.version,
		zeromq: zeromqVersion(),
		libzmq: zmq.version,
		os: `${process.platform} ${release()}`,
		zchat: VERSION,
	};
}

function zeromqVersion(): string {
	try {
		return (createRequire(import.meta.url)('zeromq/package.json') as {version: string}).version;
	} catch {
		return 'unknown';
	}
}

/**
 * Run the suite. `log` gets a line per measurement as it finishes (progress for a person
 * watching; the result is what counts).
 */
export async function runSuite(
	variants: Partial<Record<VariantName, Variant>>,
	settings: SuiteSettings,
	hub: string,
	log: (line: string) => void = () => {},
): Promise<SuiteResult> {
	const t0 = Date.now();
	const result: SuiteResult = {
		version: 1,
		startedAt: new Date(t0).toISOString(),
		seconds: 0,
		machine: machine(),
		settings,
		hub,
		throughput: settings.configs.map(c => ({...c, cells: {}})),
		latency: settings.rates.map(rate => ({rate, cells: {}})),
		...(settings.clients > 0 ? {fanout: {clients: settings.clients, cells: {}}} : {}),
		tui: null,
	};
	const have = (names: readonly VariantName[]) => names.filter(n => variants[n] !== undefined);
	// Niceness only where the load generator and the hub compete for the cores (throughput).
	// At a fixed low rate nothing of ours is short of CPU, and a niced subscriber would only
	// wait behind other people's processes on a shared machine.
	const load = {nice: settings.nice};
	const unhurried = {nice: 0};

	for (let round = 0; round < settings.rounds; round++) {
		const tag = `round ${round + 1}/${settings.rounds}`;
		for (const row of result.throughput) {
			const bots = variants.zchat !== undefined && settings.botConfigs.some(c => c.senders === row.senders && c.subscribers === row.subscribers);
			for (const name of rotate([...have(['forwarder', 'forwarder-batched', 'zchat']), ...(bots ? (['zchat-bots'] as const) : [])], round)) {
				const variant = name === 'zchat-bots' ? variants.zchat! : variants[name]!;
				const run = (t: RunningTarget, durationMs: number) =>
					throughput(t, {...load, senders: row.senders, subscribers: row.subscribers, durationMs, window: settings.window, subscriberProcs: settings.subscriberProcs, ...(name === 'zchat-bots' ? {style: 'spec' as const} : {})});
				await measure(row.cells, name, variant, async t => {
					if (settings.warmupMs > 0) await run(t, settings.warmupMs);
					return run(t, settings.throughputMs);
				},
				r => `${tag} · throughput ${row.senders}×${row.subscribers} · ${VARIANT_LABEL[name]}: ${fmtInt(r.msgPerSec)} msg/s, lost ${r.lost}, duplicated ${r.duplicated}`, log);
			}
		}
		for (const row of result.latency) {
			const durationMs = Math.max(settings.latencyMs, (300 / row.rate) * 1000);
			for (const name of rotate(have(['forwarder', 'zchat']), round)) {
				const run = (t: RunningTarget, ms: number) => latency(t, {...unhurried, rate: row.rate, durationMs: ms, subscribers: 1, window: settings.window});
				await measure(row.cells, name, variants[name]!, async t => {
					if (settings.warmupMs > 0) await run(t, settings.warmupMs);
					return run(t, durationMs);
				},
				r => `${tag} · latency at ${fmtInt(row.rate)} msg/s · ${VARIANT_LABEL[name]}: p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms${Number.isFinite(r.ackP99Ms) ? `, ack p99 ${r.ackP99Ms.toFixed(2)} ms` : ''}`, log);
			}
		}
		if (result.fanout) {
			const f = result.fanout;
			for (const name of rotate(have(['forwarder', 'zchat']), round)) {
				await measure(f.cells, name, variants[name]!, t => fanout(t, {...unhurried, clients: f.clients, probes: settings.probes, probeRate: 10, procs: 2}),
				r => `${tag} · ${f.clients} idle clients · ${VARIANT_LABEL[name]}: RSS ${r.idleRssMb.toFixed(0)} MB, p99 ${r.p99Ms.toFixed(1)} ms`, log);
			}
		}
	}
	for (const row of [...result.throughput, ...result.latency, ...(result.fanout ? [result.fanout] : [])]) {
		for (const cell of Object.values(row.cells as Cells<object>)) if (cell.rounds.length > 0) cell.median = combine(cell.rounds);
	}
	result.seconds = (Date.now() - t0) / 1000;
	return result;
}

async function measure<T>(
	cells: Cells<T>,
	name: VariantName,
	variant: Variant,
	run: (target: RunningTarget) => Promise<T>,
	describe: (r: T) => string,
	log: (line: string) => void,
): Promise<void> {
	const cell = (cells[name] ??= {rounds: [], errors: []});
	try {
		const target = await variant.start();
		try {
			const r = await run(target);
			cell.rounds.push(r);
			log(describe(r));
		} finally {
			await target.stop();
		}
	} catch (err) {
		const message = err instanceof Error ? err.message : String(err);
		cell.errors.push(message);
		log(`${VARIANT_LABEL[name]}: failed: ${message}`);
	}
}

const SUMMED = new Set(['lost', 'duplicated', 'unacked']);

/** Medians of every numeric field over the rounds (recursively), sums for lost/duplicated/unacked, error counts added up. */
export function combine<T>(rounds: readonly T[]): T {
	const first = rounds[0] as Record<string, unknown>;
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(first)) {
		const values = rounds.map(r => (r as Record<string, unknown>)[key]);
		if (typeof values[0] === 'number') {
			const nums = values as number[];
			out[key] = SUMMED.has(key) ? nums.reduce((a, b) => a + b, 0) : median(nums);
		} else if (key === 'errors') {
			const sum: Record<string, number> = {};
			for (const v of values as Array<Record<string, number>>) for (const [k, n] of Object.entries(v)) sum[k] = (sum[k] ?? 0) + n;
			out[key] = sum;
		} else if (values[0] !== null && typeof values[0] === 'object' && !Array.isArray(values[0])) {
			out[key] = values.every(v => v !== undefined) ? combine(values) : values[0];
		} else {
			out[key] = values[0];
		}
	}
	return out as T;
}

function rotate<T>(list: readonly T[], by: number): T[] {
	if (list.length === 0) return [];
	const k = by % list.length;
	return [...list.slice(k), ...list.slice(0, k)];
}

export function fmtInt(n: number): string {
	return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';
}
