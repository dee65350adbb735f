/**
 * How fast the TUI starts and what it costs under load, measured on the real `zchat join`
 * in a pseudo-terminal (tmux) against a real hub:
 *
 * 1. first frame: from starting `zchat join` until its screen shows the input line (the
 *    first frame Ink draws), median of several runs;
 * 2. CPU: the TUI's process (utime + stime from /proc/<pid>/stat) while another client
 *    says `--rate` messages a second in its room for `--seconds` seconds; and, for
 *    comparison, a line-mode client under the same load (the client's own share).
 *
 *   npm run build && node dist/bench/tui.js [--runs 5] [--rate 1000] [--seconds 10] [--rooms 1] [--json]
 *
 * Needs tmux and Linux (/proc).
 */
import {randomBytes} from 'node:crypto';
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {parseArgs} from 'node:util';
import {Client} from '../src/client/client.js';
import {ZmqTransport} from '../src/client/transport.js';
import {undelivered} from '../src/client/state.js';
import {TmuxTui} from '../dev/tmux.js';
import {waitFor} from '../dev/wait.js';
import {spawnHub, spawnZchat} from '../dev/zchat.js';

const {values} = parseArgs({
	options: {
		runs: {type: 'string', default: '5'},
		rate: {type: 'string', default: '1000'},
		seconds: {type: 'string', default: '10'},
		columns: {type: 'string', default: '100'},
		rows: {type: 'string', default: '30'},
		rooms: {type: 'string', default: '1'},
		json: {type: 'boolean', default: false},
	},
});
const runs = Number(values.runs);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const size = {columns: Number(values.columns), rows: Number(values.rows)};
/** Rooms the TUI is in, each with a load client of its own; the rate is shared among them. */
const rooms = Array.from({length: Math.max(1, Number(values.rooms))}, (_, i) => (i === 0 ? 'load' : `load${i + 1}`));

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;

/** CPU seconds a process has used (user + system). */
function cpuSeconds(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14 and 15)
}

function rssMiB(pid: number): number {
	const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) / 1024 : NaN;
}

/** The smallest of some RSS samples (or `fallback` when there are none), to 0.1 MiB. */
function lowest(samples: number[], fallback: number): number {
	return Number((samples.length > 0 ? Math.min(...samples) : fallback).toFixed(1));
}

/** The node process running zchat in the pane (a child of the pane's shell). */
function zchatPid(tui: TmuxTui): number {
	const shell = tui.panePid();
	const children = readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(/\s+/).map(Number);
	const pid = children.find(c => readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('zchat'));
	if (pid === undefined) throw new Error(`no zchat process under the pane's shell ${shell}`);
	return pid;
}

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	const mid = s.length >> 1;
	return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function firstFrame(hubArgs: string[], run: number): Promise<{frameMs: number; connectedMs: number}> {
	const start = performance.now();
	const tui = TmuxTui.start(['--nick', `ff${run}`, '--room', 'bench', ...hubArgs], size);
	try {
		await waitFor('the first frame', () => tui.screen().includes('#bench›'), 20_000, 2);
		const frameMs = performance.now() - start;
		await waitFor('connected', () => tui.screen().includes('● connected'), 20_000, 2);
		const connectedMs = performance.now() - start;
		tui.keys('C-c');
		await tui.waitExit();
		return {frameMs, connectedMs};
	} finally {
		tui.close();
	}
}

/** A client in this process saying `rate` lines a second; resolves with how many were acked. */
async function load(
	hubArgs: {host: string; sub: number; pub: number},
	room: string,
	nick = 'loadgen',
): Promise<{client: Client; say: (n: number) => void; sent: () => number; acked: () => number}> {
	const client = new Client(new ZmqTransport({host: hubArgs.host, subPort: hubArgs.sub, pubPort: hubArgs.pub}), {
		nick,
		nickExplicit: false,
		rooms: [room],
		session: randomBytes(18).toString('base64url'),
		history: 0,
		window: 512,
	});
	let sent = 0;
	client.start();
	await waitFor('the load client to connect', () => client.state.connection === 'connected', 10_000);
	return {
		client,
		say: n => {
			for (let i = 0; i < n; i++) client.line(`load message ${++sent} ${'x'.repeat(40)}`);
		},
		sent: () => sent,
		acked: () => sent - undelivered(client.state).length,
	};
}

/** Say `rate` lines a second for `seconds`; resolves with how many were said and how long it took. */
async function flood(gen: {say: (n: number) => void}, pid: number, seconds: number): Promise<{said: number; elapsed: number; rssMiB: number[]}> {
	const t0 = performance.now();
	let said = 0;
	// The TUI's RSS once a second: memory that stops growing is a target, not just its end value.
	const rss: number[] = [];
	let nextSample = 1;
	await new Promise<void>(resolve => {
		const timer = setInterval(() => {
			const elapsed = (performance.now() - t0) / 1000;
			if (elapsed >= nextSample) {
				rss.push(rssMiB(pid));
				nextSample++;
			}
			const due = Math.min(rate * seconds, Math.floor(elapsed * rate));
			gen.say(due - said);
			said = due;
			if (elapsed >= seconds) {
				clearInterval(timer);
				resolve();
			}
		}, 10);
	});
	return {said, elapsed: (performance.now() - t0) / 1000, rssMiB: rss};
}

/** The same load on a line-mode client (`--json --stay`): what the client costs without the TUI. */
async function baseline(hub: {args: string[]; sub: number; pub: number}): Promise<number> {
	const proc = spawnZchat(['join', '--nick', 'baseline', '--room', 'base', '--json', '--stay', ...hub.args]);
	try {
		await proc.waitLine('"type":"join"');
		const gen = await load({host: '127.0.0.1', sub: hub.sub, pub: hub.pub}, 'base');
		const cpu0 = cpuSeconds(proc.child.pid!);
		// Its CPU share settles within seconds; a long run would only make the bench longer.
		const {said, elapsed} = await flood(gen, proc.child.pid!, Math.min(seconds, 10));
		const cpu = cpuSeconds(proc.child.pid!) - cpu0;
		await proc.waitLine(`"load message ${said} `, 30_000);
		await gen.client.close();
		return (100 * cpu) / elapsed;
	} finally {
		proc.child.kill('SIGTERM');
		await proc.exited;
	}
}

async function main(): Promise<void> {
	const hub = await spawnHub();
	const args = hub.args;
	try {
		const frames: Array<{frameMs: number; connectedMs: number}> = [];
		for (let i = 0; i < runs; i++) frames.push(await firstFrame(args, i));

		const tui = TmuxTui.start(['--nick', 'watcher', ...rooms.flatMap(r => ['--room', r]), ...args], size);
		try {
			await tui.waitScreen('connected', s => s.includes('● connected'));
			const pid = zchatPid(tui);
			const gens: Array<Awaited<ReturnType<typeof load>>> = [];
			for (const [i, room] of rooms.entries()) gens.push(await load({host: '127.0.0.1', sub: hub.sub, pub: hub.pub}, room, i === 0 ? 'loadgen' : `loadgen${i + 1}`));
			let turn = 0;
			// Lines go to the rooms in turn; the TUI shows the first, the others count as unread.
			const gen = {
				say: (n: number) => {
					for (let i = 0; i < n; i++) gens[turn++ % gens.length]!.say(1);
				},
				acked: () => gens.reduce((sum, g) => sum + g.acked(), 0),
			};
			await tui.waitScreen('the load client in the room', s => s.includes('loadgen'));

			const idleStart = cpuSeconds(pid);
			const idleT0 = performance.now();
			await new Promise(resolve => setTimeout(resolve, 2000));
			const idlePct = (100 * (cpuSeconds(pid) - idleStart)) / ((performance.now() - idleT0) / 1000);

			const cpu0 = cpuSeconds(pid);
			const {said, elapsed, rssMiB: rssSamples} = await flood(gen, pid, seconds);
			const cpu = cpuSeconds(pid) - cpu0;
			const rss = rssMiB(pid);
			const last = `load message ${gens[0]!.sent()} `;
			const caughtUp0 = performance.now();
			await tui.waitScreen('the last message', s => s.includes(last), 30_000);
			const caughtUpMs = performance.now() - caughtUp0;
			await waitFor('every line acked', () => gen.acked() >= said, 30_000);
			for (const g of gens) await g.client.close();
			tui.keys('C-c');
			const code = await tui.waitExit();
			const lineModeCpu = await baseline(hub);

			const result = {
				firstFrameMs: {median: Math.round(median(frames.map(f => f.frameMs))), runs: frames.map(f => Math.round(f.frameMs))},
				connectedMs: {median: Math.round(median(frames.map(f => f.connectedMs)))},
				load: {
					rate,
					rooms: rooms.length,
					seconds: Number(elapsed.toFixed(2)),
					messages: said,
					achievedRate: Math.round(said / elapsed),
					tuiCpuPercentOfOneCore: Number(((100 * cpu) / elapsed).toFixed(1)),
					tuiIdleCpuPercent: Number(idlePct.toFixed(1)),
					tuiRssMiB: Number(rss.toFixed(1)),
					// Lowest RSS in each half (after the first 5 s of warming up): V8's RSS is a saw, and its
					// low points are the live memory. A leak lifts the second half's; bounded memory does not.
					tuiRssMiBLowFirstHalf: lowest(rssSamples.slice(5, Math.floor(rssSamples.length / 2)), rss),
					tuiRssMiBLowSecondHalf: lowest(rssSamples.slice(Math.floor(rssSamples.length / 2)), rss),
					tuiRssMiBMax: Number(Math.max(rss, ...rssSamples).toFixed(1)),
					tuiRssMiBEachSecond: rssSamples.map(v => Number(v.toFixed(1))),
					lineModeCpuPercentOfOneCore: Number(lineModeCpu.toFixed(1)),
					lastMessageOnScreenAfterMs: Math.round(caughtUpMs),
					exitCode: code,
				},
				terminal: size,
			};
			if (values.json) {
				process.stdout.write(JSON.stringify(result) + '\n');
			} else {
				process.stdout.write(
					[
						`first frame of zchat join in tmux (${size.columns}x${size.rows}): median ${result.firstFrameMs.median} ms over ${runs} runs (${result.firstFrameMs.runs.join(', ')} ms); connected: median ${result.connectedMs.median} ms`,
						`TUI CPU with ${result.load.achievedRate} msg/s for ${result.load.seconds} s in ${rooms.length === 1 ? 'its room' : `its ${rooms.length} rooms (the first shown)`}: ${result.load.tuiCpuPercentOfOneCore}% of one core (idle: ${result.load.tuiIdleCpuPercent}%), RSS at its lowest ${result.load.tuiRssMiBLowFirstHalf} MiB in the first half and ${result.load.tuiRssMiBLowSecondHalf} MiB in the second, at most ${result.load.tuiRssMiBMax} MiB`,
						`the same load on a line-mode client (--json --stay, no TUI): ${result.load.lineModeCpuPercentOfOneCore}% of one core`,
						`the last message was on screen ${result.load.lastMessageOnScreenAfterMs} ms after the last send; exit code ${code}`,
					].join('\n') + '\n',
				);
			}
		} finally {
			tui.close();
		}
	} finally {
		hub.proc.child.kill('SIGTERM');
		await hub.proc.exited;
	}
}

await main();
