/**
 * `npm run bench:profile`: where the zchat hub spends its time under load. Starts the real
 * `zchat hub` with V8's sampling profiler (node --cpu-prof), drives it with K senders × M
 * subscribers (4×4 by default) as fast as it acks, stops it, and sums the profile up: by
 * what the main thread was doing (receiving, decoding, storing, sending …) and by function.
 *
 *   npm run bench:profile
 *   npm run bench:profile -- --senders 1 --subscribers 1 --duration 5 --memory
 *
 * Native work (libzmq's receive and send calls, SQLite) shows under the JavaScript function
 * that called it, which is how the categories below are told apart. The .cpuprofile file is
 * kept: open it in Chrome DevTools (Performance → Load profile) or VS Code for the flame chart.
 */
import {mkdtempSync, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Command, Option} from '@commander-js/extra-typings';
import {parseCount, parseSeconds} from '../src/cli/options.js';
import {throughput} from '../src/bench/scenarios.js';
import {spawnHubTarget} from './hub-target.js';
import {fmtInt} from '../src/bench/suite.js';

interface CpuProfile {
	nodes: Array<{id: number; callFrame: {functionName: string; url: string; lineNumber: number}; children?: number[]}>;
	samples: number[];
	timeDeltas: number[];
}

/** What a sample's own function says the main thread was doing. Order matters: first match wins. */
const CATEGORIES: ReadonlyArray<{name: string; test: (fn: string, file: string) => boolean}> = [
	{name: 'idle (waiting for input)', test: fn => fn === '(idle)'},
	{name: 'garbage collection', test: fn => fn === '(garbage collector)'},
	{name: 'storage: SQLite BEGIN/COMMIT (WAL write, checkpoints)', test: (_, file) => file.endsWith('better-sqlite3/lib/methods/transaction.js')},
	{name: 'storage: inserts, event JSON (Store.append)', test: (_, file) => /\/hub\/(store|ban-list)\.js$/.test(file) || file.includes('better-sqlite3')},
	{name: 'zeromq receive (ROUTER, one call per message)', test: (fn, file) => file.endsWith('zeromq/lib/index.js') && fn === 'next'},
	{name: 'zeromq send (acks on ROUTER, feed on PUB)', test: (_, file) => file.endsWith('/zmq/send-queue.js')},
	{name: 'decoding and validating commands (JSON.parse)', test: (_, file) => /\/protocol\/(codec|names|incoming|sanitize)\.js$/.test(file)},
	// core.js and the files cut from it (src/hub: the state machine, its handlers and what they share).
	{name: 'hub core (sessions, dedup, acks, outbox)', test: (_, file) => /\/hub\/(core|state|sessions|membership|mutes|flood|outbox|wording|lifecycle|rooms|messages|queries|moderation)\.js$/.test(file)},
	{name: 'hub transport glue (receive loop, flush scheduling)', test: (_, file) => file.endsWith('/hub/server.js')},
	{name: 'event loop, timers, promises (Node internals)', test: (_, file) => file.startsWith('node:') || /^(timers|async_hooks|task_queues|internal)/.test(file)},
];

const program = new Command('npm run bench:profile')
	.description("profile the zchat hub's main thread under load")
	.addOption(new Option('--senders <n>', 'senders').default(4).argParser(parseCount(1, 64)))
	.addOption(new Option('--subscribers <n>', 'subscribers').default(4).argParser(parseCount(1, 256)))
	.addOption(new Option('--duration <seconds>', 'how long to load the hub').default(5000, '5').argParser(parseSeconds(0.5, 600)))
	.addOption(new Option('--window <n>', 'unacked says in flight per sender').default(64).argParser(parseCount(1, 100_000)))
	.addOption(new Option('--memory', 'history in memory (tells storage costs from the rest)'))
	.addOption(new Option('--interval <µs>', 'sampling interval').default(100).argParser(parseCount(10, 100_000)))
	.addOption(new Option('--top <n>', 'functions to list').default(25).argParser(parseCount(1, 1000)))
	.action(async opts => {
		const dir = mkdtempSync(join(tmpdir(), 'zchat-profile-'));
		const hub = await spawnHubTarget({nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(opts.interval)], memory: opts.memory === true});
		let result;
		try {
			result = await throughput(hub, {senders: opts.senders, subscribers: opts.subscribers, durationMs: opts.duration, window: opts.window, subscriberProcs: 2, nice: 10});
		} finally {
			await hub.stop();
		}
		const file = readdirSync(dir).find(f => f.endsWith('.cpuprofile'));
		if (!file) throw new Error(`the hub wrote no profile in ${dir}`);
		const h = result.resources.hub!;
		const n = result.messages;
		process.stdout.write(
			`Hub profile: ${opts.senders} senders × ${opts.subscribers} subscribers, ${(opts.duration / 1000).toFixed(1)} s, history ${opts.memory ? 'in memory' : 'on disk'}\n` +
				`${fmtInt(n)} messages at ${fmtInt(result.msgPerSec)} msg/s, lost ${result.lost}, duplicated ${result.duplicated}\n` +
				`hub CPU ${(result.hubCpuUsPerMsg).toFixed(1)} µs/msg: JS main thread ${((h.mainMs * 1000) / n).toFixed(1)}, libzmq I/O ${((h.zmqMs * 1000) / n).toFixed(1)}, other threads (GC helpers, libuv) ${((h.otherMs * 1000) / n).toFixed(1)}\n\n`,
		);
		process.stdout.write(summarize(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, n, opts.top));
		process.stdout.write(`\nThe profile: ${join(dir, file)}\n(Chrome DevTools → Performance → Load profile, or open it in VS Code)\n`);
	});

/** The main thread's time by category and by function, in % of the profile and µs per message. */
function summarize(p: CpuProfile, messages: number, top: number): string {
	const byId = new Map(p.nodes.map(n => [n.id, n]));
	const self = new Map<number, number>();
	p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
	const total = [...self.values()].reduce((a, b) => a + b, 0);
	const cats = new Map<string, number>();
	const fns = new Map<string, number>();
	for (const [id, us] of self) {
		const {functionName, url, lineNumber} = byId.get(id)!.callFrame;
		const fn = functionName || '(anonymous)';
		const file = url.replace(/^file:\/\//, '');
		const cat = CATEGORIES.find(c => c.test(fn, file))?.name ?? 'other';
		cats.set(cat, (cats.get(cat) ?? 0) + us);
		const key = `${fn}  ${file ? `${shortPath(file)}:${lineNumber + 1}` : ''}`;
		fns.set(key, (fns.get(key) ?? 0) + us);
	}
	const row = (label: string, us: number) => `  ${(((100 * us) / total).toFixed(1) + '%').padStart(6)}  ${((us / messages).toFixed(2) + ' µs').padStart(9)}  ${label}`;
	const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
	return [
		`Main thread by activity (${(total / 1e6).toFixed(2)} s profiled; % of samples, µs per message):`,
		...sorted(cats).map(([k, us]) => row(k, us)),
		'',
		`Top ${top} functions by self time (native calls count in their caller):`,
		...sorted(fns).slice(0, top).map(([k, us]) => row(k, us)),
		'',
	].join('\n');
}

function shortPath(file: string): string {
	const i = file.lastIndexOf('/node_modules/');
	if (i >= 0) return file.slice(i + '/node_modules/'.length);
	const d = file.lastIndexOf('/dist/');
	return d >= 0 ? file.slice(d + '/dist/'.length) : file;
}

await program.parseAsync(process.argv.slice(2), {from: 'user'});
