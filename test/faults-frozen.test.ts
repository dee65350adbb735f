import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {faultSuite, linesFor} from './helpers/fault-suite.js';
import {audit, jsonEvents, observer, sender} from './helpers/faults.js';
import {waitFor} from './helpers/wait.js';

/**
 * A subscriber frozen (SIGSTOP) under 9 MB of traffic, with real processes over TCP: the others
 * are not slowed, and it repairs its gaps when it wakes. (Alone in its file: it takes over a
 * minute on a busy machine, and the suite gives a file 120 s.)
 */

const {procs, setup} = faultSuite();

describe('faults of a subscriber', () => {
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
});
