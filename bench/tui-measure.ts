/**
 * One measurement of the TUI bench: the real `zchat join` (this checkout's, or another build's)
 * in tmux at one terminal size, against a running hub, with spec-style senders flooding the
 * room on screen. CPU is the process's own utime + stime from /proc over wall time.
 */
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {TmuxTui} from '../dev/tmux.js';
import {waitFor} from '../dev/wait.js';
import {spawnZchat} from '../dev/zchat.js';
import {loadLine, SpecSender} from './spec-sender.js';

export interface Hub {
	readonly args: string[];
	readonly sub: number;
}

export interface Size {
	readonly columns: number;
	readonly rows: number;
}

/** Which zchat to run: this checkout's bin/zchat.js unless `bin` says another. */
export interface Build {
	readonly name: string;
	readonly bin?: string;
	readonly nodeFlags?: readonly string[];
}

export interface LoadFigures {
	readonly achievedRate: number;
	readonly seconds: number;
	readonly cpuPercent: number;
	readonly idleCpuPercent: number;
	/** RSS once a second during the load, MiB. */
	readonly rssEachSecond: number[];
	/** The process's peak RSS (VmHWM) at the end of the load, MiB. */
	readonly rssPeak: number;
	readonly rssEnd: number;
	/** From the last send until the last line was on screen. */
	readonly lastOnScreenMs: number;
	readonly exitCode: number;
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;

/** CPU seconds a process has used (user + system). */
export function cpuSeconds(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14 and 15)
}

function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
	const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) / 1024 : NaN;
}

/** The node process running zchat in the pane (a child of the pane's shell). */
function zchatPid(tui: TmuxTui): number {
	const shell = tui.panePid();
	const children = readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(/\s+/).map(Number);
	const pid = children.find(c => readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('zchat'));
	if (pid === undefined) throw new Error(`no zchat process under the pane's shell ${shell}`);
	return pid;
}

/** From starting `zchat join` until its screen shows the input line (the first frame Ink draws). */
export async function firstFrame(hub: Hub, build: Build, size: Size, nick: string): Promise<number> {
	const start = performance.now();
	const tui = TmuxTui.start(['--nick', nick, '--room', 'bench', ...hub.args], size, {}, build);
	try {
		await waitFor('the first frame', () => tui.screen().includes('#bench›'), 20_000, 2);
		const ms = performance.now() - start;
		await waitFor('connected', () => tui.screen().includes('● connected'), 20_000, 5);
		tui.keys('C-c');
		await tui.waitExit();
		return ms;
	} finally {
		tui.close();
	}
}

/** Say `rate` lines a second for `seconds`, sampling the process's RSS once a second. */
async function flood(say: (n: number) => void, pid: number, rate: number, seconds: number): Promise<{said: number; elapsed: number; rss: number[]}> {
	const t0 = performance.now();
	let said = 0;
	const rss: number[] = [];
	let nextSample = 1;
	await new Promise<void>(resolve => {
		const timer = setInterval(() => {
			const elapsed = (performance.now() - t0) / 1000;
			if (elapsed >= nextSample) {
				rss.push(statusMiB(pid, 'VmRSS'));
				nextSample++;
			}
			const due = Math.min(rate * seconds, Math.floor(elapsed * rate));
			say(due - said);
			said = due;
			if (elapsed >= seconds) {
				clearInterval(timer);
				resolve();
			}
		}, 10);
	});
	return {said, elapsed: (performance.now() - t0) / 1000, rss};
}

/**
 * `zchat join` in `rooms` (the first on screen), each flooded by a spec-style sender of its
 * own; the rate is shared among the rooms.
 */
export async function underLoad(hub: Hub, build: Build, size: Size, rooms: readonly string[], rate: number, seconds: number): Promise<LoadFigures> {
	const tui = TmuxTui.start(['--nick', 'watcher', ...rooms.flatMap(r => ['--room', r]), ...hub.args], size, {}, build);
	const senders: SpecSender[] = [];
	try {
		await tui.waitScreen('connected', s => s.includes('● connected'), 30_000);
		const pid = zchatPid(tui);
		for (const [i, room] of rooms.entries()) {
			const s = new SpecSender({host: '127.0.0.1', sub: hub.sub}, `loadgen${i === 0 ? '' : i + 1}`, room);
			senders.push(s);
			await s.hello();
		}
		await tui.waitScreen('the load client in the room', s => s.includes('loadgen'), 30_000);

		const idle0 = cpuSeconds(pid);
		const idleT0 = performance.now();
		await new Promise(resolve => setTimeout(resolve, 2000));
		const idleCpuPercent = (100 * (cpuSeconds(pid) - idle0)) / ((performance.now() - idleT0) / 1000);

		let turn = 0;
		const say = (n: number) => {
			for (let i = 0; i < n; i++) senders[turn++ % senders.length]!.say(1);
		};
		const cpu0 = cpuSeconds(pid);
		const {said, elapsed, rss} = await flood(say, pid, rate, seconds);
		const cpu = cpuSeconds(pid) - cpu0;
		const rssEnd = statusMiB(pid, 'VmRSS');
		const rssPeak = statusMiB(pid, 'VmHWM');
		// The last line said in the room on screen, as the TUI draws it (the line is cut at the width).
		const last = loadLine(senders[0]!.sentCount()).slice(0, 20);
		const caught0 = performance.now();
		await tui.waitScreen('the last message', s => s.includes(last), 60_000);
		const lastOnScreenMs = performance.now() - caught0;
		await waitFor('every line acked', () => senders.reduce((n, s) => n + s.ackedCount(), 0) >= said, 60_000);
		tui.keys('C-c');
		const exitCode = await tui.waitExit();
		return {
			achievedRate: Math.round(said / elapsed),
			seconds: Number(elapsed.toFixed(2)),
			cpuPercent: Number(((100 * cpu) / elapsed).toFixed(1)),
			idleCpuPercent: Number(idleCpuPercent.toFixed(1)),
			rssEachSecond: rss.map(v => Number(v.toFixed(1))),
			rssPeak: Number(rssPeak.toFixed(1)),
			rssEnd: Number(rssEnd.toFixed(1)),
			lastOnScreenMs: Math.round(lastOnScreenMs),
			exitCode,
		};
	} finally {
		for (const s of senders) await s.close();
		tui.close();
	}
}

/** The same load on a line-mode client (`--json --stay`): what the client costs without the TUI. */
export async function lineModeCpu(hub: Hub, room: string, rate: number, seconds: number): Promise<number> {
	const proc = spawnZchat(['join', '--nick', 'baseline', '--room', room, '--json', '--stay', ...hub.args]);
	const sender = new SpecSender({host: '127.0.0.1', sub: hub.sub}, 'loadgen', room);
	try {
		await proc.waitLine('"type":"join"');
		await sender.hello();
		const pid = proc.child.pid!;
		const cpu0 = cpuSeconds(pid);
		const {said, elapsed} = await flood(n => sender.say(n), pid, rate, seconds);
		const cpu = cpuSeconds(pid) - cpu0;
		await proc.waitLine(`"load message ${said} `, 60_000);
		return Number(((100 * cpu) / elapsed).toFixed(1));
	} finally {
		await sender.close();
		proc.child.kill('SIGTERM');
		await proc.exited;
	}
}
