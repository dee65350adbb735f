/**
 * What the bench suite measures, and its defaults: light enough for the CLI to read when it
 * builds its options (the suite itself is loaded only when a bench runs).
 */
import {DEFAULT_WINDOW} from '../client/state.js';

export interface SuiteSettings {
	readonly rounds: number;
	/** K senders × M subscribers for the throughput runs. */
	readonly configs: ReadonlyArray<{readonly senders: number; readonly subscribers: number}>;
	/** Of those, the ones also measured with spec-style bots (a message a command). */
	readonly botConfigs: ReadonlyArray<{readonly senders: number; readonly subscribers: number}>;
	readonly throughputMs: number;
	/**
	 * Before each throughput or latency measurement, the same load runs this long on the same
	 * target, unmeasured: a hub that has run a while has its code compiled, and the first
	 * second of a fresh Node process goes to V8's compilers (0: measure it cold).
	 */
	readonly warmupMs: number;
	/** Fixed rates (msg/s) for the latency runs. */
	readonly rates: readonly number[];
	/** Each latency run lasts this long, or long enough for 300 samples at its rate. */
	readonly latencyMs: number;
	/** Idle clients for the fan-out run; 0 skips it. */
	readonly clients: number;
	readonly probes: number;
	/** Unacked says in flight per sender. */
	readonly window: number;
	/** Processes the throughput subscribers are spread over. */
	readonly subscriberProcs: number;
	/** Niceness of the load generator in the throughput runs (latency and fan-out runs use 0). */
	readonly nice: number;
}

export const DEFAULT_SETTINGS: SuiteSettings = {
	rounds: 3,
	configs: [
		{senders: 1, subscribers: 1},
		{senders: 4, subscribers: 4},
		{senders: 8, subscribers: 32},
	],
	botConfigs: [
		{senders: 1, subscribers: 1},
		{senders: 4, subscribers: 4},
	],
	throughputMs: 1500,
	warmupMs: 1000,
	rates: [100, 1000, 10_000],
	latencyMs: 1500,
	clients: 1000,
	probes: 15,
	window: DEFAULT_WINDOW,
	subscriberProcs: 2,
	nice: 10,
};
