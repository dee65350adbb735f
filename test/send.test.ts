import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import * as zmq from 'zeromq';
import {messagesFrom} from '../src/cli/send-command.js';
import {ZchatError} from '../src/errors.js';
import type {HubServer} from '../src/hub/server.js';
import {spawnHub} from './helpers/cli.js';
import {deadPort, join, zchat, type Member} from './helpers/front-door.js';
import {startHub} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/**
 * \`zchat send\` with the real binary over real sockets: says something as a short-lived
 * client and exits 0 once the hub has acked it.
 */

describe('zchat send', () => {
	let hub: HubServer;
	let watcher: Member;
	let at: string[];

	before(async () => {
		hub = await startHub();
		at = ['--host', '127.0.0.1', '--sub', String(hub.subPort), '--pub', String(hub.pubPort)];
		watcher = await join(hub, 'watcher', ['lobby', 'ops']);
	});

	after(async () => {
		await watcher.close();
		await hub.stop();
	});

	it('says one message under the given nick and exits 0 once it is acked', async () => {
		const run = await zchat(['send', '--nick', 'ci', '--room', 'ops', 'build', '42', 'passed', ...at]);
		assert.equal(run.code, 0, run.stderr);
		assert.equal(run.stdout, '');
		assert.equal(run.stderr, '');
		// Acked means stored: the message is in the room's history by the time send exits.
		assert.ok(hub.store.history('ops', {limit: 10}).events.some(json => json.includes('"text":"build 42 passed"')));
		await waitFor('the watcher to see it', () => watcher.messages.includes('ci: build 42 passed'));
	});

	it('reads stdin: one message per line, blank lines skipped, "/" lines sent as text', async () => {
		const run = await zchat(['send', '--nick', 'cron', ...at], 'disk 91% full\n\n/var is the culprit\n');
		assert.equal(run.code, 0, run.stderr);
		await waitFor('both lines', () => watcher.messages.includes('cron: disk 91% full') && watcher.messages.includes('cron: /var is the culprit'));
		assert.ok(watcher.messages.indexOf('cron: disk 91% full') < watcher.messages.indexOf('cron: /var is the culprit'));
	});

	it('--multiline sends all of stdin as one message', async () => {
		const run = await zchat(['send', '--nick', 'git', '--multiline', ...at], 'a1b2c3 fix the build\nd4e5f6 add a test\n');
		assert.equal(run.code, 0, run.stderr);
		await waitFor('the multi-line message', () => watcher.messages.includes('git: a1b2c3 fix the build\nd4e5f6 add a test'));
	});

	it('a taken nick gets a number added, and stderr says so', async () => {
		const run = await zchat(['send', '--nick', 'watcher', 'me too', ...at]);
		assert.equal(run.code, 0, run.stderr);
		assert.equal(run.stderr, 'zchat: the nick "watcher" was taken: sent as "watcher2"\n');
		await waitFor('the message from watcher2', () => watcher.messages.includes('watcher2: me too'));
	});

	it('against a spawned hub process too', async () => {
		const spawned = await spawnHub();
		let listener: Member | undefined;
		try {
			listener = await join({subPort: spawned.sub, pubPort: spawned.pub}, 'listener', ['lobby']);
			const run = await zchat(['send', '--nick', 'deploy', 'v1.2.3 is live', ...spawned.args]);
			assert.equal(run.code, 0, run.stderr);
			await waitFor('the listener to see it', () => listener!.messages.includes('deploy: v1.2.3 is live'));
			// The same address flags work for every command (who ignores --pub).
			const who = await zchat(['who', ...spawned.args]);
			assert.equal(who.code, 0, who.stderr);
			assert.match(who.stdout, /^1 on the hub:\n {2}listener {2}idle \d+s\n$/);
		} finally {
			await listener?.close();
			spawned.proc.child.kill('SIGINT');
			await spawned.proc.exited;
		}
	});

	it('to a dead port: exit 1 with a clear message within the timeout', async () => {
		const [sub, pub] = [await deadPort(), await deadPort()];
		const start = await startingCost();
		const run = await zchat(['send', '--host', '127.0.0.1', '--sub', String(sub), '--pub', String(pub), '--timeout', '1', 'anyone?']);
		assert.equal(run.code, 1);
		assert.equal(run.stdout, '');
		assert.equal(
			run.stderr,
			`zchat: no answer from the hub at tcp://127.0.0.1:${sub} in 1 s: is "zchat hub" running there? (check --host, --sub and --pub); nothing was sent\n`,
		);
		assert.ok(run.ms >= 1000 && run.ms - start < 5500, `took ${run.ms} ms (starting one costs ${start} ms now)`);
	});

	it('nothing to send, or too much: exit 2 and say what to change', async () => {
		const empty = await zchat(['send', ...at], '\n  \n');
		assert.equal(empty.code, 2);
		assert.equal(empty.stderr, 'zchat: nothing to send: the message is empty\n');
		const long = await zchat(['send', ...at], 'ok\n\n' + 'x'.repeat(5000) + '\n');
		assert.equal(long.code, 2);
		assert.equal(long.stderr, "zchat: line 3 is 5000 bytes, over the hub's limit of 4096: shorten it or split it into lines (nothing was sent)\n");
		const room = await zchat(['send', '--room', 'Not A Room', 'hi', ...at]);
		assert.equal(room.code, 2);
		assert.match(room.stderr, /is not a room name/);
		assert.ok(!watcher.messages.includes('watcher: ok') && !watcher.messages.some(m => m.endsWith(': ok')), 'nothing was sent');
	});
});

describe('zchat send against a hub with a flood limit', () => {
	let hub: HubServer;
	let at: string[];
	before(async () => {
		// Three at once, then three a second: 20 lines take about 6 s, much longer than --timeout.
		hub = await startHub({rateLimit: {burst: 3, seconds: 1}});
		at = ['--host', '127.0.0.1', '--sub', String(hub.subPort), '--pub', String(hub.pubPort)];
	});
	after(async () => {
		await hub.stop();
	});

	it('paces itself by the limit in the welcome, delivers every line in order, and says bye; --timeout counts from the last ack', async () => {
		const lines = Array.from({length: 20}, (_, i) => `line ${i + 1}`);
		const run = await zchat(['send', '--nick', 'seq', '--room', 'paced', '--timeout', '2', ...at], lines.join('\n') + '\n', 60_000);
		assert.equal(run.code, 0, run.stderr);
		assert.equal(run.stderr, '');
		assert.ok(run.ms > 4000, `it took its time, as the hub asks (${run.ms} ms): the 2 s timeout counted from each ack, not from the start`);
		const events = hub.store.history('paced', {limit: 100}).events.map(json => JSON.parse(json) as {type: string; text?: string; reason?: string; quit?: boolean});
		assert.deepEqual(
			events.filter(e => e.type === 'message').map(e => e.text),
			lines,
			'every line, once, in order',
		);
		const part = events.find(e => e.type === 'part');
		assert.ok(part, 'it left the room');
		assert.equal(part.quit, true);
		assert.equal(part.reason, undefined, 'a goodbye, not "timed out"');
		// Paced by the limit in the welcome it is hardly ever refused (a line held up on a busy
		// machine can reach the hub with the next one); a refused line is sent again, in order.
		assert.ok(hub.core.counters.rateLimited < lines.length / 2, `refused ${hub.core.counters.rateLimited} times`);
	});
});

/**
 * A hand-written stand-in for a hub that welcomes everyone, and acks `say` and answers `bye`
 * only when told to: for what a real hub does only when it fails at the wrong moment.
 */
async function fakeHub(policy: {ack: boolean; bye: boolean}): Promise<{sub: number; received: string[]; close: () => void}> {
	const router = new zmq.Router({linger: 0});
	await router.bind('tcp://127.0.0.1:*');
	let seq = 0;
	const received: string[] = [];
	void (async () => {
		for await (const [peer, frame] of router) {
			const cmd = JSON.parse(frame!.toString()) as {type: string; id?: string; nick?: string; room?: string};
			received.push(cmd.type);
			const answer = (reply: object) => router.send([peer!, JSON.stringify(reply)]);
			if (cmd.type === 'hello') {
				const rooms = [{room: 'lobby', seq: 0, topic: '', members: [cmd.nick]}];
				const limits = {textBytes: 4096, frames: 16, frameBytes: 65536, roomsPerSession: 32, historyLimit: 500, historyKept: 10_000};
				await answer({type: 'welcome', re: cmd.id, v: 1, nick: cmd.nick, epoch: 'fake', resumed: false, rooms, ttlMs: 10_000, limits, hub: {name: 'fake', version: '0'}});
			} else if (cmd.type === 'say' && policy.ack) {
				await answer({type: 'ack', re: cmd.id, room: cmd.room, seq: ++seq, epoch: 'fake'});
			} else if (cmd.type === 'bye' && policy.bye) {
				await answer({type: 'ok', re: cmd.id, command: 'bye'});
			} else if (cmd.type === 'ping') {
				await answer({type: 'pong', re: cmd.id, ts: Date.now(), heads: {}, epoch: 'fake', session: true});
			}
		}
	})();
	const {port} = new URL(router.lastEndpoint!.replace('tcp:', 'http:'));
	return {sub: Number(port), received, close: () => router.close()};
}

/**
 * What starting `zchat send` costs on this machine now (`send --help`: the process, its modules,
 * nothing asked): a time limit on a give-up is judged beyond it, not from the spawn.
 */
async function startingCost(): Promise<number> {
	const help = await zchat(['send', '--help']);
	assert.equal(help.code, 0, help.stderr);
	return help.ms;
}

describe('zchat send when the hub fails at the wrong moment', () => {
	it('welcomed but never acked: exit 1, saying the message may not have been delivered', async () => {
		const hub = await fakeHub({ack: false, bye: true});
		try {
			const start = await startingCost();
			const run = await zchat(['send', '--sub', String(hub.sub), '--pub', String(await deadPort()), '--timeout', '1', 'hello?']);
			assert.equal(run.code, 1);
			assert.equal(run.stderr, `zchat: the hub at tcp://127.0.0.1:${hub.sub} did not acknowledge the message in 1 s: it may not have been delivered\n`);
			assert.ok(run.ms >= 1000 && run.ms - start < 5500, `took ${run.ms} ms (starting one costs ${start} ms now)`);
			await waitFor('its goodbye, even when giving up', () => hub.received.includes('bye'));
		} finally {
			hub.close();
		}
	});

	it('acked, but the goodbye is never answered: delivered all the same, exit 0', async () => {
		const hub = await fakeHub({ack: true, bye: false});
		try {
			const run = await zchat(['send', '--sub', String(hub.sub), '--pub', String(await deadPort()), '--timeout', '1', 'hello?']);
			assert.equal(run.code, 0, run.stderr);
			assert.equal(run.stderr, '');
		} finally {
			hub.close();
		}
	});
});

describe('send input, without sockets', () => {
	it('send: arguments make one message; stdin one per line, or one with multiline', () => {
		assert.deepEqual(messagesFrom(['build', '42', 'passed'], undefined, false), ['build 42 passed']);
		assert.deepEqual(messagesFrom([], 'one\r\n\ntwo\n', false), ['one', 'two']);
		assert.deepEqual(messagesFrom([], 'one\n\n  two\n', true), ['one\n\n  two']);
		assert.deepEqual(messagesFrom(['words', 'win'], 'ignored\n', false), ['words win']);
		for (const [words, stdin] of [[[], undefined], [[], ' \n\t\n'], [[' '], undefined]] as const) {
			assert.throws(
				() => messagesFrom(words, stdin, false),
				(err: unknown) => err instanceof ZchatError && err.exitCode === 2 && err.message.startsWith('nothing to send'),
			);
		}
		assert.throws(
			() => messagesFrom([], '\u00e9'.repeat(2049), true),
			(err: unknown) => err instanceof ZchatError && err.exitCode === 2 && err.message.startsWith('the message is 4098 bytes'),
		);
	});
});
