import {loadingOlder, pendingLines, type ClientState, type FeedItem} from '../client/state.js';
import {dayLabel, itemTime, ruleRow, type RowCache, type RowOptions} from './feed-rows.js';
import type {ReadMarkers} from './read-markers.js';
import type {Row} from './rows.js';
import {theme} from './theme.js';
import {visibleWindow, type Rowed, type Scroll, type Window} from './viewport.js';

/**
 * What the feed area shows: the rows of the items in the viewport, then (when live) the
 * lines you typed that are not stored yet, or (when scrolled up) a line saying how many new
 * items came in and how to go back.
 */

/** The local day last worked out, from its first millisecond to the next day's: most items fall in it. */
let lastDay = {from: 0, to: 0, day: 0};

function dayNumber(ts: number): number {
	if (ts >= lastDay.from && ts < lastDay.to) return lastDay.day;
	const d = new Date(ts);
	const [y, m, date] = [d.getFullYear(), d.getMonth(), d.getDate()];
	lastDay = {from: new Date(y, m, date).getTime(), to: new Date(y, m, date + 1).getTime(), day: y * 400 + m * 32 + date};
	return lastDay.day;
}

/** A view's feed as rows, formatted on demand and cached per item. */
export class FeedModel implements Rowed {
	constructor(
		readonly feed: readonly FeedItem[],
		readonly options: RowOptions,
		/** Key of the first unread item: the "read up to here" line goes above it. */
		readonly readMarker: string | undefined,
		private readonly cache: RowCache,
	) {}

	get count(): number {
		return this.feed.length;
	}

	keyAt(index: number): string {
		return this.feed[index]!.key;
	}

	rowsAt(index: number): number {
		return this.rows(index).length;
	}

	rows(index: number): readonly Row[] {
		const item = this.feed[index]!;
		const prev = index > 0 ? this.feed[index - 1] : undefined;
		const ts = itemTime(item);
		const day = prev !== undefined && dayNumber(itemTime(prev)) !== dayNumber(ts) ? dayLabel(ts) : undefined;
		return this.cache.item(item, this.options, {
			...(day === undefined ? {} : {day}),
			...(item.key === this.readMarker ? {readMarker: true} : {}),
		});
	}
}

/** Whether older history than the feed holds can be had, is on its way, or there is none. */
export type OlderState = 'more' | 'loading' | 'none';

export interface FeedScreen {
	readonly rows: readonly Row[];
	readonly window: Window;
}

/** Rows the viewport has for items while scrolled: one row goes to the "N new" line. */
export function scrolledHeight(height: number): number {
	return Math.max(1, height - 1);
}

/** The rows of the feed area, top to bottom, at most `height` of them. */
export function feedScreen(model: FeedModel, scroll: Scroll, height: number, pending: readonly Row[], older: OlderState): FeedScreen {
	if (scroll.anchor === undefined) {
		const tail = pending.slice(Math.max(0, pending.length - (height - 1)));
		const window = visibleWindow(model, scroll, height - tail.length);
		return {rows: [...windowRows(model, window), ...tail], window};
	}
	const window = visibleWindow(model, scroll, scrolledHeight(height));
	if (window.live) return feedScreen(model, {}, height, pending, older);
	return {rows: [...windowRows(model, window), scrollLine(window, older, model.options.width)], window};
}

function windowRows(model: FeedModel, window: Window): Row[] {
	const rows: Row[] = [];
	for (const s of window.slices) rows.push(...model.rows(s.index).slice(s.from, s.to));
	return rows;
}

/** The line under a scrolled feed: where you are and how to get back. */
export function scrollLine(window: Window, older: OlderState, width: number): Row {
	const parts: string[] = [];
	if (window.atTop) parts.push(older === 'loading' ? 'loading older messages…' : older === 'more' ? 'PgUp: older messages' : 'start of history');
	parts.push(window.newCount > 0 ? `${window.newCount} new` : 'scrolled up');
	parts.push('End: back to live');
	return ruleRow('scroll', parts.join(' · '), width, window.newCount > 0 ? {color: theme.mention, bold: true} : {dim: true});
}

/** Whether older history can be fetched for a view. */
export function olderState(state: ClientState, viewId: string): OlderState {
	const v = state.views[viewId];
	if (!v || !('room' in v)) return 'none';
	if (loadingOlder(state, v.room)) return 'loading';
	return v.hasOlder ? 'more' : 'none';
}

/** The active view's feed model, built on the shared row cache. */
export function feedModel(state: ClientState, readMarkers: ReadMarkers, options: RowOptions, cache: RowCache): FeedModel {
	const view = state.views[state.active];
	return new FeedModel(view?.feed ?? [], options, readMarkers[state.active], cache);
}

/**
 * The feed area of the active view: its items in the viewport, then your lines still pending
 * that were typed there. Called once a frame: the row cache then forgets what the frame
 * before last drew and this one does not.
 */
export function activeScreen(state: ClientState, model: FeedModel, scroll: Scroll, height: number, cache: RowCache): FeedScreen {
	cache.nextFrame();
	const pending: Row[] = [];
	for (const p of pendingLines(state)) if ((p.typedIn ?? p.view) === state.active) pending.push(...cache.pendingLine(p, state.nick, model.options));
	return feedScreen(model, scroll, height, pending, olderState(state, state.active));
}
