import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {RunningTarget} from './scenarios.js';

/** The real zchat binary of this checkout, and the baseline forwarder next to this file. */
const ZCHAT_BIN = fileURLToPath(new URL('../../../bin/zchat.js', import.meta.url));
const FORWARDER = fileURLToPath(new URL('./forwarder.js', import.meta.url));

/**
 * Events the bench's hubs keep per room: more than a run sends, so a subscriber of the load
 * generator that falls far behind can still catch up from history (as a client would within
 * the default 10,000) and what is measured is delivery, not the retention horizon.
 */
const BENCH_HISTORY = 1_000_000;

/** A target process the bench started, and how to end it. */
export interface SpawnedTarget extends RunningTarget {
	readonly pid: number;
	stop(): Promise<void>;
}

export interface HubSpawnOptions {
	/** Extra node flags for the hub process (e.g. --cpu-prof). */
	readonly nodeFlags?: readonly string[];
	/** Extra `zchat hub` flags. */
	readonly hubFlags?: readonly string[];
	/** History in memory (--memory) instead of on disk, to tell storage costs from the rest. @default false */
	readonly memory?: boolean;
}

/** `zchat hub` on free ports of 127.0.0.1, its history on disk in a fresh temporary directory (or in memory). */
export async function spawnHub(options: HubSpawnOptions = {}): Promise<SpawnedTarget> {
	const dir = mkdtempSync(join(tmpdir(), 'zchat-bench-'));
	const child = spawn(
		process.execPath,
		[...(options.nodeFlags ?? []), ZCHAT_BIN, 'hub', '--host', '127.0.0.1', '--sub', '0', '--pub', '0', ...(options.memory ? ['--memory'] : ['--data', dir]), '--quiet', '--rate-limit', 'off', '--history-limit', String(BENCH_HISTORY), ...(options.hubFlags ?? [])],
		{stdio: ['ignore', 'pipe', 'pipe']},
	);
	try {
		const line = await firstLine(child, /--sub (\d+) --pub (\d+)/, 'zchat hub');
		const m = /--sub (\d+) --pub (\d+)/.exec(line)!;
		return target(child, 'zchat', Number(m[1]), Number(m[2]), () => rmSync(dir, {recursive: true, force: true}));
	} catch (err) {
		child.kill('SIGKILL');
		rmSync(dir, {recursive: true, force: true});
		throw err;
	}
}

/** The bare zeromq.js forwarder (forwarder.ts), unbatched or batched. */
export async function spawnForwarder(batched: boolean): Promise<SpawnedTarget> {
	const child = spawn(process.execPath, [FORWARDER, ...(batched ? ['--batched'] : [])], {stdio: ['ignore', 'pipe', 'pipe']});
	try {
		const line = await firstLine(child, /"pub":\d+/, 'the forwarder');
		const {sub, pub} = JSON.parse(line) as {sub: number; pub: number};
		return target(child, 'forwarder', sub, pub, () => {});
	} catch (err) {
		child.kill('SIGKILL');
		throw err;
	}
}

function target(child: ChildProcess, kind: 'zchat' | 'forwarder', sub: number, pub: number, cleanup: () => void): SpawnedTarget {
	const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
	return {
		kind,
		address: {host: '127.0.0.1', subPort: sub, pubPort: pub},
		pid: child.pid!,
		// The process is this run's alone: one room is enough.
		room: 'bench',
		stop: async () => {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
			const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
			await exited;
			clearTimeout(timer);
			cleanup();
		},
	};
}

/** Wait for the first stdout line matching `pattern`; fail with its stderr if it exits first. */
function firstLine(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
	return new Promise((resolve, reject) => {
		let out = '';
		let err = '';
		const timer = setTimeout(() => reject(new Error(`${what} did not start within 15 s (stderr: ${err.trim().slice(-300) || 'nothing'})`)), 15_000);
		child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
			out += chunk;
			const line = out.split('\n').find(l => pattern.test(l));
			if (line) {
				clearTimeout(timer);
				resolve(line);
			}
		});
		child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
			err += chunk;
			// Whatever the hub says on stderr (errors, warnings) reaches the person running the bench.
			process.stderr.write(chunk.replace(/^(?=.)/gm, `[${what}] `));
		});
		child.once('exit', code => {
			clearTimeout(timer);
			reject(new Error(`${what} exited (${code}) before it was ready: ${err.trim().slice(-300) || 'no error output'}`));
		});
	});
}
