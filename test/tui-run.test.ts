import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {Client} from '../src/client/client.js';
import type {Command} from '../src/protocol/types.js';
import {BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON} from '../src/ui/paste.js';
import {drawsTheSame} from '../src/ui/screen-state.js';
import {ALT_SCREEN_OFF, ALT_SCREEN_ON} from '../src/ui/terminal.js';
import {runTui} from '../src/ui/tui.js';
import {TestTerminal} from './helpers/ink.js';
import {event, Sim} from './helpers/sim.js';
import {FakeTransport} from './helpers/tui.js';
import {waitFor} from './helpers/wait.js';

/**
 * runTui on a test terminal, with a client on a fake transport. The tests wait on the
 * client's state, not on frames: with CI set (as in CI runs) Ink draws only the last frame.
 */
function start(options: {bell: boolean} = {bell: true}) {
	const transport = new FakeTransport();
	const client = new Client(transport, {nick: 'alice', nickExplicit: true, rooms: ['lobby'], session: 's'.repeat(24), history: 50, quitTimeoutMs: 2000});
	client.start(60_000);
	const term = new TestTerminal(80, 20);
	const errors: string[] = [];
	term.stderr.write = (s: string) => (errors.push(s), true);
	const io = {stdin: term.stdin, stdout: term.stdout, stderr: term.stderr} as unknown as Parameters<typeof runTui>[2];
	const done = runTui(client, {bell: options.bell, timestamps: true, hubAddress: 'tcp://127.0.0.1:1'}, io);
	transport.welcome('alice', [{room: 'lobby', members: ['alice', 'bob']}]);
	const output = () => term.frames.join('');
	const connected = () => waitFor('the welcome', () => client.state.connection === 'connected');
	return {transport, client, term, done, errors, output, connected};
}

describe('runTui', () => {
	test('uses the alternate screen and bracketed paste, and puts both back when the client exits', async () => {
		const t = start();
		await t.connected();
		assert.ok(t.output().startsWith(ALT_SCREEN_ON), 'the alternate screen first');
		assert.ok(t.output().includes(BRACKETED_PASTE_ON));
		t.term.type('/quit\r');
		await waitFor('a bye', () => t.transport.sent.find((c): c is Extract<Command, {type: 'bye'}> => c.type === 'bye'));
		const bye = t.transport.sent.find(c => c.type === 'bye')!;
		t.transport.reply({type: 'ok', re: bye.id!, command: 'bye'});
		assert.equal(await t.done, 0);
		const out = t.output();
		assert.ok(out.lastIndexOf(ALT_SCREEN_OFF) > out.lastIndexOf('#lobby›'), 'the normal screen comes back after the last frame');
		assert.ok(out.includes(BRACKETED_PASTE_OFF));
		assert.deepEqual(t.errors, []);
	});

	test('Ctrl+C twice leaves at once; what was not delivered is said on stderr with exit code 1', async () => {
		const t = start();
		await t.connected();
		t.term.type('unacked line\r');
		await waitFor('the say', () => t.transport.sent.some(c => c.type === 'say'));
		t.term.type('\x03');
		await waitFor('leaving', () => t.client.state.quitting !== undefined);
		t.term.type('\x03');
		assert.equal(await t.done, 1);
		assert.match(t.errors.join(''), /^zchat: 1 line was not delivered/);
		assert.ok(t.output().includes(ALT_SCREEN_OFF));
	});

	test('a refusal that came before the TUI was loaded is not missed: nothing drawn, the reason, its exit code', async () => {
		const transport = new FakeTransport();
		const client = new Client(transport, {nick: 'ALICE', nickExplicit: true, rooms: ['lobby'], session: 's'.repeat(24)});
		client.start(60_000);
		const hello = transport.sent.find(c => c.type === 'hello')!;
		transport.reply({type: 'error', re: hello.id!, code: 'nick_taken', message: 'the nick "ALICE" is taken'});
		await client.ended;
		const term = new TestTerminal(80, 20);
		const errors: string[] = [];
		term.stderr.write = (s: string) => (errors.push(s), true);
		const io = {stdin: term.stdin, stdout: term.stdout, stderr: term.stderr} as unknown as Parameters<typeof runTui>[2];
		assert.equal(await runTui(client, {bell: false, timestamps: true, hubAddress: 'tcp://127.0.0.1:1'}, io), 2);
		assert.deepEqual(errors, ['zchat: the nick "ALICE" is taken (on this hub): choose another with --nick\n']);
		assert.deepEqual(term.frames, [], 'the screen was never touched');
	});

	test('the bell rings on a mention unless turned off', async () => {
		for (const bell of [true, false]) {
			const t = start({bell});
			await t.connected();
			t.transport.feed(event('lobby', 1, 'bob', 'alice: ping'));
			assert.equal(t.client.state.views['#lobby']!.feed.length, 1);
			assert.equal(t.output().includes('\x07'), bell);
			t.term.type('\x03\x03');
			await t.done;
		}
	});
});

describe('what redraws the screen', () => {
	test('ticks and replies that change nothing visible do not; a new message does', () => {
		const sim = new Sim().connect();
		const before = sim.state;
		sim.now += 3000; // a ping is due
		sim.do({type: 'tick'});
		assert.notEqual(sim.state, before);
		assert.ok(drawsTheSame(before, sim.state));
		sim.messages('lobby', 1, 1);
		assert.ok(!drawsTheSame(before, sim.state));
	});
});
