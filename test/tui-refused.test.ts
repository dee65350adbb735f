import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {generateKeyPair, writeKeyPair} from '../src/keys.js';
import {spawnHub, spawnZchat, type Proc, type SpawnedHub} from './helpers/cli.js';
import {tempDir} from './helpers/hub.js';
import {requireTmux, TmuxTui} from './helpers/tmux.js';

/**
 * The real TUI in a pseudo-terminal (tmux, CI unset) when the hub will not have it, or a
 * signal comes: it says why on stderr in the same words as line mode, exits with the same
 * code, and leaves the terminal as it found it (normal screen, cursor shown, raw mode off).
 * It used to freeze on "● closed" for good when the refusal came before Ink had loaded.
 */

const procs: Proc[] = [];
const tuis: TmuxTui[] = [];
const dir = tempDir('zchat-refused-');

before(() => requireTmux());

after(() => {
	for (const t of tuis) t.close();
	for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
	dir.remove();
});

function tui(args: readonly string[]): TmuxTui {
	const t = TmuxTui.start(args, {columns: 80, rows: 20});
	tuis.push(t);
	return t;
}

async function hubWith(extra: readonly string[] = []): Promise<SpawnedHub> {
	const hub = await spawnHub(extra);
	procs.push(hub.proc);
	return hub;
}

/** What line mode says and exits with for the same arguments (stdin kept open, as a person's). */
async function lineMode(args: readonly string[]): Promise<{code: number | string; stderr: string}> {
	const p = spawnZchat(['join', '--plain', '--stay', ...args]);
	procs.push(p);
	const code = await p.exited;
	return {code, stderr: p.stderr()};
}

/** The TUI exits with `code`, says `message` on stderr (nothing else), and puts the terminal back. */
async function assertLeftCleanly(t: TmuxTui, code: number, message: RegExp): Promise<string> {
	assert.equal(await t.waitExit(20_000), code, `exit code; stderr: ${t.stderr()}`);
	// Ink's cursor restore is the only terminal code that goes to stderr.
	const said = t.stderr().replace(/\x1b\[\?25h/g, '');
	assert.match(said, message);
	assert.equal(said.split('\n').filter(Boolean).length, 1, `one line on stderr: ${JSON.stringify(said)}`);
	assert.deepEqual(t.terminalAfterExit(), {alternateScreen: false, cursorVisible: true, canonical: true, echo: true});
	return said;
}

describe('the TUI refused by the hub at start (tmux)', () => {
	test('a nick taken in another case: the line mode words, exit 2, the terminal back', async () => {
		const hub = await hubWith();
		const alice = spawnZchat(['join', '--nick', 'alice', '--json', '--stay', ...hub.args]);
		procs.push(alice);
		await alice.waitLine('"type":"join"');
		const t = tui(['--nick', 'ALICE', ...hub.args]);
		const said = await assertLeftCleanly(t, 2, /^zchat: .*taken.*choose another with --nick\n$/);
		const line = await lineMode(['--nick', 'ALICE', ...hub.args]);
		assert.deepEqual({code: line.code, stderr: line.stderr}, {code: 2, stderr: said});
	});

	test('a hub with keys joined without --server-key: exit 2 saying to pass it', async () => {
		const keyFile = join(dir.path, 'hub.key');
		writeKeyPair(keyFile, generateKeyPair());
		const hub = await hubWith(['--key', keyFile]);
		const t = tui(['--nick', 'nokey', ...hub.args]);
		await assertLeftCleanly(t, 2, /^zchat: the hub at .* requires encryption: pass --server-key/);
	});

	test('a key that is not on the hub\'s list: exit 2 naming the key', async () => {
		const hubKey = join(dir.path, 'hub2.key');
		writeKeyPair(hubKey, generateKeyPair());
		const member = generateKeyPair();
		const authorized = join(dir.path, 'authorized');
		writeFileSync(authorized, `${member.publicKey} member\n`);
		const hub = await hubWith(['--key', hubKey, '--authorized', authorized]);
		const stranger = generateKeyPair();
		const strangerFile = join(dir.path, 'stranger.key');
		writeKeyPair(strangerFile, stranger);
		const t = tui(['--nick', 'stranger', '--server-key', hub.ready.serverKey!, '--key', strangerFile, ...hub.args]);
		await assertLeftCleanly(t, 2, new RegExp(`^zchat: the hub at .* refused our key ${stranger.publicKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
	});

	test('a kick as soon as the TUI joins (while it may still be loading): exit 1 with the reason', async () => {
		const hub = await hubWith(['--op', 'boss']);
		const boss = spawnZchat(['join', '--nick', 'boss', '--json', '--stay', ...hub.args]);
		procs.push(boss);
		await boss.waitLine('"type":"join"');
		const t = tui(['--nick', 'victim', ...hub.args]);
		await boss.waitLine(/"type":"join",".*victim/);
		boss.child.stdin.write('/kick victim out you go\n');
		await assertLeftCleanly(t, 1, /^zchat: .*kicked.*out you go/);
	});
});

describe('signals always end the TUI and put the terminal back (tmux)', () => {
	test('SIGTERM while connected: leaves (the room sees it) and exits 0', async () => {
		const hub = await hubWith();
		const bob = spawnZchat(['join', '--nick', 'bob', '--json', '--stay', ...hub.args]);
		procs.push(bob);
		await bob.waitLine('"type":"join"');
		const t = tui(['--nick', 'termed', ...hub.args]);
		await t.waitScreen('connected', s => s.includes('● connected │ termed'));
		process.kill(t.zchatPid(), 'SIGTERM');
		assert.equal(await t.waitExit(), 0);
		assert.deepEqual(t.terminalAfterExit(), {alternateScreen: false, cursorVisible: true, canonical: true, echo: true});
		await bob.waitLine(/"type":"part",".*termed.*"quit":true/);
	});

	test('SIGHUP while no hub answers: exits, the terminal back', async () => {
		// A port nothing listens on: the TUI stays "connecting" until the signal.
		const t = tui(['--nick', 'hungup', '--host', '127.0.0.1', '--sub', '9', '--pub', '9']);
		await t.waitScreen('connecting', s => s.includes('connecting to tcp://127.0.0.1:9'));
		process.kill(t.zchatPid(), 'SIGHUP');
		assert.equal(await t.waitExit(), 0);
		assert.deepEqual(t.terminalAfterExit(), {alternateScreen: false, cursorVisible: true, canonical: true, echo: true});
	});
});
