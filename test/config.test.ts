import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {configFile, loadConfig, saveSetting} from '../src/cli/config-file.js';
import {parseConfig, resolvePaths, settingFromText, withSetting} from '../src/cli/config.js';
import {ZchatError} from '../src/errors.js';
import type {HubServer} from '../src/hub/server.js';
import {generateKeyPair, writeKeyPair} from '../src/keys.js';
import {spawnHub, spawnZchat, type Proc} from './helpers/cli.js';
import {join as joinHub, type Member} from './helpers/front-door.js';
import {startHub, tempDir} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/**
 * The settings file ($XDG_CONFIG_HOME/zchat/config.json): read by join, send, who, stats and
 * log, overridden by flags and ZCHAT_* variables, wrong ones named by file, line and setting,
 * and one setting saved at a time (what the TUI's /set uses).
 */

const dir = tempDir('zchat-config-');
const procs: Proc[] = [];
after(() => {
	for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
	dir.remove();
});

/** A config home of its own for each test, holding `settings` (as JSON text, or an object). */
let homes = 0;
function configHome(settings: string | object): {env: NodeJS.ProcessEnv; file: string; dir: string} {
	const base = join(dir.path, `home${++homes}`);
	mkdirSync(join(base, 'zchat'), {recursive: true});
	const file = join(base, 'zchat', 'config.json');
	writeFileSync(file, typeof settings === 'string' ? settings : JSON.stringify(settings, null, 2));
	const env = {XDG_CONFIG_HOME: base, ZCHAT_CONFIG: undefined, ZCHAT_NICK: undefined, ZCHAT_HOST: undefined, ZCHAT_SUB: undefined, ZCHAT_PUB: undefined, ZCHAT_SERVER_KEY: undefined, ZCHAT_KEY: undefined};
	return {env: env as unknown as NodeJS.ProcessEnv, file, dir: join(base, 'zchat')};
}

async function run(args: readonly string[], env: NodeJS.ProcessEnv, input = ''): Promise<{code: number | string; stdout: string; stderr: string}> {
	const p = spawnZchat(args, env);
	procs.push(p);
	p.child.stdin.end(input);
	const code = await p.exited;
	return {code, stdout: p.stdout(), stderr: p.stderr()};
}

function refusal(fn: () => unknown, pattern: RegExp): void {
	assert.throws(fn, (err: unknown) => err instanceof ZchatError && err.exitCode === 2 && pattern.test(err.message));
}

describe('the settings file, parsed (no I/O)', () => {
	test('every setting, as documented in the README', () => {
		const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
		const example = /<!-- config example -->\s*```json\n([\s\S]*?)```/.exec(readme)?.[1];
		assert.ok(example, 'the README shows an example settings file');
		const c = parseConfig(example, 'config.json');
		assert.deepEqual(Object.keys(c).sort(), ['bell', 'colours', 'history', 'host', 'ignore', 'key', 'nick', 'pub', 'rooms', 'serverKey', 'sub', 'timestamps']);
		assert.deepEqual(parseConfig('{"rooms": ["#Dev", "ops", "dev"], "history": "all", "bell": false}', 'f'), {rooms: ['dev', 'ops'], history: Infinity, bell: false});
		assert.deepEqual(parseConfig('', 'f'), {}, 'an empty file is no settings');
		assert.deepEqual(parseConfig('\uFEFF{}', 'f'), {});
	});

	test('a file that is not JSON: the file and the line, whatever JSON.parse said', () => {
		refusal(() => parseConfig('{\n  "nick": "alice",\n}\n', '/h/config.json'), /^\/h\/config\.json, line 3: not valid JSON \(Expected double-quoted property name\): fix or remove it/);
		refusal(() => parseConfig('{\n  "nick": "alice"\n  "sub": 7000\n}', 'c'), /^c, line 3: not valid JSON/);
		refusal(() => parseConfig('{\n\n  "bell": tru\n}', 'c'), /^c, line 3: not valid JSON \(Unexpected token '\\n'\)/);
		refusal(() => parseConfig('{\n  "bell": true', 'c'), /^c, line 2: not valid JSON \(Expected ',' or '}'/);
		refusal(() => parseConfig('["nick"]', 'c'), /^c, line 1: the settings must be one JSON object/);
	});

	test('a wrong setting: the file, its line, the setting and what it must be', () => {
		const text = '{\n  "host": "chat.example.org",\n  "sub": "7000",\n  "nick": "alice"\n}\n';
		refusal(() => parseConfig(text, 'c'), /^c, line 3: "sub" must be the hub's command port, a number from 1 to 65535: fix or remove it/);
		refusal(() => parseConfig('{"nick": "no spaces"}', 'c'), /^c, line 1: "nick" is not a valid nick: a nick may only use ASCII letters/);
		refusal(() => parseConfig('{\n"rooms": ["lobby", "Bad Room"]}', 'c'), /^c, line 2: "rooms" has a bad room name: "Bad Room" is not a room name/);
		refusal(() => parseConfig('{"rooms": "lobby"}', 'c'), /"rooms" must be a list of room names, such as \["lobby", "dev"\]/);
		refusal(() => parseConfig('{"history": -1}', 'c'), /"history" must be a whole number of events \(0 or more\), or "all"/);
		refusal(() => parseConfig('{"bell": "off"}', 'c'), /"bell" must be true or false/);
		refusal(() => parseConfig('{\n\n "colors": false}', 'c'), /^c, line 3: unknown setting "colors" \(the settings are host, sub, pub, serverKey, key, nick, rooms, history, timestamps, bell, colours, ignore\)/);
		refusal(() => parseConfig('{"\\u001b]0;x\\u0007": 1}', 'c'), /^c, line 1: unknown setting "\^\[\]0;x\^G"/);
	});

	test('a setting typed as text (/set): words for true and false, lists, "all"', () => {
		assert.equal(settingFromText('bell', 'off'), false);
		assert.equal(settingFromText('timestamps', 'on'), true);
		assert.deepEqual(settingFromText('rooms', '#lobby, dev ops'), ['lobby', 'dev', 'ops']);
		assert.equal(settingFromText('history', 'all'), Infinity);
		assert.equal(settingFromText('sub', '7000'), 7000);
		refusal(() => settingFromText('sub', 'seven'), /^"sub" must be the hub's command port/);
		refusal(() => settingFromText('volume', '11'), /^there is no setting "volume": the settings are host, sub/);
	});

	test('one setting changed, the others kept in their order; a removed one is gone', () => {
		const text = '{\n  "nick": "alice",\n  "bell": true\n}\n';
		assert.equal(withSetting(text, 'c', 'bell', 'off'), '{\n  "nick": "alice",\n  "bell": false\n}\n');
		assert.equal(withSetting(text, 'c', 'rooms', ['lobby', '#dev']), '{\n  "nick": "alice",\n  "bell": true,\n  "rooms": [\n    "lobby",\n    "dev"\n  ]\n}\n');
		assert.equal(withSetting(text, 'c', 'nick', undefined), '{\n  "bell": true\n}\n');
		assert.equal(withSetting('', 'c', 'history', 'all'), '{\n  "history": "all"\n}\n');
		refusal(() => withSetting(text, 'c', 'nick', 'two words'), /"nick" is not a valid nick/);
		refusal(() => withSetting('{"sub": 0}', 'c', 'bell', 'off'), /^c, line 1: "sub" must be/);
	});

	test('key files: "~/" from home, a relative path from the settings file\'s directory; a key itself stays', () => {
		const key = generateKeyPair().publicKey;
		assert.deepEqual(resolvePaths({key: '~/.config/zchat/key', serverKey: key}, '/etc/zc', '/home/a'), {key: '/home/a/.config/zchat/key', serverKey: key});
		assert.deepEqual(resolvePaths({key: 'me.key', serverKey: 'hub.pub'}, '/etc/zc', '/home/a'), {key: '/etc/zc/me.key', serverKey: '/etc/zc/hub.pub'});
		assert.deepEqual(resolvePaths({key: '/abs/k'}, '/etc/zc', '/home/a'), {key: '/abs/k'});
	});
});

describe('the settings file on disk', () => {
	test('where it is: ZCHAT_CONFIG, else $XDG_CONFIG_HOME/zchat/config.json, else ~/.config', () => {
		assert.equal(configFile({ZCHAT_CONFIG: '/x/y.json'}), '/x/y.json');
		assert.equal(configFile({ZCHAT_CONFIG: ''}), undefined);
		assert.equal(configFile({XDG_CONFIG_HOME: '/xdg'}), '/xdg/zchat/config.json');
		assert.equal(configFile({XDG_CONFIG_HOME: 'relative'}), join(homedir(), '.config', 'zchat', 'config.json'));
		assert.equal(configFile({}), join(homedir(), '.config', 'zchat', 'config.json'));
	});

	test('loadConfig: none is no settings; saveSetting writes the whole file or nothing, and keeps its mode', () => {
		const base = join(dir.path, 'disk');
		const env = {XDG_CONFIG_HOME: base};
		assert.deepEqual(loadConfig(env), {file: join(base, 'zchat', 'config.json'), config: {}});
		assert.deepEqual(loadConfig({ZCHAT_CONFIG: ''}), {file: undefined, config: {}});
		const saved = saveSetting('nick', 'alice', env);
		assert.deepEqual(saved.config, {nick: 'alice'});
		saveSetting('bell', 'off', env);
		saveSetting('key', 'alice.key', env);
		assert.deepEqual(loadConfig(env).config, {nick: 'alice', bell: false, key: join(base, 'zchat', 'alice.key')});
		assert.equal(statSync(saved.file!).mode & 0o777, 0o644);
		refusal(() => saveSetting('bell', 'maybe', env), /"bell" must be true or false/);
		assert.deepEqual(loadConfig(env).config.bell, false, 'unchanged by a refused value');
		writeFileSync(saved.file!, '{"nick": }');
		refusal(() => loadConfig(env), new RegExp(`^${saved.file!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, line 1: not valid JSON`));
		refusal(() => saveSetting('bell', 'on', env), /line 1: not valid JSON/);
		assert.equal(readFileSync(saved.file!, 'utf8'), '{"nick": }', 'a wrong file is not rewritten');
	});
});

describe('every command reads it; flags and ZCHAT_* override it', () => {
	let hub: HubServer;
	let watcher: Member;
	before(async () => {
		hub = await startHub();
		watcher = await joinHub(hub, 'watcher', ['lobby', 'ops']);
	});
	after(async () => {
		await watcher.close();
		await hub.stop();
	});
	const address = () => ({host: '127.0.0.1', sub: hub.subPort, pub: hub.pubPort});

	test('send: the hub, the nick and the first room from the file; --nick and ZCHAT_NICK win over it', async () => {
		const home = configHome({...address(), nick: 'cfgbot', rooms: ['ops', 'lobby']});
		const sent = await run(['send', 'from the file'], home.env);
		assert.equal(sent.code, 0, sent.stderr);
		await waitFor('the message in #ops from cfgbot', () => hub.store.history('ops', {limit: 10}).events.some(e => e.includes('"from":"cfgbot","text":"from the file"')));
		const flag = await run(['send', '--nick', 'flagbot', '--room', 'lobby', 'from a flag'], home.env);
		assert.equal(flag.code, 0, flag.stderr);
		const env = await run(['send', 'from the environment'], {...home.env, ZCHAT_NICK: 'envbot'});
		assert.equal(env.code, 0, env.stderr);
		await waitFor('both', () => watcher.messages.includes('flagbot: from a flag') && watcher.messages.includes('envbot: from the environment'));
	});

	test('who, stats and log: the hub from the file (log: its first room)', async () => {
		const home = configHome({...address(), rooms: ['ops']});
		const who = await run(['who'], home.env);
		assert.equal(who.code, 0, who.stderr);
		assert.match(who.stdout, /watcher/);
		const stats = await run(['stats', '--json'], home.env);
		assert.equal(stats.code, 0, stats.stderr);
		assert.ok((JSON.parse(stats.stdout) as {sessions: number}).sessions >= 1);
		const log = await run(['log'], home.env);
		assert.equal(log.code, 0, log.stderr);
		assert.match(log.stdout, /<cfgbot> from the file/, 'the first room of the file: #ops');
		const wrongPort = await run(['who', '--timeout', '0.5'], {...home.env, ZCHAT_SUB: '9'});
		assert.equal(wrongPort.code, 1, 'ZCHAT_SUB wins over the file');
		assert.match(wrongPort.stderr, /tcp:\/\/127\.0\.0\.1:9 /);
	});

	test('join: nick, rooms, timestamps and the ignore list from the file', async () => {
		const home = configHome({...address(), nick: 'carol', rooms: ['ops'], timestamps: false, ignore: ['pest']});
		const carol = spawnZchat(['join', '--plain', '--stay'], home.env);
		procs.push(carol);
		await carol.waitLine('-- carol joined #ops');
		const pest = await joinHub(hub, 'pest', ['ops']);
		try {
			pest.client.intent({type: 'say', text: 'buy now'});
			watcher.client.line('/switch #ops');
			watcher.client.intent({type: 'say', text: 'morning'});
			await carol.waitLine('<watcher> morning');
			assert.ok(!carol.stdout().includes('buy now'), 'the ignored nick is hidden');
			assert.ok(carol.lines().every(l => !/^\d\d:\d\d/.test(l)), 'no timestamps');
		} finally {
			await pest.close();
			carol.child.kill('SIGTERM');
			await carol.exited;
		}
	});

	test('a hub with keys: the server key file, relative to the settings file', async () => {
		const home = configHome({});
		const hubKey = join(home.dir, 'hub.key');
		writeKeyPair(hubKey, generateKeyPair());
		const keyed = await spawnHub(['--key', hubKey], {env: {ZCHAT_CONFIG: ''}});
		procs.push(keyed.proc);
		try {
			writeFileSync(home.file, JSON.stringify({host: '127.0.0.1', sub: keyed.sub, pub: keyed.pub, serverKey: 'hub.key.pub'}));
			const who = await run(['who'], home.env);
			assert.equal(who.code, 0, who.stderr);
			const sent = await run(['send', '--nick', 'sealed', 'encrypted'], home.env);
			assert.equal(sent.code, 0, sent.stderr);
		} finally {
			keyed.proc.child.kill('SIGINT');
			await keyed.proc.exited;
		}
	});

	test('a wrong file stops every command that reads it: one line naming the file, the line and the setting, exit 2', async () => {
		const home = configHome('{\n  "nick": "alice",\n  "sub": "seven"\n}\n');
		for (const args of [['join', '--plain'], ['send', 'hi'], ['who'], ['stats'], ['log']]) {
			const r = await run(args, home.env);
			assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
			assert.equal(r.stderr, `zchat: ${home.file}, line 3: "sub" must be the hub's command port, a number from 1 to 65535: fix or remove it (flags and ZCHAT_* variables override the file, they do not skip it)\n`);
		}
		const hub = await run(['hub', '--help'], home.env);
		assert.equal(hub.code, 0, 'the hub does not read it');
	});
});
