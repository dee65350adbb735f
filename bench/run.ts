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
import {mkdirSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Command, CommanderError, Option} from '@commander-js/extra-typings';
import {ZchatError} from '../src/errors.js';
import {formatReport} from '../src/bench/report.js';
import {runSuite, type SuiteResult, type TuiFigures} from '../src/bench/suite.js';
import {spawnForwarder, spawnHub} from '../src/bench/targets.js';
import {settingsFrom, suiteOptions, type SuiteFlags} from '../src/cli/bench-command.js';

const RESULTS = fileURLToPath(new URL('../../bench/results/', import.meta.url));

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
				zchat: {start: () => spawnHub()},
			},
			settings,
			'each measurement on a fresh zchat hub (history on disk) / forwarder',
			log,
		);
		result.tui = await tuiFigures(log);
		if (opts.save) save(result, log);
		process.stdout.write(flags.json ? JSON.stringify(result, null, 2) + '\n' : formatReport(result));
	});

/**
 * The TUI benchmark lives in bench/tui.ts (written separately). When it is there it exports
 * `measureTui(): Promise<TuiFigures>`, and its figures join the table; until then the table
 * says they were not measured.
 */
async function tuiFigures(log: (line: string) => void): Promise<TuiFigures | null> {
	const path = './tui.js';
	let mod: {measureTui?: () => Promise<TuiFigures>};
	try {
		mod = (await import(path)) as typeof mod;
	} catch (err) {
		if ((err as {code?: string}).code === 'ERR_MODULE_NOT_FOUND') return null;
		throw err;
	}
	if (typeof mod.measureTui !== 'function') return null;
	log('TUI: measuring zchat join…');
	return mod.measureTui();
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
