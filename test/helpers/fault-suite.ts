/**
 * The faults tests' set-up (faults-hub, faults-frozen and faults.test.ts): hubs on fixed ports
 * with a data directory, every process and directory cleaned up after the file, and the load of
 * five senders × 1000 lines with a fault mid-stream, checked and reported.
 */
import assert from 'node:assert/strict';
import {after, type TestContext} from 'node:test';
import type {Proc} from './cli.js';
import {audit, freePorts, HubProcess, jsonEvents, observer, sender, storedMessages} from './faults.js';
import {tempDir} from './hub.js';
import {waitFor} from './wait.js';

export function linesFor(nick: string, n: number): string[] {
	return Array.from({length: n}, (_, i) => `${nick}-${i}`);
}

/** A file's processes and directories, removed after it; `setup` starts a hub on fresh ports. */
export function faultSuite() {
	const procs: Proc[] = [];
	const dirs: Array<{remove(): void}> = [];
	after(() => {
		for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
		for (const d of dirs) d.remove();
	});

	async function setup(extra: readonly string[] = ['--ttl', '5']): Promise<HubProcess> {
		const dir = tempDir();
		dirs.push(dir);
		const [sub, pub] = await freePorts();
		const hub = new HubProcess(dir.path, sub!, pub!, extra);
		await hub.startFresh();
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

	return {procs, dirs, setup, loadWithFault};
}
