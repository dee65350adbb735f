import assert from 'node:assert/strict';
import {test} from 'node:test';
import {FLOOD_FRAME_MS, FrameRate} from '../src/ui/frame-rate.js';

test('frames slow to 15 a second while the client changes hundreds of times a second, and come back after', () => {
	const rate = new FrameRate(33);
	let now = 1000;
	// A person: a change every 200 ms.
	for (let i = 0; i < 20; i++) rate.note((now += 200));
	assert.equal(rate.interval(), 33);
	// A flood: a change every 2 ms for a second.
	for (let i = 0; i < 500; i++) rate.note((now += 2));
	assert.equal(rate.interval(), FLOOD_FRAME_MS);
	// Quiet again: the next change after a pause is drawn at the usual rate.
	rate.note((now += 3000));
	assert.equal(rate.interval(), 33);
});

test('a large terminal keeps its own slower rate under a flood', () => {
	const rate = new FrameRate(100);
	let now = 0;
	for (let i = 0; i < 500; i++) rate.note((now += 2));
	assert.equal(rate.interval(), 100);
});
