/**
 * `npm run bench:profile`: where the zchat hub spends its time under load. Starts the real
 * `zchat hub` with V8's sampling profiler (node --cpu-prof), drives it with K senders × M
 * subscribers (4×4 by default) as fast as it acks, stops it, and sums the profile up: by
 * what the main thread was doing (receiving, decoding, storing, sending …) and by function.
 *
 *   npm run bench:profile
 *   npm run bench:profile -- --senders 1 --subscribers 1 --duration 5 --memory
 *   npm run bench:profile -- --rate 1000 --duration 10 --stalls 10   # one sender at a fixed rate, one subscriber; the longest stalls
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
import {latency, throughput, type ThroughputResult} from '../src/bench/scenarios.js';
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
	{name: 'storage: inserts, event JSON (Store.append)', test: (_, file) => /\/hub\/(store|event-log|stored-event|ban-list)\.js$/.test(file) || file.includes('better-sqlite3')},
	{name: 'command port: ZMTP reading, framing, replies written (front door)', test: (_, file) => /\/hub\/(front-door\/[a-z0-9-]+|command-port)\.js$/.test(file)},
	{name: 'zeromq send (the feed on PUB)', test: (_, file) => file.endsWith('/zmq/send-queue.js') || file.endsWith('zeromq/lib/index.js')},
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
	.addOption(new Option('--rate <n>', 'instead: one sender at this fixed rate (msg/s) to one subscriber, as the latency row').argParser(parseCount(1, 100_000)))
	.addOption(new Option('--bin <path>', "another checkout's built bin/zchat.js to profile instead of this one's"))
	.addOption(new Option('--bots', 'spec-style senders: a message a line, as the bot in PROTOCOL.md (default: 16-frame messages, as the client)'))
	.addOption(new Option('--interval <µs>', 'sampling interval').default(100).argParser(parseCount(10, 100_000)))
	.addOption(new Option('--top <n>', 'functions to list').default(25).argParser(parseCount(1, 1000)))
	.addOption(new Option('--stalls <n>', 'list the n longest busy stretches of the main thread, and what they were spent on').default(0).argParser(parseCount(0, 1000)))
	.action(async opts => {
		const dir = mkdtempSync(join(tmpdir(), 'zchat-profile-'));
		const hub = await spawnHubTarget({nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(opts.interval)], memory: opts.memory === true, ...(opts.bin === undefined ? {} : {bin: opts.bin})});
		let result: {messages: number; msgPerSec: number; lost: number; duplicated: number; resources: ThroughputResult['resources']; extra: string};
		try {
			if (opts.rate !== undefined) {
				const r = await latency(hub, {nice: 0, rate: opts.rate, durationMs: opts.duration, subscribers: 1, window: opts.window});
				const extra = `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, p99.9 ${r.p999Ms.toFixed(2)} ms (send → subscriber has it); ack p99 ${r.ackP99Ms.toFixed(2)} ms\n`;
				result = {messages: r.messages, msgPerSec: r.sentPerSec, lost: r.lost, duplicated: r.duplicated, resources: r.resources, extra};
			} else {
				const r = await throughput(hub, {senders: opts.senders, subscribers: opts.subscribers, durationMs: opts.duration, window: opts.window, subscriberProcs: 2, nice: 10, ...(opts.bots ? {style: 'spec' as const} : {})});
				result = {...r, extra: ''};
			}
		} finally {
			await hub.stop();
		}
		const file = readdirSync(dir).find(f => f.endsWith('.cpuprofile'));
		if (!file) throw new Error(`the hub wrote no profile in ${dir}`);
		const h = result.resources.hub!;
		const n = result.messages;
		const load = opts.rate !== undefined ? `1 sender at ${fmtInt(opts.rate)} msg/s × 1 subscriber` : `${opts.senders} senders × ${opts.subscribers} subscribers`;
		process.stdout.write(
			`Hub profile: ${load}, ${(opts.duration / 1000).toFixed(1)} s, history ${opts.memory ? 'in memory' : 'on disk'}\n` +
				`${fmtInt(n)} messages at ${fmtInt(result.msgPerSec)} msg/s, lost ${result.lost}, duplicated ${result.duplicated}\n` +
				result.extra +
				`hub CPU ${((h.totalMs * 1000) / n).toFixed(1)} µs/msg (${((100 * h.totalMs) / h.wallMs).toFixed(1)}% of a core): JS main thread ${((h.mainMs * 1000) / n).toFixed(1)}, libzmq I/O ${((h.zmqMs * 1000) / n).toFixed(1)}, other threads (GC helpers, libuv, checkpointer) ${((h.otherMs * 1000) / n).toFixed(1)}; runnable but waiting for a core ${h.waitMs.toFixed(0)} ms\n\n`,
		);
		const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
		process.stdout.write(summarize(profile, n, opts.top));
		if (opts.stalls > 0) process.stdout.write('\n' + stalls(profile, opts.stalls));
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

/**
 * The longest stretches of the main thread's samples with no idle one between them (it was
 * busy, or waiting for a core, all along), each with the functions it spent them in: what a
 * message that came meanwhile waited for. A gap between two samples much longer than the
 * interval is time the thread was off a core.
 */
function stalls(p: CpuProfile, count: number): string {
	const byId = new Map(p.nodes.map(n => [n.id, n]));
	const parent = new Map<number, number>();
	for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
	const label = (id: number) => {
		const {functionName, url, lineNumber} = byId.get(id)!.callFrame;
		const file = url.replace(/^file:\/\//, '');
		return `${functionName || '(anonymous)'}${file ? ` ${shortPath(file)}:${lineNumber + 1}` : ''}`;
	};
	/** A sample's function and the two calling it, for telling native calls (SQLite, write) apart. */
	const path = (id: number) => {
		const names = [label(id)];
		for (let at = parent.get(id); at !== undefined && names.length < 3; at = parent.get(at)) names.push(label(at));
		return names.join(' ← ');
	};
	const runs: Array<{startUs: number; us: number; longestGapUs: number; by: Map<string, number>}> = [];
	let run: (typeof runs)[number] | undefined;
	let t = 0;
	p.samples.forEach((id, i) => {
		const delta = p.timeDeltas[i] ?? 0;
		t += delta;
		if (byId.get(id)!.callFrame.functionName === '(idle)') {
			run = undefined;
			return;
		}
		if (!run) runs.push((run = {startUs: t - delta, us: 0, longestGapUs: 0, by: new Map()}));
		run.us += delta;
		run.longestGapUs = Math.max(run.longestGapUs, delta);
		const key = path(id);
		run.by.set(key, (run.by.get(key) ?? 0) + delta);
	});
	const longest = runs.sort((a, b) => b.us - a.us).slice(0, count);
	const lines = [`The ${longest.length} longest busy stretches of the main thread (no idle sample between), ms:`];
	for (const r of longest) {
		lines.push(`  ${(r.us / 1000).toFixed(2).padStart(7)} ms at ${(r.startUs / 1e6).toFixed(3)} s (longest gap between samples ${(r.longestGapUs / 1000).toFixed(2)} ms)`);
		for (const [k, us] of [...r.by].sort((a, b) => b[1] - a[1]).slice(0, 4)) lines.push(`      ${(us / 1000).toFixed(2).padStart(6)}  ${k}`);
	}
	const sorted = runs.map(r => r.us).sort((a, b) => a - b);
	const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000).toFixed(2);
	lines.push(`  ${runs.length} stretches: median ${at(0.5)} ms, p99 ${at(0.99)} ms, p99.9 ${at(0.999)} ms`);
	return lines.join('\n') + '\n';
}
