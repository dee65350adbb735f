import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import type {HubServer} from '../src/hub/server.js';
import {spawnZchat} from './helpers/cli.js';
import {join, type Member} from './helpers/front-door.js';
import {startHub} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/**
 * `zchat join` in a pipe, as scripts use it: output in the order the input was given (a
 * local error waits for the lines before it), and no history unless asked for when both
 * ends are pipes.
 */

async function run(args: readonly string[], input: string): Promise<{code: number | string; stdout: string; stderr: string}> {
	const p = spawnZchat(args, {ZCHAT_CONFIG: ''});
	p.child.stdin.end(input);
	const code = await p.exited;
	return {code, stdout: p.stdout(), stderr: p.stderr()};
}

describe('zchat join in a pipe', () => {
	let hub: HubServer;
	let old: Member;
	let at: string[];

	before(async () => {
		// Two lines at once, then one a second: the lines of a script wait their turn.
		hub = await startHub({rateLimit: {burst: 2, seconds: 2}});
		at = ['--host', '127.0.0.1', '--sub', String(hub.subPort), '--pub', String(hub.pubPort)];
		old = await join(hub, 'oldtimer', ['lobby']);
		old.client.intent({type: 'say', text: 'said before anyone came'});
		await waitFor('it to be stored', () => hub.store.head('lobby') === 2);
	});

	after(async () => {
		await old.close();
		await hub.stop();
	});

	test('a local error (/nosuch) is printed after the lines typed before it, not before them', async () => {
		const r = await run(['join', '--plain', '--no-timestamps', '--nick', 'orderly', ...at], 'a\nb\nc\nd\n/nosuch\ne\n');
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.trimEnd().split('\n').filter(l => !l.startsWith('-- '));
		assert.deepEqual(lines, ['<orderly> a', '<orderly> b', '<orderly> c', '<orderly> d', '!! unknown command "/nosuch": /help lists the commands', '<orderly> e']);
	});

	test('stdin and stdout both pipes: no history unless --history is given', async () => {
		const quiet = await run(['join', '--plain', '--no-timestamps', '--nick', 'piper', ...at], 'hello\n');
		assert.equal(quiet.code, 0, quiet.stderr);
		assert.ok(!quiet.stdout.includes('said before anyone came'), `no history: ${quiet.stdout}`);
		assert.match(quiet.stdout, /^-- piper joined #lobby\n<piper> hello\n/);

		const asked = await run(['join', '--plain', '--no-timestamps', '--nick', 'piper2', '--history', '50', ...at], 'hello\n');
		assert.equal(asked.code, 0, asked.stderr);
		assert.match(asked.stdout, /^-- oldtimer joined #lobby\n<oldtimer> said before anyone came\n/);
	});
});
