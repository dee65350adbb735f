/**
 * Runs an order of close-orders.ts for many rounds in child processes and counts how many
 * rounds ended with libzmq aborting the process (SIGABRT), restarting after each abort.
 */
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const CHILD = fileURLToPath(new URL('./close-orders.js', import.meta.url));

export interface StressResult {
	readonly order: string;
	/** Rounds finished or cut short by an abort. */
	readonly rounds: number;
	readonly aborts: number;
	/** Rounds that ended with the process killed by another signal of a native fault (SIGSEGV, SIGBUS). */
	readonly crashes: number;
	/** Child processes that ended otherwise (an exit code, a timeout). */
	readonly failures: number;
	/** The first assertion libzmq printed, and the first failure's last words. */
	readonly assertion?: string;
	readonly failure?: string;
	readonly ms: number;
}

export interface StressOptions {
	/** Rounds in one child process before a fresh one starts. @default 25 */
	readonly perProcess?: number;
	/** Start no round after this long (the result says how many rounds ran), once `minRounds` have run. */
	readonly budgetMs?: number;
	/** Rounds to run however long they take. @default 0 */
	readonly minRounds?: number;
	/** A child is killed and counted as a failure after this long per round it was given. @default 20000 */
	readonly roundTimeoutMs?: number;
	readonly env?: NodeJS.ProcessEnv;
}

interface ChildEnd {
	done: number;
	code: number | null;
	signal: NodeJS.Signals | null;
	stderr: string;
	timedOut: boolean;
}

function runChild(order: string, rounds: number, deadline: number, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<ChildEnd> {
	return new Promise(resolve => {
		// Not a test process of its own, even when a test starts it.
		const {NODE_TEST_CONTEXT: _, ...inherited} = process.env;
		const child = spawn(process.execPath, ['--expose-gc', CHILD, order, String(rounds), String(deadline)], {
			stdio: ['ignore', 'pipe', 'pipe'],
			env: {...inherited, ...env},
		});
		let out = '';
		let err = '';
		let timedOut = false;
		child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
		child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, timeoutMs);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			const done = out.split('\n').filter(l => l.startsWith('ok ')).length;
			resolve({done, code, signal, stderr: err, timedOut});
		});
	});
}

/** Run `rounds` rounds of `order`, counting aborts. */
export async function stressOrder(order: string, rounds: number, options: StressOptions = {}): Promise<StressResult> {
	const perProcess = options.perProcess ?? 25;
	const started = Date.now();
	let ran = 0;
	let aborts = 0;
	let crashes = 0;
	let failures = 0;
	let assertion: string | undefined;
	let failure: string | undefined;
	const deadline = options.budgetMs === undefined ? Infinity : started + options.budgetMs;
	const minRounds = options.minRounds ?? 0;
	while (ran < rounds && (ran < minRounds || Date.now() < deadline)) {
		const owed = minRounds - ran;
		const want = Math.min(perProcess, rounds - ran, owed > 0 ? owed : Infinity);
		const end = await runChild(order, want, owed > 0 ? Infinity : deadline, want * (options.roundTimeoutMs ?? 20_000), options.env ?? {});
		ran += end.done;
		if (end.code === 0) continue;
		// The round that was running when the process ended counts too.
		ran++;
		if (end.signal === 'SIGABRT') {
			aborts++;
			assertion ??= /Assertion failed[^\n]*/.exec(end.stderr)?.[0] ?? end.stderr.trim().split('\n').pop();
		} else if (end.signal && !end.timedOut) {
			crashes++;
			failure ??= `${end.signal}: ${lastWords(end.stderr)}`;
		} else {
			failures++;
			failure ??= `${end.timedOut ? 'timed out' : `exit ${end.code ?? end.signal}`}: ${lastWords(end.stderr)}`;
		}
	}
	return {order, rounds: ran, aborts, crashes, failures, ms: Date.now() - started, ...(assertion ? {assertion} : {}), ...(failure ? {failure} : {})};
}

/** The error a child died of: its first line naming an error, else its last line. */
function lastWords(stderr: string): string {
	const lines = stderr.trim().split('\n');
	return lines.find(l => /Error|Assertion|timed out/.test(l))?.trim() ?? lines.at(-1) ?? '';
}
