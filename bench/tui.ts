/**
 * How fast the TUI starts and what it costs under load, measured on the real `zchat join`
 * in a pseudo-terminal (tmux) against a real hub, at the terminal sizes people use:
 *
 * 1. first frame: from starting `zchat join` until its screen shows the input line (the
 *    first frame Ink draws), median of several starts;
 * 2. CPU and memory: the TUI's process (utime + stime, VmRSS, VmHWM from /proc) while
 *    spec-style senders (bench/spec-sender.ts: one `say` a ZeroMQ message, as the example bot
 *    in docs/PROTOCOL.md sends) say `--rate` lines a second in its room for `--seconds`;
 *    and, once, a line-mode client under the same load (the client's own share).
 *
 * With `--compare <other checkout>/bin/zchat.js`, every measurement is made on both builds,
 * in alternating order, in the same rounds: the ratio is fair on a busy machine. With
 * `--first-frame`, only the first frame is measured (`--runs` starts a round of each build,
 * one build's start after the other's), with no load and no line-mode client.
 *
 *   npm run build && node dist/bench/tui.js [--sizes 100x30,120x40,200x60] [--rounds 3]
 *       [--runs 3] [--rate 1000] [--seconds 20] [--compare PATH] [--node-flags A,B]
 *       [--also-flags A,B] [--first-frame] [--json]
 *
 * Needs tmux and Linux (/proc).
 */
import {loadavg} from 'node:os';
import {parseArgs} from 'node:util';
import {spawnHub} from '../dev/zchat.js';
import {firstFrame, lineModeCpu, underLoad, type Build, type LoadFigures, type Size} from './tui-measure.js';

const {values} = parseArgs({
	options: {
		runs: {type: 'string', default: '3'},
		rounds: {type: 'string', default: '1'},
		rate: {type: 'string', default: '1000'},
		seconds: {type: 'string', default: '20'},
		sizes: {type: 'string', default: '100x30,120x40,200x60'},
		rooms: {type: 'string', default: '1'},
		compare: {type: 'string'},
		'node-flags': {type: 'string'},
		'also-flags': {type: 'string'},
		'no-line-mode': {type: 'boolean', default: false},
		'first-frame': {type: 'boolean', default: false},
		json: {type: 'boolean', default: false},
	},
});
const runs = Number(values.runs);
const firstFrameOnly = values['first-frame'];
const rounds = Math.max(1, Number(values.rounds));
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const sizes: Size[] = values.sizes.split(',').map(s => {
	const m = /^(\d+)x(\d+)$/.exec(s.trim());
	if (!m) throw new Error(`--sizes: "${s}" is not COLUMNSxROWS`);
	return {columns: Number(m[1]), rows: Number(m[2])};
});
const nodeFlags = values['node-flags']?.split(',').filter(f => f !== '') ?? [];
/** `--also-flags`: this build once more with these node flags as well (e.g. a smaller young generation). */
const alsoFlags = values['also-flags']?.split(',').filter(f => f !== '');
const builds: Build[] = [
	{name: 'this', nodeFlags},
	...(alsoFlags ? [{name: 'this+flags', nodeFlags: [...nodeFlags, ...alsoFlags]}] : []),
	...(values.compare ? [{name: 'compare', bin: values.compare, nodeFlags}] : []),
];

export interface TuiRow {
	readonly build: string;
	readonly terminal: Size;
	readonly firstFrameMs: {readonly median: number; readonly runs: number[]};
	readonly cpuPercent: {readonly median: number; readonly runs: number[]};
	readonly idleCpuPercent: number;
	/** Peak RSS (VmHWM) and the lowest RSS in the second half of the load, medians over the rounds, MiB. */
	readonly rssPeakMiB: number;
	readonly rssLowSecondHalfMiB: number;
	readonly rssEndMiB: number;
	readonly achievedRate: number;
	readonly lastOnScreenMs: number;
	readonly loads: LoadFigures[];
}

/** What `--json` prints. */
export interface TuiBenchResult {
	readonly rate: number;
	readonly seconds: number;
	readonly rounds: number;
	readonly runs: number;
	readonly loadAverage: {readonly before: number[]; readonly after: number[]};
	readonly wallSeconds: number;
	readonly builds: ReadonlyArray<{readonly name: string; readonly bin: string}>;
	readonly rows: TuiRow[];
	readonly lineModeCpuPercent?: number;
}

/** What `--first-frame --json` prints. */
export interface FirstFrameResult {
	readonly rounds: number;
	readonly runs: number;
	readonly loadAverage: {readonly before: number[]; readonly after: number[]};
	readonly builds: ReadonlyArray<{readonly name: string; readonly bin: string}>;
	readonly rows: ReadonlyArray<{readonly build: string; readonly terminal: Size; readonly firstFrameMs: {readonly median: number; readonly runs: number[]}}>;
}

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	const mid = s.length >> 1;
	return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round1 = (x: number) => Number(x.toFixed(1));
const lowSecondHalf = (l: LoadFigures) => Math.min(...l.rssEachSecond.slice(Math.floor(l.rssEachSecond.length / 2)), l.rssEnd);

async function main(): Promise<void> {
	const load0 = loadavg();
	const hub = await spawnHub();
	const started = Date.now();
	const frames = new Map<string, number[]>();
	const loads = new Map<string, LoadFigures[]>();
	const key = (b: Build, s: Size) => `${b.name} ${s.columns}x${s.rows}`;
	let room = 0;
	let lineMode: number | undefined;
	try {
		for (let r = 0; r < rounds; r++) {
			for (const size of sizes) {
				// Alternate which build goes first, so neither always runs on a warmer (or busier) machine.
				const order = r % 2 === 0 ? builds : [...builds].reverse();
				if (firstFrameOnly) {
					// Each build's start followed by the other's, the order turned each time.
					for (let i = 0; i < runs; i++) {
						for (const build of i % 2 === 0 ? order : [...order].reverse()) {
							const k = key(build, size);
							frames.set(k, [...(frames.get(k) ?? []), await firstFrame(hub, build, size, `ff${i}`)]);
						}
					}
					continue;
				}
				for (const build of order) {
					const k = key(build, size);
					for (let i = 0; i < runs; i++) frames.set(k, [...(frames.get(k) ?? []), await firstFrame(hub, build, size, `ff${i}`)]);
					const rooms = Array.from({length: Math.max(1, Number(values.rooms))}, (_, i) => `load${++room}x${i}`);
					const figures = await underLoad(hub, build, size, rooms, rate, seconds);
					loads.set(k, [...(loads.get(k) ?? []), figures]);
					if (!values.json) process.stderr.write(`round ${r + 1}, ${k}: ${figures.cpuPercent}% of a core, RSS peak ${figures.rssPeak} MiB\n`);
				}
			}
		}
		if (!values['no-line-mode'] && !firstFrameOnly) lineMode = await lineModeCpu(hub, `base${++room}`, rate, Math.min(seconds, 10));
	} finally {
		hub.proc.child.kill('SIGTERM');
		await hub.proc.exited;
	}
	if (firstFrameOnly) {
		reportFirstFrames(frames, load0, key);
		return;
	}
	const rows: TuiRow[] = [];
	for (const size of sizes) {
		for (const build of builds) {
			const k = key(build, size);
			const l = loads.get(k)!;
			const ff = frames.get(k)!.map(Math.round);
			rows.push({
				build: build.name,
				terminal: size,
				firstFrameMs: {median: Math.round(median(ff)), runs: ff},
				cpuPercent: {median: round1(median(l.map(x => x.cpuPercent))), runs: l.map(x => x.cpuPercent)},
				idleCpuPercent: round1(median(l.map(x => x.idleCpuPercent))),
				rssPeakMiB: round1(median(l.map(x => x.rssPeak))),
				rssLowSecondHalfMiB: round1(median(l.map(lowSecondHalf))),
				rssEndMiB: round1(median(l.map(x => x.rssEnd))),
				achievedRate: Math.round(median(l.map(x => x.achievedRate))),
				lastOnScreenMs: Math.round(median(l.map(x => x.lastOnScreenMs))),
				loads: l,
			});
		}
	}
	const result: TuiBenchResult = {
		rate,
		seconds,
		rounds,
		runs,
		loadAverage: {before: load0.map(round1), after: loadavg().map(round1)},
		wallSeconds: Math.round((Date.now() - started) / 1000),
		builds: builds.map(b => ({name: b.name, bin: b.bin ?? 'this checkout'})),
		rows,
		...(lineMode === undefined ? {} : {lineModeCpuPercent: lineMode}),
	};
	if (values.json) {
		process.stdout.write(JSON.stringify(result) + '\n');
		return;
	}
	const out = [
		`zchat join in tmux, ${rate} msg/s from spec-style senders for ${seconds} s; medians of ${rounds} round${rounds === 1 ? '' : 's'} (first frame: of ${runs * rounds} starts)`,
		`load average ${result.loadAverage.before.join(' ')} before, ${result.loadAverage.after.join(' ')} after`,
		'',
		`  ${'terminal'.padEnd(9)} ${'build'.padEnd(10)} ${'first frame'.padStart(11)} ${'CPU'.padStart(6)} ${'idle'.padStart(5)} ${'RSS peak'.padStart(9)} ${'RSS low'.padStart(8)}  CPU each round`,
		...rows.map(
			row =>
				`  ${`${row.terminal.columns}×${row.terminal.rows}`.padEnd(9)} ${row.build.padEnd(10)} ${`${row.firstFrameMs.median} ms`.padStart(11)} ${`${row.cpuPercent.median}%`.padStart(6)} ${`${row.idleCpuPercent}%`.padStart(5)} ${`${row.rssPeakMiB} MiB`.padStart(9)} ${`${row.rssLowSecondHalfMiB}`.padStart(8)}  ${row.cpuPercent.runs.join(' · ')}`,
		),
	];
	if (lineMode !== undefined) out.push('', `the same load on a line-mode client (--json --stay, no TUI): ${lineMode}% of one core`);
	process.stdout.write(out.join('\n') + '\n');
}

/** `--first-frame`: the starts' medians, and each start, per size and build. */
function reportFirstFrames(frames: ReadonlyMap<string, number[]>, load0: number[], key: (b: Build, s: Size) => string): void {
	const rows = sizes.flatMap(size =>
		builds.map(build => {
			const ff = frames.get(key(build, size))!.map(Math.round);
			return {build: build.name, terminal: size, firstFrameMs: {median: Math.round(median(ff)), runs: ff}};
		}),
	);
	const result: FirstFrameResult = {
		rounds,
		runs,
		loadAverage: {before: load0.map(round1), after: loadavg().map(round1)},
		builds: builds.map(b => ({name: b.name, bin: b.bin ?? 'this checkout'})),
		rows,
	};
	if (values.json) {
		process.stdout.write(JSON.stringify(result) + '\n');
		return;
	}
	const out = [
		`zchat join in tmux: from its start to its first frame, medians of ${runs * rounds} starts`,
		`load average ${result.loadAverage.before.join(' ')} before, ${result.loadAverage.after.join(' ')} after`,
		'',
		`  ${'terminal'.padEnd(9)} ${'build'.padEnd(10)} ${'first frame'.padStart(11)}  each start`,
		...rows.map(row => `  ${`${row.terminal.columns}×${row.terminal.rows}`.padEnd(9)} ${row.build.padEnd(10)} ${`${row.firstFrameMs.median} ms`.padStart(11)}  ${row.firstFrameMs.runs.join(' · ')}`),
	];
	process.stdout.write(out.join('\n') + '\n');
}

await main();
