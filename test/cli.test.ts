import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {spawnHub, spawnZchat, type Proc} from './helpers/cli.js';
import {occupiedPort} from './helpers/ports.js';
import {waitFor} from './helpers/wait.js';

/** `zchat join` in line mode, and --help. (`zchat hub`: cli-hub.test.ts.) */

const procs: Proc[] = [];
const track = (p: Proc) => (procs.push(p), p);
after(() => {
	for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

describe('zchat join (line mode)', () => {
	test('two line-mode clients chat; at end of input each waits for its acks and exits 0', async () => {
		const hub = await spawnHub();
		track(hub.proc);
		const bob = track(spawnZchat(['join', '--nick', 'bob', '--stay', ...hub.args]));
		await bob.waitLine('-- bob joined #lobby');
		const alice = track(spawnZchat(['join', '--nick', 'alice', ...hub.args]));
		alice.child.stdin.end('hello from alice\n/me waves\n');
		assert.equal(await alice.exited, 0);
		await bob.waitLine(/^\d\d:\d\d:\d\d <alice> hello from alice$/);
		await bob.waitLine(/^\d\d:\d\d:\d\d \* alice waves$/);
		await bob.waitLine(/^\d\d:\d\d:\d\d -- alice quit$/);
		bob.child.kill('SIGINT');
		assert.equal(await bob.exited, 0);
		hub.proc.child.kill('SIGINT');
		assert.equal(await hub.proc.exited, 0);
	});

	test('--json: one object per event with type, room, from, text and seq', async () => {
		const hub = await spawnHub();
		track(hub.proc);
		const a = track(spawnZchat(['join', '--nick', 'jay', '--json', ...hub.args]));
		a.child.stdin.end('structured\n');
		assert.equal(await a.exited, 0);
		const events = a.lines().map(l => JSON.parse(l) as Record<string, unknown>);
		const message = events.find(e => e['type'] === 'message');
		assert.ok(message);
		assert.deepEqual({type: message['type'], room: message['room'], from: message['from'], text: message['text'], seq: message['seq']}, {type: 'message', room: 'lobby', from: 'jay', text: 'structured', seq: 2});
		assert.ok(events.some(e => e['type'] === 'join' && e['from'] === 'jay'));
		hub.proc.child.kill('SIGINT');
		await hub.proc.exited;
	});

	test('hostile text is escaped in line mode output, and JSON stays terminal-safe', async () => {
		const hub = await spawnHub();
		track(hub.proc);
		const watcher = track(spawnZchat(['join', '--nick', 'watch', '--stay', ...hub.args]));
		const jsonWatcher = track(spawnZchat(['join', '--nick', 'watchj', '--json', '--stay', ...hub.args]));
		await watcher.waitLine('-- watch joined');
		await jsonWatcher.waitLine('"type":"join","from":"watchj"');
		const evil = track(spawnZchat(['join', '--nick', 'evil', ...hub.args]));
		evil.child.stdin.end('title\x1b]0;pwned\x07 clip\x1b]52;c;aGk=\x07 red\x1b[31m bidi\u202e end\u009b\n');
		assert.equal(await evil.exited, 0);
		const line = await watcher.waitLine('<evil>');
		assert.equal(line.replace(/^\S+ /, ''), '<evil> title^[]0;pwned^G clip^[]52;c;aGk=^G red^[[31m bidi<U+202E> end<U+009B>');
		const json = await jsonWatcher.waitLine('"type":"message","from":"evil"');
		assert.doesNotMatch(json, /[\u0000-\u001f\u007f-\u009f\u202e]/);
		assert.equal((JSON.parse(json) as {text: string}).text, 'title\x1b]0;pwned\x07 clip\x1b]52;c;aGk=\x07 red\x1b[31m bidi\u202e end\u009b', 'bots get the exact text');
		for (const p of [watcher, jsonWatcher]) p.child.kill('SIGTERM');
		hub.proc.child.kill('SIGINT');
		await hub.proc.exited;
	});

	test('a chosen nick that is taken: the reason, and exit 2', async () => {
		const hub = await spawnHub();
		track(hub.proc);
		const first = track(spawnZchat(['join', '--nick', 'taken', '--stay', ...hub.args]));
		await first.waitLine('-- taken joined');
		const second = track(spawnZchat(['join', '--nick', 'TAKEN', ...hub.args]));
		second.child.stdin.end('');
		assert.equal(await second.exited, 2);
		assert.match(second.stderr(), /the nick "TAKEN" is taken .*choose another with --nick/);
		// Without --nick the login name gets a suffix instead.
		const auto1 = track(spawnZchat(['join', '--json', ...hub.args], {USER: 'taken'}));
		auto1.child.stdin.end('');
		assert.equal(await auto1.exited, 0);
		first.child.kill('SIGTERM');
		hub.proc.child.kill('SIGINT');
		await hub.proc.exited;
	});

	test('an unreachable hub: a clear message and exit 1 after --timeout', async t => {
		const free = await occupiedPort();
		free.close(); // a port with nothing behind it
		const started = Date.now();
		const lost = track(spawnZchat(['join', '--nick', 'lonely', '--timeout', '1.5', '--sub', String(free.port), '--pub', String(free.port)]));
		lost.child.stdin.end('is anyone there?\n');
		// Half the timeout in (by its own clock), the client says it is waiting: how long it took
		// to get there is how slow starting a process is on this machine right now.
		await waitFor('the client to say it is waiting', () => lost.stderr().includes('waiting for the hub') || lost.child.exitCode !== null, 30_000);
		const waiting = Date.now() - started;
		assert.equal(await lost.exited, 1);
		const took = Date.now() - started;
		t.diagnostic(`said it was waiting after ${waiting} ms, gave up ${took - waiting} ms later`);
		// Then 0.75 s of the timeout is left, and closing its sockets takes at most 2.1 s: judged
		// with as much slack again as getting started took.
		assert.ok(took - waiting < 3000 + waiting, `gave up ${took - waiting} ms after saying it was waiting (${waiting} ms after it started): no endless retry`);
		assert.match(lost.stderr(), /zchat: (no answer from the hub at tcp:\/\/127\.0\.0\.1:\d+ in 2 s: is "zchat hub" running there\?|1 line was not delivered)/);
	});

	test('lines piped before the hub exists are delivered once it starts', async () => {
		const free = await occupiedPort();
		const port = free.port;
		free.close();
		const pubFree = await occupiedPort();
		const pub = pubFree.port;
		pubFree.close();
		const early = track(spawnZchat(['join', '--nick', 'early', '--json', '--timeout', '20', '--sub', String(port), '--pub', String(pub)]));
		early.child.stdin.end('queued 1\nqueued 2\n');
		await waitFor('the client to be waiting for a hub', () => early.stderr().includes('waiting for the hub'));
		const hub = track(spawnZchat(['hub', '--memory', '--sub', String(port), '--pub', String(pub)]));
		await hub.waitLine('join it with');
		assert.equal(await early.exited, 0);
		const texts = early
			.lines()
			.map(l => JSON.parse(l) as {type: string; text?: string})
			.filter(e => e.type === 'message')
			.map(e => e.text);
		assert.deepEqual(texts, ['queued 1', 'queued 2']);
		hub.child.kill('SIGINT');
		await hub.exited;
	});
});

describe('zchat --help', () => {
	test('help and version exit 0; an unknown command exits 2', async () => {
		const help = track(spawnZchat(['--help']));
		assert.equal(await help.exited, 0);
		assert.match(help.stdout(), /zchat hub/);
		const joinHelp = track(spawnZchat(['join', '--help']));
		assert.equal(await joinHelp.exited, 0);
		assert.match(joinHelp.stdout(), /--nick <nick>/);
		const version = track(spawnZchat(['--version']));
		assert.equal(await version.exited, 0);
		assert.match(version.stdout(), /^\d+\.\d+\.\d+/);
		const bad = track(spawnZchat(['frobnicate']));
		assert.equal(await bad.exited, 2);
		await waitFor('an error message', () => bad.stderr().includes('unknown command'));
	});
});
