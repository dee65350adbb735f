import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {after, before, test} from 'node:test';
import type {HubServer} from '../src/hub/server.js';
import {connectClient} from './helpers/client.js';
import {startHub} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/**
 * "Bots in any language": the Python bot of docs/PROTOCOL.md, written from the document
 * alone, run against a real hub. CI installs Debian's python3-zmq for it.
 */
const BOT = fileURLToPath(new URL('../../examples/bots/echo-bot.py', import.meta.url));

function pythonWithZmq(): string {
	for (const python of ['/usr/bin/python3', 'python3']) {
		if (spawnSync(python, ['-c', 'import zmq'], {stdio: 'ignore'}).status === 0) return python;
	}
	throw new Error('no python3 with pyzmq found: install python3-zmq (apt-get install python3-zmq; .ci/run does)');
}

let hub: HubServer;
before(async () => {
	hub = await startHub({ttlMs: 3000});
});
after(async () => {
	await hub.stop();
});

test('a Python bot written from PROTOCOL.md chats with a zchat client', async () => {
	const python = pythonWithZmq();
	const bot = spawn(python, [BOT], {env: {...process.env, ZCHAT_HOST: '127.0.0.1', ZCHAT_SUB: String(hub.subPort), ZCHAT_PUB: String(hub.pubPort), BOT_NICK: 'echobot'}});
	let botErr = '';
	bot.stderr.on('data', (d: Buffer) => (botErr += d.toString()));
	const user = connectClient(hub, 'human');
	try {
		await user.waitConnected();
		await waitFor(() => `the bot to join (bot stderr: ${botErr})`, () => user.client.state.views['#lobby'] && (user.client.state.views['#lobby'] as {members?: readonly string[]}).members?.includes('echobot'), 10_000);
		user.client.line('!echo hello from node');
		await user.waitMessage('hello from node', 10_000);
		user.client.line('!time');
		await waitFor('the time from the bot', () => user.messages().some(m => /^echobot: \d\d:\d\d:\d\d$/.test(m)), 10_000);
		assert.deepEqual(
			user.messages().filter(m => m.startsWith('echobot:')).length,
			2,
		);
	} finally {
		bot.kill('SIGKILL');
		await user.close();
	}
});
