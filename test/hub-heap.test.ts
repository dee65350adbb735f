// The hub's V8 heap flags (src/cli/hub-heap.ts): set at start unless node was given its own.
// What they buy is measured by attack-memory.test.ts against a real hub; the switch by load on a
// real hub under a flood by busy/hub-heap-load.test.ts.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {followHubLoad, HUB_V8_FLAGS, tuneHubHeap} from '../src/cli/hub-heap.js';
import {waitFor} from './helpers/wait.js';

test('a flag node was given, on its command line or in NODE_OPTIONS, in any spelling, is left alone', () => {
	assert.deepEqual(tuneHubHeap(['--optimize-for-size', '--semi-space-growth-factor=3'], ''), []);
	assert.deepEqual(tuneHubHeap(['--inspect'], '--max-old-space-size=100 --no-optimize_for_size --semi_space_growth_factor=2'), []);
	assert.deepEqual(tuneHubHeap(['--semi-space-growth-factor', '2'], ''), ['--optimize-for-size']);
	// A flag whose name only starts the same is another flag.
	assert.deepEqual(tuneHubHeap(['--optimize-for-size-later'], '--semi-space-growth-factor=2'), ['--optimize-for-size']);
});

test('with none given, every flag is set', () => {
	assert.deepEqual(tuneHubHeap([], ''), [...HUB_V8_FLAGS]);
});

test('busy from the rate of stored messages on, at rest again once it has stayed under it for the quiet time', async () => {
	let stored = 0;
	const lines: string[] = [];
	const stop = followHubLoad({owned: ['--semi-space-growth-factor=1'], messages: () => stored, log: line => lines.push(line), busyRate: 400, quietMs: 300});
	try {
		// 2000 messages a second, then none.
		const feeding = setInterval(() => (stored += 100), 50);
		await waitFor('the busy line', () => lines.find(l => l.startsWith('heap: busy')), 5000);
		clearInterval(feeding);
		const quietFrom = Date.now();
		await waitFor('the at-rest line', () => lines.find(l => l.startsWith('heap: at rest')), 5000);
		assert.ok(Date.now() - quietFrom >= 300, 'at rest before the quiet time had passed');
		assert.equal(lines.filter(l => l.startsWith('heap: busy')).length, 1, lines.join('\n'));
	} finally {
		stop();
	}
});
