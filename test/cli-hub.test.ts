import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {spawnHub, spawnZchat, type Proc} from './helpers/cli.js';
import {tempDir} from './helpers/hub.js';
import {occupiedPort} from './helpers/ports.js';

/**
 * `zchat hub` as a person starts it: the banner, signals, ports in use, bad values, one hub a
 * data directory, --ready-json. (`zchat join` in line mode and --help: cli.test.ts; apart so
 * that neither file nears the per-file timeout on a busy machine.)
 */

const procs: Proc[] = [];
const track = (p: Proc) => (procs.push(p), p);
after(() => {
	for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

describe('zchat hub', () => {
	test('prints where it listens and the exact join command; SIGINT tells clients and exits 0', async () => {
		const hub = await spawnHub();
		track(hub.proc);
		const banner = hub.proc.stdout();
		assert.match(banner, /commands \(ROUTER\)\s+tcp:\/\/127\.0\.0\.1:\d+/);
		assert.match(banner, /feed \(PUB\)\s+tcp:\/\/127\.0\.0\.1:\d+/);
		assert.match(banner, new RegExp(`npx zchat join --host 127\\.0\\.0\\.1 --sub ${hub.sub} --pub ${hub.pub}`));
		const client = track(spawnZchat(['join', '--nick', 'stayer', '--json', '--stay', ...hub.args]));
		await client.waitLine('"type":"join"');
		hub.proc.child.kill('SIGINT');
		assert.equal(await hub.proc.exited, 0);
		await client.waitLine(/hub shutting down/);
		client.child.kill('SIGTERM');
		await client.exited;
	});

	test('a port in use: one line naming the flag, exit 2', async () => {
		const busy = await occupiedPort();
		try {
			const sub = track(spawnZchat(['hub', '--memory', '--sub', String(busy.port), '--pub', '0']));
			assert.equal(await sub.exited, 2);
			assert.equal(sub.stderr(), `zchat: port ${busy.port} is in use: pass --sub to pick another\n`);
			const pub = track(spawnZchat(['hub', '--memory', '--sub', '0', '--pub', String(busy.port)]));
			assert.equal(await pub.exited, 2);
			assert.equal(pub.stderr(), `zchat: port ${busy.port} is in use: pass --pub to pick another\n`);
		} finally {
			busy.close();
		}
	});

	test('a bad port or host: exit 2 with what to change, no stack trace', async () => {
		const port = track(spawnZchat(['hub', '--memory', '--sub', 'eighty']));
		assert.equal(await port.exited, 2);
		assert.match(port.stderr(), /--sub <port>.*must be a port number from 0 to 65535/);
		const big = track(spawnZchat(['hub', '--memory', '--pub', '70000']));
		assert.equal(await big.exited, 2);
		assert.match(big.stderr(), /--pub <port>/);
		const host = track(spawnZchat(['hub', '--memory', '--host', '203.0.113.77', '--sub', '0', '--pub', '0']));
		assert.equal(await host.exited, 2);
		assert.match(host.stderr(), /cannot listen on host "203\.0\.113\.77".*pass --host/);
		const env = track(spawnZchat(['hub', '--memory'], {ZCHAT_SUB: 'x'}));
		assert.equal(await env.exited, 2);
		for (const p of [port, big, host, env]) assert.doesNotMatch(p.stderr(), /\n\s+at /, 'no stack trace');
	});

	test('one hub per data directory', async () => {
		const dir = tempDir();
		try {
			const first = await spawnHub(['--data', dir.path]);
			track(first.proc);
			const second = track(spawnZchat(['hub', '--data', dir.path, '--sub', '0', '--pub', '0']));
			assert.equal(await second.exited, 2);
			assert.match(second.stderr(), /in use by another running hub/);
			first.proc.child.kill('SIGTERM');
			assert.equal(await first.proc.exited, 0);
		} finally {
			dir.remove();
		}
	});

	test('--ready-json: the banner, then one JSON line saying where the hub listens, for programs', async () => {
		const dir = tempDir();
		try {
			const hub = await spawnHub(['--data', dir.path]);
			track(hub.proc);
			const lines = hub.proc.lines();
			assert.match(lines[0]!, /^zchat hub \S+ listening on 127\.0\.0\.1$/);
			assert.match(lines.at(-2)!, new RegExp(`npx zchat join --host 127\\.0\\.0\\.1 --sub ${hub.sub} --pub ${hub.pub}$`), 'the banner is all there');
			assert.deepEqual(JSON.parse(lines.at(-1)!), {zchat: 'hub', version: hub.ready.version, host: '127.0.0.1', sub: hub.sub, pub: hub.pub, serverKey: null, pid: hub.proc.child.pid, data: dir.path});
			assert.match(hub.ready.version, /^\d+\.\d+\.\d+/);
			hub.proc.child.kill('SIGTERM');
			assert.equal(await hub.proc.exited, 0);
		} finally {
			dir.remove();
		}
	});
});
