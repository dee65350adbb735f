import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';

/**
 * Each example runs as its own program (the compiled file, as a child process), ends by
 * itself, and prints the facts it demonstrates: these tests read them back.
 */

interface Run {
	readonly code: number | string;
	readonly stdout: string;
	readonly stderr: string;
}

/** Run dist/examples/<file> with node; fail if it has not ended within the deadline. */
function runExample(file: string, args: readonly string[] = [], timeoutMs = 20_000): Promise<Run> {
	const path = fileURLToPath(new URL(`../examples/${file}`, import.meta.url));
	const child = spawn(process.execPath, [path, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`${file} did not end within ${timeoutMs} ms; output so far:\n${stdout}\n${stderr}`));
		}, timeoutMs);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({code: code ?? signal ?? -1, stdout, stderr});
		});
	});
}

/** The numbers a line matching `pattern` captured; fails when no line matches. */
function numbers(out: string, pattern: RegExp): number[] {
	const m = pattern.exec(out);
	assert.ok(m, `no line matching ${pattern} in:\n${out}`);
	return m.slice(1).map(Number);
}

async function runOk(name: string): Promise<string> {
	const started = Date.now();
	const run = await runExample(`${name}.js`);
	assert.equal(run.code, 0, `${name} exited with ${run.code}:\n${run.stdout}\n${run.stderr}`);
	assert.equal(run.stderr, '', `${name} wrote to stderr`);
	assert.ok(Date.now() - started < 10_000, `${name} took ${Date.now() - started} ms: an example should end within a few seconds`);
	assert.match(run.stdout, /How zchat does it:/);
	return run.stdout;
}

describe('examples', () => {
	it('req-rep: round trips, EFSM on a second send, a timed-out REQ is stuck and replaced', async () => {
		const out = await runOk('req-rep');
		assert.match(out, /bound to tcp:\/\/127\.0\.0\.1:\d+/);
		for (const name of ['alice', 'bob', 'carol']) assert.match(out, new RegExp(`REQ sent "${name}", got "Hello ${name}"`));
		assert.match(out, /send\("dave"\) then send\("erin"\) with no receive\(\) between: EFSM/);
		assert.match(out, /the send stays pending \(sent after 50 ms: false\)/);
		assert.match(out, /then it goes \(sent: true\)/);
		assert.match(out, /and its reply follows \("Hello erin"\)/);
		assert.match(out, /receiveTimeout 250 ms: EAGAIN after \d+ ms/);
		assert.match(out, /the same REQ cannot ask again: EFSM/);
		assert.match(out, /a new REQ asked "frank" and got "Hello frank"/);
	});

	it('dealer-router: the routing id comes first, changes on reconnect, and a REQ adds a delimiter', async () => {
		const out = await runOk('dealer-router');
		for (const n of [1, 2, 3]) {
			assert.match(out, new RegExp(`ROUTER got \\["alice", "job ${n}"\\]`));
			assert.match(out, new RegExp(`alice got \\["done", "job ${n}"\\]`));
		}
		assert.match(out, /ROUTER got \[0x[0-9a-f]{10}, "hello from bob"\]/);
		assert.match(out, /bob's id changed on reconnect: true/);
		assert.match(out, /a reply to bob's old id: EHOSTUNREACH/);
		assert.match(out, /nothing arrives in 300 ms \(EAGAIN\)/);
		assert.match(out, /ROUTER got \[0x[0-9a-f]{10}, "", "who is here\?"\]/);
		assert.match(out, /the REQ got "alice, bob"/);
	});

	it('pub-sub: prefixes filter (and overmatch), the late subscriber loses messages, history fills them in', async () => {
		const out = await runOk('pub-sub');
		assert.match(out, /SUB "dev"\s+got\s+6: "dev" ×3, "devops" ×3\n/);
		assert.match(out, /SUB "#dev:"\s+got\s+3: "#dev:" ×3\n/);
		assert.match(out, /SUB ""\s+got 15:/);
		const [last] = numbers(out, /published tick 1 to (\d+)/);
		const [lateFirst, lateLost] = numbers(out, /subscriber B connected after tick 50 was sent: first tick #(\d+), lost (\d+)/);
		assert.ok(lateLost! >= 50, `the late subscriber lost ${lateLost} (at least the 50 sent before it connected)`);
		assert.equal(lateLost, lateFirst! - 1);
		numbers(out, /subscriber A connected before tick 1 was sent: first tick #(\d+), lost (\d+)/);
		assert.match(out, /after their first tick both got every tick, in order: true/);
		assert.match(out, new RegExp(`got ${lateLost}\\n`));
		assert.match(out, new RegExp(`B now has ticks 1 to ${last}, missing 0, in order: true`));
	});

	it('push-pull: a fair share per worker, and a PUSH that blocks at its high-water mark without losing anything', async () => {
		const out = await runOk('push-pull');
		const shares = ['w1', 'w2', 'w3'].map(w => numbers(out, new RegExp(`${w} did (\\d+) tasks`))[0]!);
		assert.equal(shares.reduce((a, b) => a + b), 30);
		assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `shares ${shares.join('/')} are not fair`);
		assert.match(out, /fair share: true/);
		assert.match(out, /w3 still got its 10 tasks/);
		const [queued, blocked] = numbers(out, /queued (\d+) tasks, then send\(\) #(\d+) waited: EAGAIN/);
		assert.equal(queued, 5, 'a PUSH with no peer queues exactly sendHighWaterMark messages');
		assert.equal(blocked, 6);
		assert.match(out, /it got all 5 queued tasks .*none lost/);
	});

	it('the runner lists the examples, runs one by name and refuses an unknown name', async () => {
		const list = await runExample('run.js');
		assert.equal(list.code, 0);
		for (const name of ['req-rep', 'dealer-router', 'pub-sub', 'push-pull']) assert.match(list.stdout, new RegExp(`^  ${name} `, 'm'));
		const one = await runExample('run.js', ['dealer-router']);
		assert.equal(one.code, 0, one.stderr);
		assert.match(one.stdout, /bob's id changed on reconnect: true/);
		const bad = await runExample('run.js', ['pubsub']);
		assert.equal(bad.code, 2);
		assert.match(bad.stderr, /no example "pubsub"/);
	});
});
