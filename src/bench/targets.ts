/**
 * The bench's targets as processes of their own: the bare zeromq.js forwarder here (the zchat
 * hub's is bench/hub-target.ts, on the dev tools), and how any target process is stopped.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import type {RunningTarget} from './scenarios.js';

/** The baseline forwarder next to this file. */
const FORWARDER = fileURLToPath(new URL('./forwarder.js', import.meta.url));

/** A target process the bench started, and how to end it. */
export interface SpawnedTarget extends RunningTarget {
	readonly pid: number;
	stop(): Promise<void>;
}

/** The bare zeromq.js forwarder (forwarder.ts), unbatched or batched. */
export async function spawnForwarder(batched: boolean): Promise<SpawnedTarget> {
	const child = spawn(process.execPath, [FORWARDER, ...(batched ? ['--batched'] : [])], {stdio: ['ignore', 'pipe', 'pipe']});
	try {
		const line = await firstLine(child, /"pub":\d+/, 'the forwarder');
		const {sub, pub} = JSON.parse(line) as {sub: number; pub: number};
		return runningTarget(child, 'forwarder', sub, pub, () => {});
	} catch (err) {
		child.kill('SIGKILL');
		throw err;
	}
}

/** A target process on 127.0.0.1: stopping it sends SIGINT (SIGKILL after 10 s), then `cleanup`. */
export function runningTarget(child: ChildProcess, kind: 'zchat' | 'forwarder', sub: number, pub: number, cleanup: () => void): SpawnedTarget {
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
