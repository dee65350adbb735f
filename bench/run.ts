/**
 * `npm run bench`: the whole suite on this machine. For every measurement it starts a fresh
 * process — the real `zchat hub` (history on disk in a temporary directory) or a bare
 * zeromq.js forwarder (unbatched or batched) — drives it with load-generator processes,
 * and stops it. Prints the table (or --json), and writes the JSON to bench/results/.
 *
 *   npm run bench                      # 3 rounds, ~4 minutes on 2 cores
 *   npm run bench -- --quick           # one short round
 *   npm run bench -- --rounds 5 --json
 *   npm run bench -- --relay-subscribers 3000   # the relay fan-out row at 3000 (0 skips it)
 */
import {execFile} from 'node:child_process';
import {existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Command, CommanderError, Option} from '@commander-js/extra-typings';
import {ZchatError} from '../src/errors.js';
import {failedMeasurements, formatReport} from '../src/bench/report.js';
import {runSuite, type SuiteResult, type TuiFigures, type TuiSizeFigures} from '../src/bench/suite.js';
import type {TuiBenchResult} from './tui.js';
import {spawnForwarder} from '../src/bench/targets.js';
import {spawnHubTarget} from './hub-target.js';
import {settingsFrom, suiteOptions, type SuiteFlags} from '../src/cli/bench-command.js';
import {parseCount} from '../src/cli/options.js';
import {measureRelayFanout} from './relay-bench.js';

/** The relay fan-out row: subscribers and says (and with --quick), over this many relays. */
const RELAY = {subscribers: 1000, quickSubscribers: 60, messages: 1000, quickMessages: 200, relays: 3};

const RESULTS = fileURLToPath(new URL('../../bench/results/', import.meta.url));
const TUI_BENCH = fileURLToPath(new URL('./tui.js', import.meta.url));

const program = new Command('npm run bench')
	.description('the zchat benchmark suite: the zchat hub against bare zeromq.js forwarders, on this machine')
	.addOption(new Option('--no-save', `do not write the JSON result to ${RESULTS}`))
	.addOption(
		new Option('--relay-subscribers <n>', `subscribers of the relay fan-out row: on the hub directly, then over ${RELAY.relays} relays (0 skips it; --quick: ${RELAY.quickSubscribers})`)
			.default(RELAY.subscribers)
			.argParser(parseCount(0, 5000)),
	)
	.showHelpAfterError()
	.exitOverride()
	.action(async (opts, command) => {
		const flags = command.opts() as unknown as SuiteFlags;
		const settings = settingsFrom(flags, name => command.getOptionValueSource(name) === 'cli');
		const log = (line: string) => process.stderr.write(line + '\n');
		const result = await runSuite(
			{
				forwarder: {start: () => spawnForwarder(false)},
				'forwarder-batched': {start: () => spawnForwarder(true)},
				zchat: {start: () => spawnHubTarget()},
			},
			settings,
			'each measurement on a fresh zchat hub (history on disk) / forwarder',
			log,
		);
		const quick = flags.quick === true;
		const relaySubscribers = quick && command.getOptionValueSource('relaySubscribers') !== 'cli' ? RELAY.quickSubscribers : opts.relaySubscribers;
		if (relaySubscribers > 0) {
			result.relayFanout = await measureRelayFanout(
				{subscribers: relaySubscribers, relays: RELAY.relays, messages: quick ? RELAY.quickMessages : RELAY.messages, rounds: settings.rounds},
				log,
			);
		}
		result.tui = await tuiFigures(quick, log);
		if (opts.save) save(result, log);
		process.stdout.write(flags.json ? JSON.stringify(result, null, 2) + '\n' : formatReport(result));
		const failed = failedMeasurements(result).length;
		if (failed > 0) throw new ZchatError(`${failed} measurement${failed === 1 ? '' : 's'} failed (see above): the bench itself needs a look`);
	});

/**
 * The TUI benchmark is bench/tui.ts: run it (`node dist/bench/tui.js --json`, it needs tmux)
 * at the three terminal sizes and put a row per size in the table; if it fails, the table says
 * they were not measured.
 */
async function tuiFigures(quick: boolean, log: (line: string) => void): Promise<TuiFigures | null> {
	if (!existsSync(TUI_BENCH)) return null;
	log('TUI: measuring zchat join at 100×30, 120×40 and 200×60 (bench/tui.ts)…');
	const args = [TUI_BENCH, '--json', '--no-line-mode', ...(quick ? ['--runs', '1', '--seconds', '3', '--sizes', '100x30'] : ['--runs', '3', '--seconds', '20'])];
	const out = await new Promise<{code: number | null; stdout: string; stderr: string}>(resolve => {
		execFile(process.execPath, args, {timeout: 600_000, maxBuffer: 1 << 20}, (err, stdout, stderr) =>
			resolve({code: err ? ((err as {code?: number}).code ?? 1) : 0, stdout, stderr}),
		);
	});
	try {
		if (out.code !== 0) throw new Error(`exit ${out.code}: ${out.stderr.trim().slice(-300)}`);
		const r = JSON.parse(out.stdout.trim().split('\n').pop()!) as Partial<TuiBenchResult>;
		if (!Array.isArray(r.rows) || r.rows.length === 0) throw new Error(`unexpected output: ${out.stdout.slice(0, 300)}`);
		const sizes: TuiSizeFigures[] = r.rows.map(row => ({
			columns: row.terminal.columns,
			rows: row.terminal.rows,
			firstFrameMs: row.firstFrameMs.median,
			cpuPercent: row.cpuPercent.median,
			rssPeakMb: row.rssPeakMiB,
			rssLowMb: row.rssLowSecondHalfMiB,
		}));
		return {rate: median(r.rows.map(row => row.achievedRate)), seconds: r.seconds ?? NaN, sizes};
	} catch (err) {
		log(`TUI: the TUI benchmark failed, its figures are left out: ${(err as Error).message}`);
		return null;
	}
}

function median(xs: readonly number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[s.length >> 1]!;
}

function save(result: SuiteResult, log: (line: string) => void): void {
	try {
		mkdirSync(RESULTS, {recursive: true});
		const json = JSON.stringify(result, null, 2) + '\n';
		writeFileSync(`${RESULTS}${result.startedAt.replace(/[:.]/g, '-')}.json`, json);
		writeFileSync(`${RESULTS}latest.json`, json);
		log(`saved bench/results/latest.json`);
	} catch (err) {
		log(`could not save the result in ${RESULTS}: ${(err as Error).message}`);
	}
}

for (const o of suiteOptions()) program.addOption(o);

try {
	await program.parseAsync(process.argv.slice(2), {from: 'user'});
} catch (err) {
	if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
	if (err instanceof ZchatError) {
		process.stderr.write(`bench: ${err.message}\n`);
		process.exit(err.exitCode);
	}
	throw err;
}
