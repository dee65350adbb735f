/**
 * The real zchat binary as a child process for the tests, the bench and the demo, and a hub
 * on free ports found from its `--ready-json` line (not from its banner's wording).
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import type {HubReady} from '../src/cli/hub-command.js';
import type {RelayReady} from '../src/cli/relay-command.js';
import {waitFor} from './wait.js';

/** The real zchat binary of this checkout. */
export const ZCHAT_BIN = fileURLToPath(new URL('../../bin/zchat.js', import.meta.url));

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

export interface SpawnOptions {
	/** Added to this process's environment. */
	readonly env?: NodeJS.ProcessEnv;
	/** Node flags before the binary (e.g. --cpu-prof). */
	readonly nodeFlags?: readonly string[];
	/** Run it with this limit of open files (`ulimit -n` in a shell that then execs it). */
	readonly openFiles?: number;
	/** Copy its stderr to this process's as it comes, each line starting with this. */
	readonly echoStderr?: string;
	/** Another checkout's built binary (its bin/zchat.js), for the bench's same-run comparisons. @default this checkout's */
	readonly bin?: string;
}

/**
 * Run the real binary. It reads no settings file unless `env` points at one (ZCHAT_CONFIG, or
 * XDG_CONFIG_HOME with ZCHAT_CONFIG: undefined): the settings of whoever runs the tests stay out.
 */
export function spawnZchat(args: readonly string[], env: NodeJS.ProcessEnv = {}, options: Omit<SpawnOptions, 'env'> = {}): Proc {
	const argv = [...(options.nodeFlags ?? []), options.bin ?? ZCHAT_BIN, ...args];
	const fullEnv = {...process.env, ZCHAT_CONFIG: '', ...env};
	const child =
		options.openFiles === undefined
			? spawn(process.execPath, argv, {env: fullEnv, stdio: ['pipe', 'pipe', 'pipe']})
			: spawn('sh', ['-c', `ulimit -n ${options.openFiles} && exec "$0" "$@"`, process.execPath, ...argv], {env: fullEnv, stdio: ['pipe', 'pipe', 'pipe']});
	let out = '';
	let err = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		err += chunk;
		if (options.echoStderr !== undefined) process.stderr.write(chunk.replace(/^(?=.)/gm, options.echoStderr));
	});
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

export interface SpawnedHub {
	readonly proc: Proc;
	/** What the hub said once it listened (after its banner, which is all on stdout by then). */
	readonly ready: HubReady;
	readonly sub: number;
	readonly pub: number;
	/** The flags that reach it: `--host 127.0.0.1 --sub N --pub N`. */
	readonly args: string[];
}

/**
 * Start `zchat hub` on free ports of 127.0.0.1 (history in memory unless `extra` has
 * `--data`) and wait until it listens. The flood limit is off unless `extra` sets
 * `--rate-limit`: tests and the bench send fast. Fails with its stderr if it exits first.
 */
export async function spawnHub(extra: readonly string[] = [], options: SpawnOptions & {readonly timeoutMs?: number} = {}): Promise<SpawnedHub> {
	const args = ['hub', '--host', '127.0.0.1', '--sub', '0', '--pub', '0', '--ready-json'];
	if (!extra.includes('--data') && !extra.includes('--memory')) args.push('--memory');
	if (!extra.includes('--rate-limit')) args.push('--rate-limit', 'off');
	const {proc, ready} = await spawnReady<HubReady>('hub', [...args, ...extra], options);
	return {proc, ready, sub: ready.sub, pub: ready.pub, args: ['--host', ready.host, '--sub', String(ready.sub), '--pub', String(ready.pub)]};
}

/** Run `zchat <kind>` with --ready-json and wait for its ready line; killed if it never comes. Fails with its stderr if it exits first. */
async function spawnReady<R>(kind: 'hub' | 'relay', argv: readonly string[], options: SpawnOptions & {readonly timeoutMs?: number}): Promise<{proc: Proc; ready: R}> {
	const proc = spawnZchat(argv, options.env, options);
	const ready = await waitFor<R>(
		() => `zchat ${kind} to listen (stdout so far: ${JSON.stringify(proc.stdout().slice(-500))}, stderr: ${JSON.stringify(proc.stderr().slice(-500))})`,
		() => {
			const line = proc.lines().find(l => l.startsWith(`{"zchat":"${kind}"`));
			if (line) return JSON.parse(line) as R;
			if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
				throw new Error(`zchat ${kind} exited (${proc.child.exitCode ?? proc.child.signalCode}) before it listened: ${proc.stderr().trim().slice(-500) || 'no error output'}`);
			}
			return undefined;
		},
		options.timeoutMs ?? 15_000,
	).catch(err => {
		proc.child.kill('SIGKILL');
		throw err;
	});
	return {proc, ready};
}

export interface SpawnedRelay {
	readonly proc: Proc;
	readonly ready: RelayReady;
	readonly sub: number;
	readonly pub: number;
	/** The flags that reach it: `--host 127.0.0.1 --sub N --pub N`. */
	readonly args: string[];
}

/**
 * Start `zchat relay` on free ports of 127.0.0.1 (or the ports `extra` names) and wait until
 * it listens. `extra` must give --upstream, --key and --server-key.
 */
export async function spawnRelay(extra: readonly string[], options: SpawnOptions & {readonly timeoutMs?: number} = {}): Promise<SpawnedRelay> {
	const args = ['relay', '--host', '127.0.0.1', ...(extra.includes('--sub') ? [] : ['--sub', '0']), ...(extra.includes('--pub') ? [] : ['--pub', '0']), '--ready-json'];
	const {proc, ready} = await spawnReady<RelayReady>('relay', [...args, ...extra], options);
	return {proc, ready, sub: ready.sub, pub: ready.pub, args: ['--host', ready.host, '--sub', String(ready.sub), '--pub', String(ready.pub)]};
}
