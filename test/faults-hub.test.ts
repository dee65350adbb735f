import {describe, test} from 'node:test';
import {faultSuite} from './helpers/fault-suite.js';
import {waitFor} from './helpers/wait.js';

/**
 * Faults of the hub, with real processes over TCP: killed and frozen mid-stream under five
 * senders' load. Nothing lost, nothing twice. (Clients' and the disk's faults: faults.test.ts.
 * Apart so that neither file nears the per-file timeout on a busy machine.)
 */

const {procs, setup, loadWithFault} = faultSuite();

describe('faults of the hub', () => {
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
});
