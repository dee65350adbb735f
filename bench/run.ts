/**
 * `npm run bench`: the whole suite on this machine. For every measurement it starts a fresh
 * process — the real `zchat hub` (history on disk in a temporary directory) or a bare
 * zeromq.js forwarder (unbatched or batched) — drives it with load-generator processes,
 * and stops it. Prints the table (or --json), and writes the JSON to bench/results/.
 *
 *   npm run bench                      # 3 rounds, ~4 minutes on 2 cores
 *   npm run bench -- --quick           # one short round
 *   npm run bench -- --rounds 5 --json
 */
import {execFile} from 'node:child_process';
import {existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Command, CommanderError, Option} from '@commander-js/extra-typings';
import {ZchatError} from '../src/errors.js';
import {failedMeasurements, formatReport} from '../src/bench/report.js';
import {runSuite, type SuiteResult, type TuiFigures} from '../src/bench/suite.js';
import {spawnForwarder} from '../src/bench/targets.js';
import {spawnHubTarget} from './hub-target.js';
import {settingsFrom, suiteOptions, type SuiteFlags} from '../src/cli/bench-command.js';

const RESULTS = fileURLToPath(new URL('../../bench/results/', import.meta.url));
const TUI_BENCH = fileURLToPath(new URL('./tui.js', import.meta.url));

const program = new Command('npm run bench')
	.description('the zchat benchmark suite: the zchat hub against bare zeromq.js forwarders, on this machine')
	.addOption(new Option('--no-save', `do not write the JSON result to ${RESULTS}`))
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
		result.tui = await tuiFigures(flags.quick === true, log);
		if (opts.save) save(result, log);
		process.stdout.write(flags.json ? JSON.stringify(result, null, 2) + '\n' : formatReport(result));
		const failed = failedMeasurements(result).length;
		if (failed > 0) throw new ZchatError(`${failed} measurement${failed === 1 ? '' : 's'} failed (see above): the bench itself needs a look`);
	});

/**
 * The TUI benchmark is bench/tui.ts, written separately: when it is in this checkout, run it
 * (`node dist/bench/tui.js --json`, it needs tmux) and put its figures in the table; until
 * then, and if it fails, the table says they were not measured.
 */
async function tuiFigures(quick: boolean, log: (line: string) => void): Promise<TuiFigures | null> {
	if (!existsSync(TUI_BENCH)) return null;
	log('TUI: measuring zchat join (bench/tui.ts)…');
	const args = [TUI_BENCH, '--json', ...(quick ? ['--runs', '1', '--seconds', '3'] : ['--seconds', '30'])];
	const out = await new Promise<{code: number | null; stdout: string; stderr: string}>(resolve => {
		execFile(process.execPath, args, {timeout: 180_000, maxBuffer: 1 << 20}, (err, stdout, stderr) =>
			resolve({code: err ? ((err as {code?: number}).code ?? 1) : 0, stdout, stderr}),
		);
	});
	try {
		if (out.code !== 0) throw new Error(`exit ${out.code}: ${out.stderr.trim().slice(-300)}`);
		const r = JSON.parse(out.stdout.trim().split('\n').pop()!) as {
			firstFrameMs?: {median?: number};
			load?: {achievedRate?: number; tuiCpuPercentOfOneCore?: number; tuiRssMiB?: number; tuiRssMiBLowFirstHalf?: number; tuiRssMiBLowSecondHalf?: number; seconds?: number};
		};
		const firstFrameMs = r.firstFrameMs?.median;
		const cpu = r.load?.tuiCpuPercentOfOneCore;
		if (typeof firstFrameMs !== 'number' || typeof cpu !== 'number') throw new Error(`unexpected output: ${out.stdout.slice(0, 300)}`);
		return {
			firstFrameMs,
			cpuPercentAt1000: cpu,
			...(typeof r.load?.achievedRate === 'number' ? {rate: r.load.achievedRate} : {}),
			...(typeof r.load?.seconds === 'number' ? {seconds: r.load.seconds} : {}),
			...(typeof r.load?.tuiRssMiB === 'number' ? {rssEndMb: r.load.tuiRssMiB} : {}),
			...(typeof r.load?.tuiRssMiBLowFirstHalf === 'number' && typeof r.load.tuiRssMiBLowSecondHalf === 'number'
				? {rssLowMb: [r.load.tuiRssMiBLowFirstHalf, r.load.tuiRssMiBLowSecondHalf] as const}
				: {}),
		};
	} catch (err) {
		log(`TUI: the TUI benchmark failed, its figures are left out: ${(err as Error).message}`);
		return null;
	}
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
