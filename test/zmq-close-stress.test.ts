import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {stressOrder} from './helpers/close-stress.js';

/**
 * libzmq 4.3.5 aborts a process that closes sockets in the wrong order under load (issue 17).
 * The orders the product uses (src/zmq/close.ts), repeated for a few seconds each in child
 * processes, so an abort is counted rather than fatal: none may abort. The full table, with
 * the unsafe orders beside them and a CPU hog per core: node dist/scripts/zmq-close-stress.js.
 */

const ORDERS: ReadonlyArray<readonly [order: string, seconds: number]> = [
	['hub-stop', 4],
	['hub-restart-same-ports', 4],
	['hub-sighup-keys-removed', 4],
	['client-close', 3],
	['client-reconnect', 3],
	['test-helpers-close', 2],
	// The two rules behind the product's closes, on bare sockets: close instead of unbind, and
	// never at linger 0 what sends messages of several frames.
	['router-close-as-peers-leave', 3],
	['dealer-bursts-close-as-hub-leaves-linger-100', 3],
];

describe('closing zeromq sockets as the product does never aborts', () => {
	for (const [order, seconds] of ORDERS) {
		test(order, async () => {
			const r = await stressOrder(order, 10_000, {budgetMs: seconds * 1000, minRounds: 3, perProcess: 10});
			assert.equal(r.aborts, 0, `${r.aborts} of ${r.rounds} rounds aborted: ${r.assertion}`);
			assert.equal(r.crashes, 0, `${r.crashes} of ${r.rounds} rounds crashed: ${r.failure}`);
			assert.equal(r.failures, 0, `${r.failures} child processes failed: ${r.failure}`);
			assert.ok(r.rounds >= 3, `only ${r.rounds} rounds ran`);
		});
	}
});
