import {existsSync} from 'node:fs';
import {Command, InvalidArgumentError, Option} from '@commander-js/extra-typings';
import {ZchatError} from '../errors.js';
import {DEFAULT_SETTINGS, type SuiteSettings} from '../bench/settings.js';
import type {Variant, VariantName} from '../bench/suite.js';
import {hubAddressOptions, parseCount, parseSeconds} from './options.js';

/** "1x1,4x4,8x32" → K senders × M subscribers. */
export function parseConfigs(value: string): Array<{senders: number; subscribers: number}> {
	return value.split(',').map(part => {
		const m = /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/.exec(part);
		const senders = Number(m?.[1]);
		const subscribers = Number(m?.[2]);
		if (!m || senders < 1 || senders > 64 || subscribers < 1 || subscribers > 256) {
			throw new InvalidArgumentError(`"${part}" is not KxM with 1–64 senders and 1–256 subscribers (e.g. 1x1,4x4,8x32).`);
		}
		return {senders, subscribers};
	});
}

/** "100,1000,10000" → rates in msg/s. */
export function parseRates(value: string): number[] {
	return value.split(',').map(part => {
		const n = Number(part.trim());
		if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError(`"${part}" is not a rate from 1 to 100000 msg/s (e.g. 100,1000,10000).`);
		return n;
	});
}

/** The options `zchat bench` and `npm run bench` share: what to measure and how long (read back as SuiteFlags). */
export function suiteOptions(): Option[] {
	const d = DEFAULT_SETTINGS;
	return [
		new Option('--rounds <n>', 'rounds, interleaved; figures are medians over them').default(d.rounds).argParser(parseCount(1, 50)),
		new Option('--quick', 'one short round of smaller runs (a check, not a measurement)'),
		new Option('--configs <list>', 'K senders × M subscribers for the throughput runs').default(d.configs, '1x1,4x4,8x32').argParser(parseConfigs),
		new Option('--rates <list>', 'fixed rates for the latency runs, msg/s').default(d.rates, '100,1000,10000').argParser(parseRates),
		new Option('--clients <n>', 'idle clients for the fan-out run (0 skips it)').default(d.clients).argParser(parseCount(0, 10_000)),
		new Option('--duration <seconds>', 'length of each throughput run').default(d.throughputMs, String(d.throughputMs / 1000)).argParser(parseSeconds(0.2, 600)),
		new Option('--warmup <seconds>', 'an unmeasured run of the same load on the same target before each throughput and latency measurement (0: measure cold)').default(d.warmupMs, String(d.warmupMs / 1000)).argParser(parseSeconds(0, 600)),
		new Option('--window <n>', 'unacked says in flight per sender (the zchat client keeps 256)').default(d.window).argParser(parseCount(1, 100_000)),
		new Option('--nice <n>', "the load generator's niceness in the throughput runs, so that on few cores the hub gets the CPU it asks for").default(d.nice).argParser(parseCount(0, 19)),
		new Option('--json', 'print the result as JSON instead of the table'),
	] as unknown as Option[];
}

export interface SuiteFlags {
	json?: true;
	rounds: number;
	quick?: true;
	configs: Array<{senders: number; subscribers: number}>;
	rates: number[];
	clients: number;
	duration: number;
	warmup: number;
	window: number;
	nice: number;
}

/** Settings from the shared options; --quick shrinks whatever was not given explicitly. */
export function settingsFrom(flags: SuiteFlags, given: (name: string) => boolean): SuiteSettings {
	const quick = flags.quick === true;
	const pick = <T>(name: string, value: T, quickValue: T): T => (quick && !given(name) ? quickValue : value);
	return {
		...DEFAULT_SETTINGS,
		rounds: pick('rounds', flags.rounds, 1),
		configs: pick('configs', flags.configs, [
			{senders: 1, subscribers: 1},
			{senders: 4, subscribers: 4},
		]),
		throughputMs: pick('duration', flags.duration, 1000),
		warmupMs: pick('warmup', flags.warmup, 300),
		rates: pick('rates', flags.rates, [100, 1000]),
		latencyMs: quick ? 1000 : DEFAULT_SETTINGS.latencyMs,
		clients: pick('clients', flags.clients, 100),
		probes: quick ? 5 : DEFAULT_SETTINGS.probes,
		window: flags.window,
		nice: flags.nice,
	};
}

export function makeBenchCommand(): Command<[], Record<string, unknown>> {
	const [host, sub, pub] = hubAddressOptions(false);
	const base = new Command('bench')
		.description('measure a running hub: throughput, latency, durable acks, loss, and a thousand idle clients')
		.addOption(host)
		.addOption(sub)
		.addOption(pub);
	for (const o of suiteOptions()) base.addOption(o);
	const cmd = base
		.addOption(new Option('--hub-pid <pid>', "the hub's process id, to report its CPU and memory (same machine only)").argParser(parseCount(1, 4_194_304)))
		.addOption(new Option('--baseline', 'also measure bare zeromq.js forwarders on this machine and report ratios to them (a hub on this machine only)'))
		.addHelpText(
			'after',
			`
It writes into the hub: each run says its lines in a fresh room "bench-…" under nicks
"b…", which stay in the hub's history, and ends its sessions with bye. The hub must run
with --rate-limit off: its flood limit would refuse nearly every line (bench says so).

Examples:
  $ zchat hub --rate-limit off --memory &         # a hub to measure
  $ zchat bench                                   # the hub on 127.0.0.1:5555/5556
  $ zchat bench --quick --clients 0               # a quick look
  $ zchat bench --hub-pid $(pgrep -f 'zchat hub') --baseline --json > result.json
  $ npm run bench                                 # the whole suite with its own hubs`,
		)
		.action(async (opts, command) => {
			const flags = command.opts() as unknown as SuiteFlags;
			const settings = settingsFrom(flags, name => command.getOptionValueSource(name) === 'cli' || command.getOptionValueSource(name) === 'env');
			const address = {host: opts.host, subPort: opts.sub, pubPort: opts.pub};
			if (opts.hubPid !== undefined && !existsSync(`/proc/${opts.hubPid}/status`)) {
				throw new ZchatError(`there is no process ${opts.hubPid} on this machine to read the hub's CPU and memory from: pass the hub's pid, or leave --hub-pid out`, 2);
			}
			// The suite is loaded when a bench runs, not with the CLI.
			const [{checkHub}, {failedMeasurements, formatReport}, {runSuite}, {spawnForwarder}] = await Promise.all([
				import('../bench/reach.js'),
				import('../bench/report.js'),
				import('../bench/suite.js'),
				import('../bench/targets.js'),
			]);
			await checkHub(address);
			const variants: Partial<Record<VariantName, Variant>> = {
				zchat: {start: async () => ({kind: 'zchat', address, ...(opts.hubPid === undefined ? {} : {pid: opts.hubPid}), stop: async () => {}})},
			};
			if (opts.baseline) {
				variants.forwarder = {start: () => spawnForwarder(false)};
				variants['forwarder-batched'] = {start: () => spawnForwarder(true)};
			}
			const log = (line: string) => process.stderr.write(line + '\n');
			const result = await runSuite(variants, settings, `hub at ${opts.host}:${opts.sub}/${opts.pub}`, log);
			process.stdout.write(flags.json ? JSON.stringify(result, null, 2) + '\n' : formatReport(result));
			const failed = failedMeasurements(result).length;
			if (failed > 0) throw new ZchatError(`${failed} measurement${failed === 1 ? '' : 's'} failed (see above)`);
		});
	return cmd as unknown as Command<[], Record<string, unknown>>;
}
