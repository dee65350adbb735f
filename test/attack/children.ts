/**
 * The parent's side of an attacker process: start one of the programs in this folder (or its
 * Python sibling), read its JSON lines as they come, step it through its phases on stdin, and
 * get its result, or what is known when it had to be killed.
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {waitFor} from '../helpers/wait.js';
import type {Json} from './peer.js';

/** Debian's python3 with python3-zmq (CI installs it). */
export const PYTHON = '/usr/bin/python3';

/** What an attacker ended with: its final JSON (`done: true`), or how it was stopped. */
export type Outcome<R> = (R & {done: true}) | {done: false; exit: number | string; stderr: string; events: Json[]};

export interface Attacker<R> {
	readonly name: string;
	readonly child: ChildProcessWithoutNullStreams;
	/** Progress lines so far (objects with `event`). */
	readonly events: Json[];
	/** Wait for a progress line `{event: name}`; throws with the attacker's stderr after the deadline. */
	waitEvent(name: string, timeoutMs?: number): Promise<Json>;
	/** A line on the attacker's stdin (its next phase). */
	send(line: string): void;
	readonly result: Promise<Outcome<R>>;
	kill(): void;
	stderr(): string;
}

/** Where the compiled attacker `name` lives (dist/test/attack/name.js), or its .py source. */
function programPath(name: string, python: boolean): string {
	return python ? fileURLToPath(new URL(`../../../test/attack/${name}.py`, import.meta.url)) : fileURLToPath(new URL(`./${name}.js`, import.meta.url));
}

/**
 * Start attacker `name` with `args`. `deadlineMs` (default 120 s): killed past it, whatever it
 * is waiting for, so a hub that neither answers nor closes cannot hang a test for good.
 */
export function startAttacker<R>(name: string, args: readonly string[], options: {python?: boolean; deadlineMs?: number} = {}): Attacker<R> {
	const python = options.python === true;
	const child = spawn(python ? PYTHON : process.execPath, [programPath(name, python), ...args], {stdio: ['pipe', 'pipe', 'pipe']});
	const deadline = setTimeout(() => child.kill('SIGKILL'), options.deadlineMs ?? 120_000);
	deadline.unref();
	const events: Json[] = [];
	let final: Json | undefined;
	let partial = '';
	let err = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		partial += chunk;
		const lines = partial.split('\n');
		partial = lines.pop()!;
		for (const line of lines) {
			if (line.trim() === '') continue;
			let obj: Json;
			try {
				obj = JSON.parse(line) as Json;
			} catch {
				err += `(stdout, not JSON) ${line}\n`;
				continue;
			}
			if (obj['done'] === true) final = obj;
			else events.push(obj);
		}
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err = (err + chunk).slice(-20_000)));
	child.stdin.on('error', () => {}); // an attacker that already exited does not read its stdin
	const result = new Promise<Outcome<R>>(resolve => {
		child.on('close', (code, signal) => {
			clearTimeout(deadline);
			if (final) resolve(final as R & {done: true});
			else resolve({done: false, exit: code ?? signal ?? -1, stderr: err, events});
		});
	});
	return {
		name,
		child,
		events,
		waitEvent: (event, timeoutMs = 15_000) =>
			waitFor(() => `${name} to report "${event}" (stderr: ${err.slice(-800)})`, () => events.find(e => e['event'] === event) ?? (child.exitCode !== null ? failEarly(name, event, err) : undefined), timeoutMs),
		send: line => {
			if (child.exitCode === null && child.stdin.writable) child.stdin.write(line + '\n');
		},
		result,
		kill: () => {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		},
		stderr: () => err,
	};
}

function failEarly(name: string, event: string, stderr: string): never {
	throw new Error(`${name} exited before reporting "${event}"; stderr: ${stderr.slice(-1500)}`);
}

/** The result, or an error naming the attacker when it did not finish by itself. */
export async function completed<R>(attacker: Attacker<R>): Promise<R & {done: true}> {
	const r = await attacker.result;
	if (!r.done) throw new Error(`${attacker.name} did not finish (exit ${r.exit}); stderr: ${r.stderr.slice(-1500)}`);
	return r;
}
