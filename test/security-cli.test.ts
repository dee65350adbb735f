import assert from 'node:assert/strict';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {generateKeyPair, writeKeyPair} from '../src/keys.js';
import {spawnZchat, type Proc} from './helpers/cli.js';
import {tempDir} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/** The hub's security flags from the command line: warnings, defaults and mistakes. */

const procs: Proc[] = [];
const track = (p: Proc) => (procs.push(p), p);
const dir = tempDir('zchat-seccli-');
after(() => {
	for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
	dir.remove();
});

test('--host 0.0.0.0 without --key warns that the room is open and unencrypted; with --key it does not', async () => {
	const open = track(spawnZchat(['hub', '--memory', '--host', '0.0.0.0', '--sub', '0', '--pub', '0']));
	await open.waitLine('join it with');
	await waitFor('the warning', () => open.stderr().includes('warning'));
	assert.equal(
		open.stderr(),
		'zchat: warning: the hub listens on every interface with no encryption: anyone who can reach these ports can read and post. Run it with --key (docs/SECURITY.md)\n',
	);
	assert.match(open.stdout(), /security\s+open: no encryption, anyone who can reach the ports can join/);
	open.child.kill('SIGINT');
	assert.equal(await open.exited, 0);

	const keyFile = join(dir.path, 'hub.key');
	writeKeyPair(keyFile, generateKeyPair());
	const keyed = track(spawnZchat(['hub', '--memory', '--host', '0.0.0.0', '--sub', '0', '--pub', '0', '--key', keyFile]));
	await keyed.waitLine('join it with');
	keyed.child.kill('SIGINT');
	assert.equal(await keyed.exited, 0);
	assert.equal(keyed.stderr(), '', 'no warning with encryption');
});

test('the flood limit is on by default, 5 at once then one a second; bad values exit 2', async () => {
	const help = track(spawnZchat(['hub', '--help']));
	assert.equal(await help.exited, 0);
	assert.match(help.stdout(), /--rate-limit <burst\/seconds>.*\(default: 5\/5\)/s);
	for (const flag of ['--key <file>', '--authorized <file>', '--op <nick\|key>']) assert.ok(help.stdout().includes(flag.replace('\\', '')), flag);
	const bad = track(spawnZchat(['hub', '--memory', '--rate-limit', 'fast']));
	assert.equal(await bad.exited, 2);
	assert.match(bad.stderr(), /--rate-limit.*must be BURST\/SECONDS/);
	const op = track(spawnZchat(['hub', '--memory', '--sub', '0', '--pub', '0', '--op', generateKeyPair().publicKey]));
	assert.equal(await op.exited, 2);
	assert.match(op.stderr(), /--op with a key needs --key/);
	const badOp = track(spawnZchat(['hub', '--memory', '--op', 'not a nick!']));
	assert.equal(await badOp.exited, 2);
	assert.match(badOp.stderr(), /neither a nick nor a public key/);
	const joinHelp = track(spawnZchat(['join', '--help']));
	assert.equal(await joinHelp.exited, 0);
	assert.match(joinHelp.stdout(), /--server-key <key\|file>/);
});
