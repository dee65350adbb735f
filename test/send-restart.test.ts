import assert from 'node:assert/strict';
import {test} from 'node:test';
import {spawnZchat} from './helpers/cli.js';
import {countMessages, hubOnData, killAndRestart, pageHistory} from './helpers/restarts.js';
import {waitFor} from './helpers/wait.js';

/**
 * `zchat send` while the hub is killed with kill -9 and restarted on its data: it resends
 * what was not acked, waits for nothing a restart can skip, says goodbye and exits 0.
 */

test('zchat send across a hub kill -9 and restart: exits 0, every line stored once', {timeout: 90_000}, async t => {
	const hub = await hubOnData(['--ttl', '5']);
	const lines = Array.from({length: 400}, (_, i) => `sent ${i}`);
	const send = spawnZchat(['send', '--room', 'load', '--nick', 'cron', '--timeout', '60', ...hub.args]);
	try {
		send.child.stdin.end(lines.join('\n') + '\n');
		const stored = async () => countMessages(await pageHistory('127.0.0.1', hub.sub, 'load'), lines).once;
		const before = await waitFor(
			'the first lines to be stored',
			async () => {
				const n = await stored();
				return n >= 20 ? n : undefined;
			},
			30_000,
			100,
		);
		await killAndRestart(hub);
		const code = await send.exited;
		const counted = countMessages(await pageHistory('127.0.0.1', hub.sub, 'load'), lines);
		t.diagnostic(`killed with ${before} of 400 stored; zchat send exited ${code}; stored once ${counted.once}, twice ${counted.duplicated}, lost ${counted.lost}`);
		assert.equal(code, 0, `zchat send exits 0 (stderr: ${send.stderr()})`);
		assert.deepEqual(counted, {once: 400, duplicated: 0, lost: 0});
	} finally {
		if (send.child.exitCode === null) send.child.kill('SIGKILL');
		await hub.done();
	}
});
