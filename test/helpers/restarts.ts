/**
 * What the hub-restart tests share: CPU hogs on every core, a hub on data killed and
 * restarted, the issue 15 scenario (senders, an observer, restarts), and the audit of a
 * room's whole history read back page by page.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {availableParallelism} from 'node:os';
import type {FeedEvent, HistoryReply} from '../../src/protocol/types.js';
import {tcpEndpoint} from '../../src/zmq/endpoint.js';
import {spawnZchat, type Proc} from './cli.js';
import {RawDealer} from './client.js';
import {freePorts, HubProcess, jsonEvents, observer} from './faults.js';
import {tempDir} from './hub.js';
import {waitFor} from './wait.js';

/**
 * A busy loop on each core (`node -e 'for(;;){}'`) until `stop`. Each also ends when the
 * process that started it is gone (a test runner that kills a file on its timeout runs no
 * cleanup): it looks now and then whether it has been handed to another parent.
 */
const HOG = 'const parent = process.ppid; for (let i = 0; ; i++) if ((i & 0xfffff) === 0 && process.ppid !== parent) process.exit(0);';

export function cpuHogs(n = availableParallelism()): {readonly count: number; stop(): void} {
	const hogs: ChildProcess[] = Array.from({length: n}, () => spawn(process.execPath, ['-e', HOG], {stdio: 'ignore'}));
	return {
		count: n,
		stop: () => {
			for (const h of hogs) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
		},
	};
}

/** Every event of a room the hub keeps, oldest first, read with `history` pages (no session needed). */
export async function pageHistory(host: string, subPort: number, room: string): Promise<FeedEvent[]> {
	const dealer = new RawDealer(tcpEndpoint(host, subPort));
	try {
		const events: FeedEvent[] = [];
		for (let page = 0; ; page++) {
			const after = events.length > 0 ? events[events.length - 1]!.seq : 0;
			const id = `page${page}`;
			await dealer.send({type: 'history', id, room, after, limit: 500});
			const reply = (await dealer.reply('history', r => r.re === id, 15_000)) as HistoryReply;
			events.push(...reply.events);
			if (!reply.more || reply.events.length === 0) return events;
		}
	} finally {
		await dealer.close();
	}
}

/** How the expected messages came out in a history: each once, twice or more, or not at all. */
export function countMessages(events: readonly FeedEvent[], expected: readonly string[]): {once: number; duplicated: number; lost: number} {
	const counts = new Map<string, number>();
	for (const e of events) if (e.type === 'message') counts.set(e.text, (counts.get(e.text) ?? 0) + 1);
	let once = 0;
	let duplicated = 0;
	let lost = 0;
	for (const text of expected) {
		const n = counts.get(text) ?? 0;
		if (n === 1) once++;
		else if (n === 0) lost++;
		else duplicated++;
	}
	return {once, duplicated, lost};
}

/** Seconds a sender waits for acks at the end of its input (the scenario's `--timeout 90`). */
const SENDER_TIMEOUT = process.env['ZCHAT_TEST_SENDER_TIMEOUT'] ?? '90';

/** How long a hub may take to start on a machine this busy. */
const HUB_START_MS = 30_000;

/** A hub on a fresh data directory, removed when the hub is stopped for good with `done`. */
export async function hubOnData(extra: readonly string[] = []): Promise<HubProcess & {done(): Promise<void>}> {
	const dir = tempDir();
	const [sub, pub] = await freePorts();
	const hub = Object.assign(new HubProcess(dir.path, sub!, pub!, extra), {
		done: async () => {
			if (hub.proc && hub.proc.child.exitCode === null) await hub.stop();
			dir.remove();
		},
	});
	await hub.startFresh(HUB_START_MS);
	return hub;
}

/** kill -9 the hub and start it again on the same data and ports. */
export async function killAndRestart(hub: HubProcess): Promise<void> {
	hub.proc!.child.kill('SIGKILL');
	await hub.proc!.exited;
	await hub.start(HUB_START_MS);
}

export interface Plan {
	readonly lines: number;
	/** The observer's count of messages at which the hub is killed, each time. */
	readonly killAt: readonly number[];
}

export interface Outcome {
	readonly codes: Array<number | string>;
	readonly lost: number;
	readonly duplicated: number;
	/** Times a sender's watchdog had to step in (its acked lines stood still): 0 when the feed and history did the work. */
	readonly watchdog: number;
	readonly ms: number;
	/** When things happened, in ms from the start: for finding where a slow run spent its time. */
	readonly timeline: string;
	readonly stderr: string[];
}

/**
 * Five line-mode senders pipe `lines` lines each into `zchat join --timeout 90` while a
 * `--json` observer listens; the hub is killed and restarted at the planned points. Every
 * sender's exit code, and every line counted in the history the hub kept. `sending` is
 * called once the senders run (or the run failed before they did).
 */
export async function restartScenario(run: number, plan: Plan, deadlineMs: number, sending: () => void = () => {}): Promise<Outcome> {
	const started = Date.now();
	const timeline: string[] = [];
	const mark = (what: string) => timeline.push(`${what} ${Date.now() - started}`);
	const hub = await hubOnData(['--ttl', '5']);
	mark('hub');
	const procs: Proc[] = [];
	try {
		const watch = await observer(hub, 'observer');
		procs.push(watch);
		mark('observer');
		const nicks = ['s1', 's2', 's3', 's4', 's5'];
		const linesOf = (nick: string) => Array.from({length: plan.lines}, (_, i) => `r${run} ${nick} m${i}`);
		const senders = nicks.map(nick => {
			const p = spawnZchat(['join', '--nick', nick, '--room', 'load', '--timeout', SENDER_TIMEOUT, ...hub.args]);
			p.child.stdin.end(linesOf(nick).map(l => l + '\n').join(''));
			return p;
		});
		procs.push(...senders);
		sending();
		for (const [i, p] of senders.entries()) void p.exited.then(code => mark(`s${i + 1} exit ${code}`));
		const seen = () => jsonEvents(watch).filter(e => e.type === 'message').length;
		for (const at of plan.killAt) {
			// A stall before the planned point ends the waiting; the audit below says what it cost.
			const reached = await waitFor(`${at} messages`, () => seen() >= at || senders.every(s => s.child.exitCode !== null), deadlineMs / 2).then(
				() => true,
				() => false,
			);
			if (!reached) break;
			mark(`kill at ${seen()}`);
			await killAndRestart(hub);
			mark('restarted');
		}
		const left = Math.max(1000, deadlineMs - (Date.now() - started));
		const codes = await Promise.race([
			Promise.all(senders.map(s => s.exited)),
			new Promise<undefined>(resolve => setTimeout(() => resolve(undefined), left).unref()),
		]);
		const stderr = senders.map((s, i) => `${nicks[i]}: ${s.stderr().trim() || '(nothing on stderr)'}; stdout ends ${JSON.stringify(s.stdout().slice(-300))}`);
		const final = codes ?? senders.map(s => s.child.exitCode ?? 'still running');
		const history = await pageHistory('127.0.0.1', hub.sub, 'load');
		const counted = countMessages(history, nicks.flatMap(linesOf));
		const watchdog = senders.reduce((n, s) => n + s.lines().filter(l => l.includes('have not come back on the feed')).length, 0);
		return {codes: final, lost: counted.lost, duplicated: counted.duplicated, watchdog, ms: Date.now() - started, timeline: timeline.join(', '), stderr};
	} finally {
		sending();
		for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
		await hub.done();
	}
}
