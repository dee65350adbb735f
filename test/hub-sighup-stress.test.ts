import assert from 'node:assert/strict';
import {test} from 'node:test';
import {sighupStress} from './helpers/sighup-stress.js';

/**
 * A hub with keys closes the connections of the members each SIGHUP removes (issue 17; before
 * the feed port was the hub's own, it replaced its whole feed socket): under load, again and
 * again, it must not die, and the members still listed keep the feed. A small run for CI; the full one (200 subscribers,
 * 1000 lines a second, 50 SIGHUPs) is node dist/scripts/hub-sighup-stress.js.
 */
test('SIGHUP with members removed, over and over under load: the hub answers each, keeps the feed, exits 0', async () => {
	const r = await sighupStress({subscribers: 40, rate: 300, sighups: 8});
	assert.ok(r.aliveThroughout, `the hub died: ${r.exit}\n${r.stderr}`);
	assert.equal(r.answered, 8);
	assert.ok(r.feedAfterLast, 'a member still listed hears the feed after the last SIGHUP');
	assert.ok(r.backAfterLast >= 0.9, `${Math.round(r.backAfterLast * 100)}% of the members still listed heard the feed after the last SIGHUP`);
	assert.equal(r.removedHeard, 0, 'removed members hear no line said after the hub answered their removal');
	assert.ok(r.keptHeardAfter, 'a member still listed heard lines said after the last removal (so the check above reads them)');
	assert.ok(r.acked > 0 && r.received > 0, `lines flowed (${r.acked} acked, ${r.received} received)`);
	assert.equal(r.exit, 0, `the hub exits 0 on SIGTERM\n${r.stderr}`);
	assert.doesNotMatch(r.stderr, /Assertion failed/);
});
