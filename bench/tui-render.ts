/**
 * The TUI's drawing alone, without tmux, a hub or ZeroMQ: a build's dist/tui.bundle.js runs in a
 * child process on a terminal that throws its bytes away, its client fed 1000 messages a second
 * (in batches, as the hub's feed frames bring them); the child's own CPU and peak RSS. Builds
 * and sizes alternate in each round, so a busy machine weighs on all of them alike.
 *
 *   npm run build && node dist/bench/tui-render.js [--builds this,/tmp/main] [--sizes 100x30,200x60]
 *       [--rounds 3] [--seconds 10] [--rate 1000] [--node-flags A,B] [--frames N]
 *
 * With `--frames N`: N times 10 new lines and the frame that shows them; "CPU" is then ms of
 * CPU per frame (less at the mercy of a busy machine than a share of a core).
 */
import {execFile} from 'node:child_process';
import {EventEmitter} from 'node:events';
import {loadavg} from 'node:os';
import {parseArgs} from 'node:util';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {Client} from '../src/client/client.js';
import type {Transport} from '../src/client/transport.js';
import type {Command, FeedEvent, Reply} from '../src/protocol/types.js';
import {loadLine} from './spec-sender.js';

const {values} = parseArgs({
	options: {
		child: {type: 'string'},
		builds: {type: 'string', default: 'this'},
		sizes: {type: 'string', default: '100x30,120x40,200x60'},
		rounds: {type: 'string', default: '3'},
		seconds: {type: 'string', default: '10'},
		rate: {type: 'string', default: '1000'},
		'node-flags': {type: 'string', default: ''},
		frames: {type: 'string', default: '0'},
	},
});

const THIS = fileURLToPath(new URL('../../', import.meta.url));

/** A transport with no network: the feed is the bench's. */
class Feed implements Transport {
	handlers: {readonly reply: (reply: Reply) => void; readonly feed: (events: FeedEvent[]) => void} | undefined;
	hello: string | undefined;
	send(command: Command): void {
		if (command.type === 'hello') this.hello = command.id;
	}
	subscribe(): void {}
	unsubscribe(): void {}
	start(handlers: NonNullable<Feed['handlers']>): void {
		this.handlers = handlers;
	}
	async close(): Promise<void> {}
}

async function child(spec: string): Promise<void> {
	const [root, size] = spec.split('|') as [string, string];
	const [columns, rows] = size.split('x').map(Number) as [number, number];
	const tui = (await import(pathToFileURL(`${root}/dist/tui.bundle.js`).href)) as typeof import('../src/ui/tui.js');
	const transport = new Feed();
	const client = new Client(transport, {nick: 'watcher', nickExplicit: true, rooms: ['bench'], session: 's'.repeat(24), history: 0});
	client.start(60_000);
	let bytes = 0;
	let writes = 0;
	let onFrame: (() => void) | undefined;
	const stdout = Object.assign(new EventEmitter(), {columns, rows, isTTY: true, write: (s: string) => ((bytes += s.length), s.length > 100 && (writes++, onFrame?.()), true)});
	const stdin = Object.assign(new EventEmitter(), {isTTY: true, setEncoding() {}, setRawMode() {}, resume() {}, pause() {}, ref() {}, unref() {}, read: () => null});
	const stderr = Object.assign(new EventEmitter(), {write: () => true});
	const io = {stdout, stdin, stderr} as unknown as Parameters<typeof tui.runTui>[2];
	const done = tui.runTui(client, {bell: false, timestamps: true, hubAddress: 'tcp://127.0.0.1:5555'}, io);
	const epoch = 'e'.repeat(16);
	transport.handlers!.reply({
		type: 'welcome',
		...(transport.hello === undefined ? {} : {re: transport.hello}),
		v: 1,
		nick: 'watcher',
		epoch,
		resumed: false,
		rooms: [{room: 'bench', seq: 0, topic: '', members: ['watcher', 'loadgen']}],
		ttlMs: 60_000,
		limits: {textBytes: 4096, frames: 16, frameBytes: 65536, roomsPerSession: 32, historyLimit: 500, historyKept: 10_000},
		hub: {name: 'zchat', version: 'bench'},
	});
	const rate = Number(values.rate);
	const seconds = Number(values.seconds);
	await new Promise(resolve => setTimeout(resolve, 500));
	const frames = Number(values.frames);
	if (frames > 0) {
		// A fixed amount of work: `frames` times, 10 new lines and the frame that shows them.
		let seq = 0;
		const cpu0 = process.cpuUsage();
		for (let f = 0; f < frames; f++) {
			const events: FeedEvent[] = [];
			for (let i = 0; i < 10; i++) {
				seq++;
				events.push({type: 'message', room: 'bench', seq, epoch, ts: Date.now(), from: 'loadgen', text: loadLine(seq)} as FeedEvent);
			}
			const drawn = new Promise<void>(resolve => (onFrame = resolve));
			transport.handlers!.feed(events);
			await drawn;
		}
		const cpu = process.cpuUsage(cpu0);
		// Reported in the same fields: CPU ms per frame, bytes per frame.
		process.stdout.write(JSON.stringify({cpuPercent: (cpu.user + cpu.system) / 1000 / frames, rssPeakMiB: process.resourceUsage().maxRSS / 1024, bytesPerSecond: bytes / frames, framesPerSecond: frames}) + '\n');
		process.exit(0);
	}
	const cpu0 = process.cpuUsage();
	const writes0 = writes;
	const t0 = performance.now();
	let seq = 0;
	await new Promise<void>(resolve => {
		const timer = setInterval(() => {
			const elapsed = (performance.now() - t0) / 1000;
			const due = Math.min(rate * seconds, Math.floor(elapsed * rate));
			const events: FeedEvent[] = [];
			while (seq < due) {
				seq++;
				events.push({type: 'message', room: 'bench', seq, epoch, ts: Date.now(), from: 'loadgen', text: loadLine(seq)} as FeedEvent);
			}
			if (events.length > 0) transport.handlers!.feed(events);
			if (elapsed >= seconds) {
				clearInterval(timer);
				resolve();
			}
		}, 5);
	});
	const cpu = process.cpuUsage(cpu0);
	const wall = (performance.now() - t0) / 1000;
	const out = {cpuPercent: (100 * (cpu.user + cpu.system)) / 1e6 / wall, rssPeakMiB: process.resourceUsage().maxRSS / 1024, bytesPerSecond: bytes / wall, framesPerSecond: (writes - writes0) / wall};
	client.leave();
	client.leave();
	await done;
	process.stdout.write(JSON.stringify(out) + '\n');
	process.exit(0);
}

function runChild(root: string, size: string): Promise<{cpuPercent: number; rssPeakMiB: number; bytesPerSecond: number; framesPerSecond: number}> {
	const flags = values['node-flags'].split(',').filter(f => f !== '');
	const args = [...flags, fileURLToPath(import.meta.url), '--child', `${root}|${size}`, '--seconds', values.seconds, '--rate', values.rate, '--frames', values.frames];
	return new Promise((resolve, reject) =>
		// The child's stdout is a pipe, where chalk would draw no colours at all: the TUI on a
		// terminal draws them, and its frames cost more with their codes (the named colours zchat
		// uses are the same codes at every level).
		execFile(process.execPath, args, {env: {...process.env, NODE_ENV: 'production', FORCE_COLOR: process.env['FORCE_COLOR'] ?? '1'}, timeout: 120_000}, (err, stdout, stderr) => {
			if (err) reject(new Error(`${root} ${size}: ${stderr.slice(-400) || err.message}`));
			else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
		}),
	);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

if (values.child) {
	await child(values.child);
} else {
	const builds = values.builds.split(',').map(b => (b === 'this' ? THIS.replace(/\/$/, '') : b));
	const sizes = values.sizes.split(',');
	const results = new Map<string, Array<{cpuPercent: number; rssPeakMiB: number; bytesPerSecond: number; framesPerSecond: number}>>();
	const load0 = loadavg();
	for (let r = 0; r < Number(values.rounds); r++) {
		for (const size of sizes) {
			const order = r % 2 === 0 ? builds : [...builds].reverse();
			for (const b of order) {
				const res = await runChild(b, size);
				const k = `${size} ${b}`;
				results.set(k, [...(results.get(k) ?? []), res]);
				process.stderr.write(`round ${r + 1} ${k}: ${res.cpuPercent.toFixed(1)}% ${res.rssPeakMiB.toFixed(0)} MiB ${(res.bytesPerSecond / 1024).toFixed(0)} KiB/s, ${res.framesPerSecond.toFixed(1)} frames/s\n`);
			}
		}
	}
	process.stdout.write(`load average ${load0.map(x => x.toFixed(1)).join(' ')} before, ${loadavg().map(x => x.toFixed(1)).join(' ')} after\n`);
	const perFrame = Number(values.frames) > 0;
	for (const [k, rs] of results) {
		if (perFrame) {
			process.stdout.write(`${k.padEnd(40)} ${median(rs.map(x => x.cpuPercent)).toFixed(2)} ms of CPU a frame (${rs.map(x => x.cpuPercent.toFixed(2)).join(' · ')})  RSS peak ${median(rs.map(x => x.rssPeakMiB)).toFixed(0)} MiB  ${(median(rs.map(x => x.bytesPerSecond)) / 1024).toFixed(1)} KiB a frame\n`);
			continue;
		}
		process.stdout.write(
			`${k.padEnd(40)} CPU ${median(rs.map(x => x.cpuPercent)).toFixed(1)}% (${rs.map(x => x.cpuPercent.toFixed(1)).join(' · ')})  RSS peak ${median(rs.map(x => x.rssPeakMiB)).toFixed(0)} MiB  ${(median(rs.map(x => x.bytesPerSecond)) / 1024).toFixed(0)} KiB/s written, ${median(rs.map(x => x.framesPerSecond)).toFixed(1)} frames/s\n`,
		);
	}
}
