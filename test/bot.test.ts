import assert from 'node:assert/strict';
import {spawn, spawnSync, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {join as pathJoin} from 'node:path';
import {after, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {spawnHub, type Proc} from './helpers/cli.js';
import {join, zchat, type Member} from './helpers/front-door.js';
import {tempDir} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/**
 * "Bots in any language": the Python bot printed at the end of docs/PROTOCOL.md, written from
 * the document alone, taken out of the document exactly as printed and run against real hubs.
 * examples/bots/echo-bot.py is the same file. CI installs Debian's python3-zmq for it.
 */

const DOC = fileURLToPath(new URL('../../docs/PROTOCOL.md', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../examples/bots/echo-bot.py', import.meta.url));

/** The bot as PROTOCOL.md prints it: the Python block of its last section. */
function botFromDoc(): string {
	const doc = readFileSync(DOC, 'utf8');
	const section = doc.slice(doc.indexOf('\n## A bot in Python'));
	const m = /\n```python\n([\s\S]*?)\n```/.exec(section);
	assert.ok(m, 'PROTOCOL.md ends with a bot in a ```python block');
	return m[1]! + '\n';
}

function pythonWithZmq(): string {
	for (const python of ['/usr/bin/python3', 'python3']) {
		if (spawnSync(python, ['-c', 'import zmq'], {stdio: 'ignore'}).status === 0) return python;
	}
	throw new Error('no python3 with pyzmq found: install python3-zmq (apt-get install python3-zmq; .ci/run does)');
}

const dir = tempDir('zchat-bot-');
const hubs: Proc[] = [];
let bot: ChildProcessWithoutNullStreams | undefined;
after(() => {
	bot?.kill('SIGKILL');
	for (const p of hubs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
	dir.remove();
});

async function stop(hub: {proc: Proc}): Promise<void> {
	hub.proc.child.kill('SIGINT');
	assert.equal(await hub.proc.exited, 0);
}

test('the bot printed in PROTOCOL.md is examples/bots/echo-bot.py, byte for byte', () => {
	assert.equal(readFileSync(EXAMPLE, 'utf8'), botFromDoc());
});

test('the bot, exactly as printed, chats, stays alive on a 2 s TTL, and gets past what a hub with --history-limit 50 no longer keeps', {timeout: 90_000}, async () => {
	const python = pythonWithZmq();
	const file = pathJoin(dir.path, 'bot-from-the-doc.py');
	writeFileSync(file, botFromDoc());
	const data = pathJoin(dir.path, 'data');
	const hubArgs = ['--data', data, '--history-limit', '50', '--ttl', '2'];
	let hub = await spawnHub(hubArgs);
	hubs.push(hub.proc);
	const address = {subPort: hub.sub, pubPort: hub.pub};
	bot = spawn(python, [file], {env: {...process.env, ZCHAT_HOST: '127.0.0.1', ZCHAT_SUB: String(hub.sub), ZCHAT_PUB: String(hub.pub), BOT_NICK: 'echobot'}});
	let botErr = '';
	bot.stderr.on('data', (d: Buffer) => (botErr += d.toString()));
	let human: Member | undefined;
	try {
		human = await join(address, 'human', ['lobby']);
		const user = human;
		const botParts: string[] = [];
		user.client.on('show', (_view, item) => {
			if (item.kind === 'event' && item.event.type === 'part' && item.event.from === 'echobot') botParts.push(item.event.reason ?? '');
		});
		const members = () => (user.client.state.views['#lobby'] as {members?: readonly string[]} | undefined)?.members ?? [];
		await waitFor(() => `the bot to join (bot stderr: ${botErr})`, () => members().includes('echobot'), 10_000);
		user.client.line('!echo hello from node');
		await waitFor(() => `the echo (bot stderr: ${botErr})`, () => user.messages.includes('echobot: hello from node'), 10_000);
		user.client.line('!time');
		await waitFor('the time from the bot', () => user.messages.some(m => /^echobot: \d\d:\d\d:\d\d$/.test(m)), 10_000);

		// Sixty messages the bot cannot see: said on the same data through a hub on other
		// ports. The hub keeps 50, so ten of them are gone by the time the bot is back.
		await stop(hub);
		const elsewhere = await spawnHub(['--data', data, '--history-limit', '50']);
		hubs.push(elsewhere.proc);
		const lines = Array.from({length: 60}, (_, i) => `while you were out ${i + 1}`).join('\n');
		const sent = await zchat(['send', '--nick', 'chatty', ...elsewhere.args], lines + '\n');
		assert.equal(sent.code, 0, sent.stderr);
		await stop(elsewhere);
		hub = await spawnHub([...hubArgs, '--sub', String(address.subPort), '--pub', String(address.pubPort)]);
		hubs.push(hub.proc);

		await waitFor('the human and the bot back in', () => user.client.state.connection === 'connected' && members().includes('echobot'), 20_000);
		user.client.line('!echo after the gap');
		await waitFor(() => `the echo after the gap (bot stderr: ${botErr.slice(-300)})`, () => user.messages.includes('echobot: after the gap'), 15_000);
		assert.match(botErr, /^\d+ events of #lobby are gone$/m, 'the bot said what it missed');

		assert.ok(!botParts.includes('timed out'), `pinging every ttlMs / 4, the bot never timed out (its parts: ${JSON.stringify(botParts)})`);
		const log = await zchat(['log', '--json', '--sub', String(address.subPort)]);
		assert.equal(log.code, 0, log.stderr);
		const events = log.stdout.trimEnd().split('\n').map(l => JSON.parse(l) as {type: string; from: string; text?: string});
		assert.equal(events.filter(e => e.from === 'echobot' && e.text === 'after the gap').length, 1, 'answered once');
		assert.doesNotMatch(botErr, /Traceback/);
	} finally {
		await human?.close();
		bot.kill('SIGKILL');
	}
});
