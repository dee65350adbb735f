/**
 * The scroll position of a feed, as a pure reducer over a sequence of items that each take
 * some rows. The position is anchored to an item (by key) and a row within it, not to a row
 * number, so it stays put when new items arrive below, when old ones are dropped above (the
 * feed is bounded), when older history is put in front, and when a resize rewraps the rows.
 *
 * Every function here walks at most a screenful of rows from the anchor: the cost is
 * proportional to the screen, not to the history.
 */

/** What the viewport needs to know about the feed. */
export interface Rowed {
	readonly count: number;
	keyAt(index: number): string;
	/** Rows item `index` takes (at least 1). */
	rowsAt(index: number): number;
}

export interface Anchor {
	/** The item at the bottom of the screen. */
	readonly key: string;
	/** Where it was last seen (a hint: finding the key starts there). */
	readonly index: number;
	/** How many of its rows are below the screen. */
	readonly below: number;
}

/** A view's scroll position: live (following new items) when there is no anchor. */
export interface Scroll {
	readonly anchor?: Anchor;
	/** The newest item when the user scrolled away from live: what came after it is new. */
	readonly seen?: string;
}

export const LIVE: Scroll = {};

interface Pos {
	readonly index: number;
	readonly below: number;
}

/** The index of the item with this key, looking near the hint first; -1 when it is gone. */
export function findIndex(seq: Rowed, key: string, hint: number): number {
	const n = seq.count;
	if (hint >= 0 && hint < n && seq.keyAt(hint) === key) return hint;
	// Items dropped from the front move it down; older history put in front moves it up.
	for (let i = Math.min(hint, n) - 1; i >= 0; i--) if (seq.keyAt(i) === key) return i;
	for (let i = Math.max(hint + 1, 0); i < n; i++) if (seq.keyAt(i) === key) return i;
	return -1;
}

/** The position that shows the first `height` rows; undefined when everything fits. */
function topPos(seq: Rowed, height: number): Pos | undefined {
	let acc = 0;
	for (let i = 0; i < seq.count; i++) {
		acc += seq.rowsAt(i);
		if (acc >= height) return {index: i, below: acc - height};
	}
	return undefined;
}

/** Where the bottom of the screen is; undefined when live. An anchor whose item is gone falls back to the top. */
function position(seq: Rowed, scroll: Scroll, height: number): Pos | undefined {
	const a = scroll.anchor;
	if (!a || seq.count === 0) return undefined;
	const index = findIndex(seq, a.key, a.index);
	if (index === -1) return topPos(seq, height);
	return {index, below: Math.min(Math.max(0, a.below), seq.rowsAt(index) - 1)};
}

function isBottom(seq: Rowed, p: Pos): boolean {
	return p.index >= seq.count - 1 && p.below <= 0;
}

function anchored(seq: Rowed, p: Pos, seen: string | undefined): Scroll {
	if (isBottom(seq, p)) return LIVE;
	const anchor = {key: seq.keyAt(p.index), index: p.index, below: p.below};
	return seen === undefined ? {anchor} : {anchor, seen};
}

export interface ScrollResult {
	readonly scroll: Scroll;
	/** The screen shows the first row of what is in memory: time to ask for older history. */
	readonly atTop: boolean;
}

/** Move `rows` rows back in time. */
export function scrollUp(seq: Rowed, scroll: Scroll, rows: number, height: number): ScrollResult {
	const n = seq.count;
	if (n === 0) return {scroll: LIVE, atTop: true};
	const seen = scroll.seen ?? seq.keyAt(n - 1);
	const from = position(seq, scroll, height) ?? {index: n - 1, below: 0};
	let index = from.index;
	let below = from.below + Math.max(0, rows);
	while (below >= seq.rowsAt(index) && index > 0) {
		below -= seq.rowsAt(index);
		index--;
	}
	// Keep a full screen: the top may not go above the first row.
	let shown = seq.rowsAt(index) - below;
	let j = index;
	while (shown < height && j > 0) shown += seq.rowsAt(--j);
	if (shown < height || (j === 0 && shown === height)) {
		const top = topPos(seq, height);
		return {scroll: top ? anchored(seq, top, seen) : LIVE, atTop: true};
	}
	return {scroll: anchored(seq, {index, below}, seen), atTop: false};
}

/** Move `rows` rows towards the present; reaching the bottom makes the view live again. */
export function scrollDown(seq: Rowed, scroll: Scroll, rows: number, height: number): Scroll {
	const from = position(seq, scroll, height);
	if (!from) return LIVE;
	let index = from.index;
	let below = from.below - Math.max(0, rows);
	while (below < 0) {
		if (index >= seq.count - 1) return LIVE;
		index++;
		below += seq.rowsAt(index);
	}
	return anchored(seq, {index, below}, scroll.seen);
}

/** Rows `from` to `to` (exclusive) of item `index`. */
export interface Slice {
	readonly index: number;
	readonly from: number;
	readonly to: number;
}

export interface Window {
	/** What to draw, top to bottom; fewer rows than the height when the feed is short. */
	readonly slices: readonly Slice[];
	/** The first row of the first item is on screen. */
	readonly atTop: boolean;
	readonly live: boolean;
	/** Items that came in after the user scrolled away (0 when live). */
	readonly newCount: number;
}

/** The part of the feed on screen: `height` rows ending at the anchor, or at the newest row when live. */
export function visibleWindow(seq: Rowed, scroll: Scroll, height: number): Window {
	const n = seq.count;
	if (n === 0 || height <= 0) return {slices: [], atTop: true, live: true, newCount: 0};
	const pos = position(seq, scroll, height);
	const live = pos === undefined;
	const {index: bottom, below} = pos ?? {index: n - 1, below: 0};
	const slices: Slice[] = [];
	const end = seq.rowsAt(bottom) - below;
	slices.push({index: bottom, from: Math.max(0, end - height), to: end});
	let acc = end - slices[0]!.from;
	let i = bottom;
	while (acc < height && i > 0) {
		const r = seq.rowsAt(--i);
		const take = Math.min(r, height - acc);
		slices.unshift({index: i, from: r - take, to: r});
		acc += take;
	}
	const atTop = i === 0 && slices[0]!.from === 0;
	if (!live && acc < height) {
		// Scrolled to the top of a short feed: fill the screen from below the anchor.
		let k = bottom;
		let from = end;
		while (acc < height && k < n) {
			const r = seq.rowsAt(k);
			const take = Math.min(r - from, height - acc);
			if (take > 0) {
				if (k === bottom) slices[slices.length - 1] = {index: k, from: slices[slices.length - 1]!.from, to: from + take};
				else slices.push({index: k, from, to: from + take});
				acc += take;
			}
			k++;
			from = 0;
		}
	}
	return {slices, atTop, live, newCount: live ? 0 : newSince(seq, scroll, bottom)};
}

function newSince(seq: Rowed, scroll: Scroll, bottom: number): number {
	const n = seq.count;
	if (scroll.seen !== undefined) {
		for (let i = n - 1; i >= 0; i--) if (seq.keyAt(i) === scroll.seen) return n - 1 - i;
	}
	return Math.max(0, n - 1 - bottom);
}
