import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {waitFor} from './wait.js';

/** The real zchat binary of this checkout. */
export const ZCHAT_BIN = fileURLToPath(new URL('../../../bin/zchat.js', import.meta.url));

/** A running zchat process with its output collected as it arrives. */
export interface Proc {
	readonly child: ChildProcessWithoutNullStreams;
	/** Everything written to stdout so far. */
	stdout(): string;
	stderr(): string;
	/** stdout split into complete lines. */
	lines(): string[];
	/** Resolves with the exit code (or the signal name). */
	readonly exited: Promise<number | string>;
	/** Wait until stdout has a line matching. */
	waitLine(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
}

/**
 * Run the real binary. It reads no settings file unless `env` points at one (ZCHAT_CONFIG, or
 * XDG_CONFIG_HOME with ZCHAT_CONFIG: undefined): the settings of whoever runs the tests stay out.
 */
export function spawnZchat(args: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
	const child = spawn(process.execPath, [ZCHAT_BIN, ...args], {
		env: {...process.env, ZCHAT_CONFIG: '', ...env},
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let out = '';
	let err = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
	const exited = new Promise<number | string>(resolve => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
	const lines = () => out.split('\n').slice(0, -1);
	return {
		child,
		stdout: () => out,
		stderr: () => err,
		lines,
		exited,
		waitLine: (pattern, timeoutMs = 10_000) =>
			waitFor(() => `a line matching ${String(pattern)} (stdout so far: ${JSON.stringify(out.slice(-500))}, stderr: ${JSON.stringify(err.slice(-500))})`, () =>
				lines().find(l => (typeof pattern === 'string' ? l.includes(pattern) : pattern.test(l))),
			timeoutMs),
	};
}

/**
 * Start `zchat hub` on free ports and wait for its banner; returns the process and its ports.
 * Tests send fast, so the hub's flood limit is off unless `extra` sets `--rate-limit`.
 */
export async function spawnHub(extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{proc: Proc; sub: number; pub: number; args: string[]}> {
	const proc = spawnZchat(
		['hub', '--sub', '0', '--pub', '0', ...(extra.includes('--data') ? [] : ['--memory']), ...(extra.includes('--rate-limit') ? [] : ['--rate-limit', 'off']), ...extra],
		env,
	);
	const line = await proc.waitLine(/npx zchat join --host \S+ --sub \d+ --pub \d+/);
	const m = /--sub (\d+) --pub (\d+)/.exec(line)!;
	const sub = Number(m[1]);
	const pub = Number(m[2]);
	return {proc, sub, pub, args: ['--host', '127.0.0.1', '--sub', String(sub), '--pub', String(pub)]};
}
