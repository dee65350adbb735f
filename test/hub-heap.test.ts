// The hub's V8 heap flags (src/cli/hub-heap.ts): set at start unless node was given its own.
// What they buy is measured by attack-memory.test.ts against a real hub.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {HUB_V8_FLAGS, tuneHubHeap} from '../src/cli/hub-heap.js';

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
