/**
 * Private conversations follow the person: when the room feed says a nick changed, the
 * conversation's tab, the lines on their way to it and /reply move to the new nick. Only the
 * hub's nick events do this (a DM from a new nick alone says nothing about who it was).
 */
import {nickKey} from '../protocol/names.js';
import type {Draft} from './draft.js';
import {dmView, newDmView, type DmView, type FeedItem, type Outgoing, type Pending} from './state.js';

function when(item: FeedItem): number {
	return item.kind === 'event' ? item.event.ts : item.ts;
}

/** Someone we may be talking to is now known as `to`. */
export function followNick(d: Draft, from: string, to: string): void {
	if (d.s.lastDmFrom !== undefined && nickKey(d.s.lastDmFrom) === nickKey(from)) d.set({lastDmFrom: to});
	const old = dmView(d.s, from);
	if (!old) return;
	const other = dmView(d.s, to);
	const merged = other && other.id !== old.id ? other : undefined;
	const id = '@' + to;
	const feed = merged ? [...old.feed, ...merged.feed].sort((a, b) => when(a) - when(b)) : old.feed;
	const readMarker = old.readMarker ?? merged?.readMarker;
	const view: DmView = {
		...newDmView(to),
		feed,
		unread: old.unread + (merged?.unread ?? 0),
		mentioned: old.mentioned || (merged?.mentioned ?? false),
		...(readMarker === undefined ? {} : {readMarker}),
	};
	const gone = new Set([old.id, ...(merged ? [merged.id] : [])]);
	const views = {...d.s.views};
	for (const g of gone) delete views[g];
	views[id] = view;
	// The tab stays where the user knew it (the old nick's place).
	const order = d.s.order.flatMap(v => (v === old.id ? [id] : gone.has(v) ? [] : [v]));
	const move = (v: string) => (gone.has(v) ? id : v);
	const moveLine = (p: Pending): Pending => (gone.has(p.view) || (p.typedIn !== undefined && gone.has(p.typedIn)) ? {...p, view: move(p.view), ...(p.typedIn === undefined ? {} : {typedIn: move(p.typedIn)})} : p);
	const moveOutgoing = (q: Outgoing): Outgoing => (q.type === 'line' ? {...q, line: moveLine(q.line)} : q);
	d.set({
		views,
		order,
		active: move(d.s.active),
		pending: d.s.pending.map(moveLine),
		queue: d.s.queue.slice(d.s.queueHead).map(moveOutgoing),
		queueHead: 0,
	});
}
