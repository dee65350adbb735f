import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {spawnHub, spawnZchat, type Proc} from './helpers/cli.js';
import {keyFiles} from './helpers/key-files.js';

/**
 * The one-shot tools against hubs with keys: `zchat send`, `who`, `stats` and `log` take
 * --server-key and --key (and ZCHAT_SERVER_KEY, ZCHAT_KEY) exactly as `join` does, and a
 * mismatch (no key for a keyed hub, a wrong hub key, a refused key, a key for an open hub)
 * is one clear line and exit 2, not a timeout that blames a hub that is running.
 */

const {dir, procs, keyFile} = keyFiles('zchat-keyed-tools-');

/** No settings file and no default key of the user running the tests: only what each test gives. */
const ENV = {XDG_CONFIG_HOME: join(dir.path, 'config'), ZCHAT_CONFIG: '', ZCHAT_SERVER_KEY: undefined, ZCHAT_KEY: undefined} as unknown as NodeJS.ProcessEnv;

async function run(args: readonly string[], env: NodeJS.ProcessEnv = {}, input = ''): Promise<{code: number | string; stdout: string; stderr: string; ms: number}> {
	const started = Date.now();
	const p = spawnZchat(args, {...ENV, ...env});
	procs.push(p);
	p.child.stdin.end(input);
	const code = await p.exited;
	return {code, stdout: p.stdout(), stderr: p.stderr(), ms: Date.now() - started};
}

/** Exit 2 with exactly one line on stderr, matching. */
function refused(r: {code: number | string; stderr: string; ms: number}, pattern: RegExp, what: string): void {
	assert.equal(r.code, 2, `${what}: exit 2 (stderr: ${r.stderr})`);
	assert.match(r.stderr, pattern, what);
	assert.equal(r.stderr.split('\n').length, 2, `${what}: one line (${r.stderr})`);
	assert.ok(r.ms < 15_000, `${what}: said at once, not after the 30 s timeout (${r.ms} ms)`);
}

describe('send, who, stats and log with a hub that has keys', () => {
	const hubKey = keyFile('hub');
	const other = keyFile('other-hub');
	const alice = keyFile('alice');
	let hub: Awaited<ReturnType<typeof spawnHub>>;
	let at: string[];

	before(async () => {
		hub = await spawnHub(['--key', hubKey.file], ENV);
		procs.push(hub.proc);
		at = hub.args;
	});
	after(async () => {
		hub.proc.child.kill('SIGINT');
		await hub.proc.exited;
	});

	test('--server-key and --key work for send, who, stats and log', async () => {
		const sent = await run(['send', '--nick', 'ci', '--server-key', hubKey.pub, '--key', alice.file, 'built', ...at]);
		assert.equal(sent.code, 0, sent.stderr);
		assert.equal(sent.stderr, '');
		const who = await run(['who', '--server-key', hubKey.pub, ...at]);
		assert.equal(who.code, 0, who.stderr);
		assert.equal(who.stdout, 'nobody is on the hub\n');
		const stats = await run(['stats', '--json', '--server-key', hubKey.pair.publicKey, '--key', alice.file, ...at]);
		assert.equal(stats.code, 0, stats.stderr);
		assert.equal((JSON.parse(stats.stdout) as {messages: number}).messages, 1);
		const log = await run(['log', '--server-key', hubKey.pub, ...at]);
		assert.equal(log.code, 0, log.stderr);
		assert.match(log.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d <ci> built$/m);
	});

	test('ZCHAT_SERVER_KEY and ZCHAT_KEY work as well', async () => {
		const env = {ZCHAT_SERVER_KEY: hubKey.pair.publicKey, ZCHAT_KEY: alice.file};
		const sent = await run(['send', '--nick', 'envy', 'from the environment', ...at], env);
		assert.equal(sent.code, 0, sent.stderr);
		for (const cmd of ['who', 'stats', 'log']) {
			const r = await run([cmd, ...at], env);
			assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
		}
	});

	test('no key for a hub with keys: one line saying to pass --server-key, exit 2, for every tool', async () => {
		for (const cmd of [['send', 'hi'], ['who'], ['stats'], ['log']]) {
			refused(await run([...cmd, ...at, '--timeout', '30']), /^zchat: the hub at tcp:\/\/127\.0\.0\.1:\d+ requires encryption: pass --server-key with its public key \(and --key with yours\)\n$/, cmd[0]!);
		}
	});

	test("another hub's key: one line saying --server-key is not this hub's, exit 2", async () => {
		for (const cmd of [['send', 'hi'], ['who'], ['stats'], ['log']]) {
			refused(await run([...cmd, '--server-key', other.pub, ...at, '--timeout', '30']), /does not accept our encrypted handshake: --server-key is not that hub's public key/, cmd[0]!);
		}
	});

	test('a key for an open hub: one line saying to leave the keys out, exit 2', async () => {
		const open = await spawnHub([], ENV);
		procs.push(open.proc);
		try {
			for (const cmd of [['send', 'hi'], ['who'], ['stats'], ['log']]) {
				refused(await run([...cmd, '--server-key', hubKey.pub, ...open.args, '--timeout', '30']), /does not use encryption \(it runs without --key\): leave out --server-key and --key\n$/, cmd[0]!);
			}
		} finally {
			open.proc.child.kill('SIGINT');
			await open.proc.exited;
		}
	});
});

test('a key the hub does not admit (--authorized): one line saying the key was refused, exit 2', async () => {
	const hubKey = keyFile('members-hub');
	const member = keyFile('member');
	const stranger = keyFile('stranger');
	const members = join(dir.path, 'members');
	writeFileSync(members, `${member.pair.publicKey} member\n`);
	const hub = await spawnHub(['--key', hubKey.file, '--authorized', members], ENV);
	procs.push(hub.proc);
	try {
		for (const cmd of [['send', 'hi'], ['who'], ['stats'], ['log']]) {
			refused(await run([...cmd, '--server-key', hubKey.pub, '--key', stranger.file, ...hub.args, '--timeout', '30']), new RegExp(`refused our key ${stranger.pair.publicKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(${stranger.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): it is not on the hub's list`), cmd[0]!);
		}
		const ok = await run(['who', '--server-key', hubKey.pub, '--key', member.file, ...hub.args]);
		assert.equal(ok.code, 0, ok.stderr);
	} finally {
		hub.proc.child.kill('SIGINT');
		await hub.proc.exited;
	}
});

test('--key: the README says the same default as --help, for every tool that takes it', async () => {
	const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
	const row = readme.split('\n').find(l => l.startsWith('| `--key <file>` | `ZCHAT_KEY` |'));
	assert.ok(row?.includes('with `--server-key`: `$XDG_CONFIG_HOME/zchat/key` if it exists, else a throwaway key'), row);
	for (const cmd of ['join', 'send', 'who', 'stats', 'log']) {
		const help = await run([cmd, '--help']);
		assert.equal(help.code, 0);
		assert.match(help.stdout.replace(/\s+/g, ' '), /--key <file> your key pair, from "zchat keygen" \(default with --server-key: \$XDG_CONFIG_HOME\/zchat\/key if it exists, else a throwaway key\) \(env: ZCHAT_KEY\)/, cmd);
		assert.match(help.stdout, /--server-key <key\|file>/, cmd);
	}
});
