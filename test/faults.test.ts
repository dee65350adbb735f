import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdirSync, writeFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {spawnZchat} from './helpers/cli.js';
import {faultSuite} from './helpers/fault-suite.js';
import {freePorts, HubProcess, jsonEvents, observer, sender, storedMessages} from './helpers/faults.js';
import {tempDir} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/**
 * Faults, with real processes over TCP: a client killed, the disk full. Each test is bounded in
 * time and reports its figures as test diagnostics. (The hub killed and frozen:
 * faults-hub.test.ts; a frozen subscriber: faults-frozen.test.ts.)
 */

const {procs, dirs, setup} = faultSuite();

describe('faults', () => {
	test('a client killed with kill -9 is seen leaving within the TTL', {timeout: 60_000}, async t => {
		const ttlS = 2;
		const hub = await setup(['--ttl', String(ttlS)]);
		const watch = await observer(hub, 'watcher');
		const victim = await observer(hub, 'victim');
		procs.push(watch, victim);
		await waitFor('the watcher to see the victim join', () => jsonEvents(watch).some(e => e.type === 'join' && e.from === 'victim'));
		const killed = Date.now();
		victim.child.kill('SIGKILL');
		const part = await waitFor('the victim to be announced gone', () => jsonEvents(watch).find(e => e.type === 'part' && e.from === 'victim'), (ttlS + 3) * 1000);
		const took = Date.now() - killed;
		t.diagnostic(`victim announced gone ${took} ms after kill -9 (TTL ${ttlS} s): ${JSON.stringify(part)}`);
		assert.ok(took <= ttlS * 1000 + 1000, `announced within the TTL (+ one tick): ${took} ms`);
		assert.equal((part as {reason?: string}).reason, 'timed out');
		watch.child.kill('SIGTERM');
		await hub.stop();
	});

	test('storage failing (disk full; a read-only data directory): no crash, no ack for what was not stored, recovery', {timeout: 90_000}, async t => {
		const dir = tempDir();
		dirs.push(dir);
		const mnt = join(dir.path, 'small-disk');
		mkdirSync(mnt);
		try {
			execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], {stdio: 'pipe'});
		} catch (err) {
			throw new Error(`this test mounts a 2 MB tmpfs to fill it up, which needs root: ${(err as Error).message}`);
		}
		try {
			const [sub, pub] = await freePorts();
			const hub = new HubProcess(mnt, sub!, pub!, ['--ttl', '30']);
			await hub.startFresh();
			procs.push(hub.proc!);
			const watch = await observer(hub, 'watcher');
			procs.push(watch);
			// Fill the disk to the last byte.
			const filler = join(mnt, 'filler');
			try {
				writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024));
			} catch {
				// ENOSPC: the file holds what fitted
			}
			// More than fits: the WAL has to grow, and cannot.
			const lines = Array.from({length: 40}, (_, i) => `while the disk is full ${i} ${'x'.repeat(3000)}`);
			const s = sender(hub, 'writer', lines);
			procs.push(s);
			await s.waitLine('"type":"error"', 15_000);
			const errLine = s.lines().find(l => l.includes('"type":"error"'))!;
			assert.match(errLine, /not delivered yet: the hub could not store your message \(the disk is full\)/);
			assert.equal(hub.proc!.child.exitCode, null, 'the hub is still running');
			const stored = () => new Set(jsonEvents(watch).filter(e => e.type === 'message').map(e => e.text));
			assert.ok(stored().size < lines.length, 'not everything went through on a full disk');
			t.diagnostic(`on the full disk: ${stored().size} of ${lines.length} lines stored, the rest refused and kept by the sender`);
			// Space returns: the pending lines go through, once.
			rmSync(filler);
			assert.equal(await s.exited, 0);
			await waitFor('every line on the feed', () => stored().size === lines.length, 15_000);
			assert.equal(jsonEvents(watch).filter(e => e.type === 'message').length, lines.length, 'each once');

			watch.child.kill('SIGTERM');
			assert.equal(await hub.stop(), 0);
			const inDb = storedMessages(mnt, 'load');
			t.diagnostic(`stored after recovery: ${inDb.size} lines, each ${[...new Set(inDb.values())].join('/')} time(s)`);
			assert.deepEqual(
				[...inDb.entries()].sort(),
				lines.map(l => [l, 1]).sort(),
			);

			// A read-only data directory (Linux refuses to remount read-only under an open
			// writer, so this is the hub starting on one): a clear message and exit 2.
			execFileSync('mount', ['-o', 'remount,ro', mnt]);
			const ro = spawnZchat(['hub', '--data', join(mnt, 'fresh'), '--sub', '0', '--pub', '0']);
			procs.push(ro);
			assert.equal(await ro.exited, 2);
			assert.match(ro.stderr(), /^zchat: cannot create the data directory .*fresh \(read-only file system\): pass --data with another, or --memory\n$/);
			const ro2 = spawnZchat(['hub', '--data', mnt, '--sub', '0', '--pub', '0']);
			procs.push(ro2);
			assert.equal(await ro2.exited, 2);
			assert.match(ro2.stderr(), /^zchat: cannot open the history database .*zchat\.db: the directory is read-only \(pass --data with another directory, or --memory\)\n$/);
			t.diagnostic(`read-only data directory at start: ${ro2.stderr().trim()}`);
		} finally {
			execFileSync('umount', ['-l', mnt]);
		}
	});
});
