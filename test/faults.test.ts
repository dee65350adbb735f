import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdirSync, writeFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {after, describe, test, type TestContext} from 'node:test';
import {spawnZchat, type Proc} from './helpers/cli.js';
import {audit, freePorts, HubProcess, jsonEvents, observer, sender, storedMessages} from './helpers/faults.js';
import {tempDir} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/**
 * Faults, with real processes over TCP: the hub killed, frozen, out of disk; clients killed
 * and frozen. Each test is bounded in time and reports its figures (sent, acked, delivered,
 * duplicated, lost) as test diagnostics.
 */

const procs: Proc[] = [];
const dirs: Array<{remove(): void}> = [];
after(() => {
	for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
	for (const d of dirs) d.remove();
});

function linesFor(nick: string, n: number): string[] {
	return Array.from({length: n}, (_, i) => `${nick}-${i}`);
}

async function setup(extra: readonly string[] = ['--ttl', '5']): Promise<HubProcess> {
	const dir = tempDir();
	dirs.push(dir);
	const [sub, pub] = await freePorts();
	const hub = new HubProcess(dir.path, sub!, pub!, extra);
	await hub.start();
	procs.push(hub.proc!);
	return hub;
}

/** Five senders × 1000 lines and an observer; `disrupt` runs mid-stream. Checks and reports everything. */
async function loadWithFault(t: TestContext, hub: HubProcess, disrupt: (seen: () => number) => Promise<void>): Promise<void> {
	const watch = await observer(hub, 'observer');
	procs.push(watch);
	const nicks = ['s1', 's2', 's3', 's4', 's5'];
	const all = nicks.flatMap(n => linesFor(n, 1000));
	const senders = nicks.map(n => sender(hub, n, linesFor(n, 1000)));
	procs.push(...senders);
	const seen = () => jsonEvents(watch).filter(e => e.type === 'message').length;
	await disrupt(seen);
	const codes = await Promise.all(senders.map(s => s.exited));
	assert.deepEqual(codes, [0, 0, 0, 0, 0], `every sender exits 0 once all its lines are acked (stderr: ${senders.map(s => s.stderr()).join(' | ')})`);
	await waitFor(() => `the observer to see all 5000 (saw ${seen()})`, () => new Set(jsonEvents(watch).filter(e => e.type === 'message').map(e => e.text)).size >= 5000, 30_000);
	watch.child.kill('SIGTERM');
	await watch.exited;
	assert.equal(await hub.stop(), 0);

	const stored = storedMessages(hub.dataDir, 'load');
	const storedOnce = all.filter(m => stored.get(m) === 1).length;
	const storedTwice = all.filter(m => (stored.get(m) ?? 0) > 1).length;
	const feed = audit(jsonEvents(watch), all);
	const perSender = senders.map((s, i) => audit(jsonEvents(s), linesFor(nicks[i]!, 1000)));
	t.diagnostic(
		`sent 5000, acked 5000 (all senders exited 0), stored once ${storedOnce}, stored twice ${storedTwice}, ` +
			`observer: delivered ${feed.delivered}, duplicated ${feed.duplicated}, lost ${feed.missing}, seq ${feed.firstSeq}..${feed.lastSeq} without gaps: ${feed.inOrder}`,
	);
	assert.equal(storedOnce, 5000, 'every acked message is in the history exactly once');
	assert.equal(storedTwice, 0);
	assert.deepEqual({delivered: feed.delivered, duplicated: feed.duplicated, missing: feed.missing, inOrder: feed.inOrder}, {delivered: 5000, duplicated: 0, missing: 0, inOrder: true});
	for (const [i, a] of perSender.entries()) {
		assert.ok(a.inOrder, `${nicks[i]}'s own feed is in seq order without gaps`);
		assert.equal(a.duplicated, 0, `${nicks[i]} saw no duplicates`);
	}
}

describe('faults', () => {
	test('hub kill -9 mid-stream, restarted on the same data: nothing lost, nothing twice', {timeout: 120_000}, async t => {
		const hub = await setup();
		await loadWithFault(t, hub, async seen => {
			await waitFor('1500 messages to flow', () => seen() >= 1500, 30_000);
			hub.proc!.child.kill('SIGKILL');
			await hub.proc!.exited;
			t.diagnostic(`hub killed after the observer saw ${seen()} messages`);
			await hub.start();
			procs.push(hub.proc!);
		});
	});

	test('hub SIGSTOP for 5 s, then SIGCONT: nothing lost, nothing twice', {timeout: 120_000}, async t => {
		const hub = await setup();
		await loadWithFault(t, hub, async seen => {
			await waitFor('1500 messages to flow', () => seen() >= 1500, 30_000);
			hub.proc!.child.kill('SIGSTOP');
			const frozenAt = seen();
			await new Promise(resolve => setTimeout(resolve, 5000)); // the fault itself: frozen for 5 s
			hub.proc!.child.kill('SIGCONT');
			t.diagnostic(`hub frozen for 5 s after the observer saw ${frozenAt} messages`);
		});
	});

	test('a frozen subscriber does not slow the others, and repairs its gaps when it wakes', {timeout: 120_000}, async t => {
		// A short feed queue, and 9 MB of traffic while it sleeps: more than the socket buffers
		// and the queue hold, so the hub's PUB must drop for it and it must repair from history.
		const hub = await setup(['--ttl', '30', '--feed-hwm', '10']);
		const stalled = await observer(hub, 'sleepy');
		const watch = await observer(hub, 'awake');
		procs.push(stalled, watch);
		stalled.child.kill('SIGSTOP');
		const nicks = ['f1', 'f2', 'f3'];
		const pad = ' ' + 'x'.repeat(1000);
		const linesOf = (n: string) => linesFor(n, 3000).map(l => l + pad);
		const all = nicks.flatMap(linesOf);
		const started = Date.now();
		const senders = nicks.map(n => sender(hub, n, linesOf(n)));
		procs.push(...senders);
		assert.deepEqual(await Promise.all(senders.map(s => s.exited)), [0, 0, 0]);
		const sendersTook = Date.now() - started;
		await waitFor('the awake observer to see all', () => audit(jsonEvents(watch), all).delivered === all.length, 30_000);
		const awakeTook = Date.now() - started;
		const stalledBefore = jsonEvents(stalled).filter(e => e.type === 'message').length;
		stalled.child.kill('SIGCONT');
		const woke = Date.now();
		await waitFor(() => `the stalled observer to catch up (${audit(jsonEvents(stalled), all).delivered})`, () => audit(jsonEvents(stalled), all).delivered === all.length, 60_000);
		const repairTook = Date.now() - woke;
		const a = audit(jsonEvents(stalled), all);
		const w = audit(jsonEvents(watch), all);
		t.diagnostic(
			`9000 messages of 1 KB: senders done in ${sendersTook} ms and the awake observer had all in ${awakeTook} ms while 'sleepy' was stopped ` +
				`(it had ${stalledBefore}); after SIGCONT it had all ${a.delivered} in ${repairTook} ms, duplicated ${a.duplicated}, in order ${a.inOrder}`,
		);
		assert.equal(stalledBefore, 0, 'the stalled subscriber received nothing while stopped');
		assert.deepEqual({d: w.duplicated, m: w.missing, o: w.inOrder}, {d: 0, m: 0, o: true});
		assert.deepEqual({d: a.duplicated, m: a.missing, o: a.inOrder}, {d: 0, m: 0, o: true});
		for (const p of [stalled, watch]) p.child.kill('SIGTERM');
		await hub.stop();
	});

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
			await hub.start();
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
