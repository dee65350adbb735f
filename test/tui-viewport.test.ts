import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {findIndex, LIVE, scrollDown, scrollUp, visibleWindow, type Rowed, type Scroll} from '../src/ui/viewport.js';

/** Items k0, k1, … taking the given numbers of rows. */
function seq(rows: number[], first = 0): Rowed & {rows: number[]} {
	return {
		rows,
		get count() {
			return rows.length;
		},
		keyAt: i => `k${first + i}`,
		rowsAt: i => rows[i]!,
	};
}

/** The rows on screen as "k<item>.<row>" labels, top to bottom. */
function screen(s: Rowed, scroll: Scroll, height: number): string[] {
	const w = visibleWindow(s, scroll, height);
	const out: string[] = [];
	for (const sl of w.slices) for (let r = sl.from; r < sl.to; r++) out.push(`${s.keyAt(sl.index)}.${r}`);
	return out;
}

const ones = (n: number) => Array.from({length: n}, () => 1);

describe('viewport', () => {
	test('live: the newest rows, bottom aligned', () => {
		const s = seq([1, 2, 1]);
		assert.deepEqual(screen(s, LIVE, 3), ['k1.0', 'k1.1', 'k2.0']);
		assert.deepEqual(screen(s, LIVE, 10), ['k0.0', 'k1.0', 'k1.1', 'k2.0']);
		const w = visibleWindow(s, LIVE, 10);
		assert.equal(w.atTop, true);
		assert.equal(w.live, true);
	});

	test('scrolling up moves by rows, also through a multi-row item', () => {
		const s = seq([1, 3, 1, 1]);
		let r = scrollUp(s, LIVE, 1, 2);
		assert.deepEqual(screen(s, r.scroll, 2), ['k1.2', 'k2.0']);
		r = scrollUp(s, r.scroll, 1, 2);
		assert.deepEqual(screen(s, r.scroll, 2), ['k1.1', 'k1.2']);
		assert.equal(r.atTop, false);
	});

	test('the top stops at the first row and says so', () => {
		const s = seq(ones(10));
		const r = scrollUp(s, LIVE, 100, 4);
		assert.deepEqual(screen(s, r.scroll, 4), ['k0.0', 'k1.0', 'k2.0', 'k3.0']);
		assert.equal(r.atTop, true);
		assert.equal(visibleWindow(s, r.scroll, 4).atTop, true);
		// Reaching the top exactly also counts.
		const exact = scrollUp(s, LIVE, 6, 4);
		assert.equal(exact.atTop, true);
		assert.equal(scrollUp(s, LIVE, 5, 4).atTop, false);
	});

	test('a feed shorter than the screen cannot scroll, and is at the top', () => {
		const s = seq([1, 1]);
		const r = scrollUp(s, LIVE, 5, 10);
		assert.equal(r.scroll, LIVE);
		assert.equal(r.atTop, true);
	});

	test('scrolling down to the bottom goes live again', () => {
		const s = seq(ones(10));
		const up = scrollUp(s, LIVE, 5, 3).scroll;
		const down = scrollDown(s, up, 2, 3);
		assert.deepEqual(screen(s, down, 3), ['k4.0', 'k5.0', 'k6.0']);
		assert.equal(scrollDown(s, up, 5, 3), LIVE);
		assert.equal(scrollDown(s, up, 50, 3), LIVE);
		assert.equal(scrollDown(s, LIVE, 1, 3), LIVE);
	});

	test('new items below do not move a scrolled view, and count as new', () => {
		const rows = ones(10);
		const s = seq(rows);
		const up = scrollUp(s, LIVE, 3, 3).scroll;
		const before = screen(s, up, 3);
		rows.push(1, 1, 1, 1);
		assert.deepEqual(screen(s, up, 3), before);
		assert.equal(visibleWindow(s, up, 3).newCount, 4);
		assert.equal(visibleWindow(s, up, 3).live, false);
	});

	test('items dropped from the front or older ones put in front keep the view on the same rows', () => {
		const s = seq(ones(20));
		const up = scrollUp(s, LIVE, 5, 3).scroll;
		const before = screen(s, up, 3);
		assert.deepEqual(screen(seq(ones(15), 5), up, 3), before); // 5 dropped in front
		assert.deepEqual(screen(seq(ones(120), -100), up, 3), before); // 100 older in front
	});

	test('an anchor whose item is gone shows the top of what is left', () => {
		const up = scrollUp(seq(ones(20)), LIVE, 15, 3).scroll;
		const after = seq(ones(10), 1000);
		assert.deepEqual(screen(after, up, 3), ['k1000.0', 'k1001.0', 'k1002.0']);
	});

	test('a resize that rewraps items keeps the anchor item at the bottom', () => {
		const rows = [2, 2, 2, 2, 2];
		const s = seq(rows);
		const up = scrollUp(s, LIVE, 4, 3).scroll; // bottom: the last row of k2
		assert.deepEqual(screen(s, up, 3), ['k1.1', 'k2.0', 'k2.1']);
		rows.splice(0, 5, 1, 1, 1, 1, 1); // wider: one row each
		assert.deepEqual(screen(s, up, 3), ['k0.0', 'k1.0', 'k2.0']);
	});

	test('scrolled to the top of a short feed, the screen fills from below', () => {
		const rows = ones(5);
		const s = seq(rows);
		const up = scrollUp(s, LIVE, 10, 3).scroll;
		rows.splice(0, 5, 1, 1, 1, 1, 1);
		// The window is taller than what the anchor has above it: fill downwards.
		assert.deepEqual(screen(s, up, 4), ['k0.0', 'k1.0', 'k2.0', 'k3.0']);
	});

	test('findIndex looks near the hint first and finds a key that moved either way', () => {
		const s = seq(ones(10), 50);
		assert.equal(findIndex(s, 'k55', 5), 5);
		assert.equal(findIndex(s, 'k52', 7), 2);
		assert.equal(findIndex(s, 'k58', 1), 8);
		assert.equal(findIndex(s, 'k99', 3), -1);
	});

	test('cost follows the screen: scrolling a page in a long feed reads about a page of items', () => {
		let reads = 0;
		const big: Rowed = {count: 100_000, keyAt: i => `k${i}`, rowsAt: () => (reads++, 1)};
		const r = scrollUp(big, LIVE, 20, 20);
		visibleWindow(big, r.scroll, 20);
		assert.ok(reads < 100, `read ${reads} items`);
	});
});
