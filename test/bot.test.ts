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

test('under the default flood limit (5/5, 64 KiB a minute) the bot and a zchat client lose nothing: a burst of 10 echoes all come back, in order', {timeout: 90_000}, async () => {
	const python = pythonWithZmq();
	const limited = await startHub({ttlMs: 3000, rateLimit: {burst: 5, seconds: 5, bytesPerMinute: 64 * 1024}});
	const bot = spawn(python, [BOT], {env: {...process.env, ZCHAT_HOST: '127.0.0.1', ZCHAT_SUB: String(limited.subPort), ZCHAT_PUB: String(limited.pubPort), BOT_NICK: 'echobot'}});
	let botErr = '';
	bot.stderr.on('data', (d: Buffer) => (botErr += d.toString()));
	const user = connectClient(limited, 'human');
	try {
		await user.waitConnected();
		await waitFor(() => `the bot to join (bot stderr: ${botErr})`, () => (user.client.state.views['#lobby'] as {members?: readonly string[]} | undefined)?.members?.includes('echobot'), 10_000);
		const words = Array.from({length: 10}, (_, i) => `burst ${i}`);
		for (const w of words) user.client.line(`!echo ${w}`);
		// The client paces its 10 lines (it had 4 tokens after its hello); the bot answers as its
		// own bucket allows and sends what is refused again, as PROTOCOL.md says.
		await waitFor(
			() => `all 10 echoes (got ${user.messages().filter(m => m.startsWith('echobot:')).length}; bot stderr: ${botErr.slice(-300)})`,
			() => user.messages().filter(m => m.startsWith('echobot:')).length >= 10,
			60_000,
			100,
		);
		assert.deepEqual(
			user.messages().filter(m => m.startsWith('human:')),
			words.map(w => `human: !echo ${w}`),
			'the client lost nothing and kept the order',
		);
		assert.deepEqual(new Set(user.messages().filter(m => m.startsWith('echobot:'))), new Set(words.map(w => `echobot: ${w}`)), 'the bot lost nothing');
	} finally {
		bot.kill('SIGKILL');
		await user.close();
		await limited.stop();
	}
});

