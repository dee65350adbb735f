/**
 * Each room's feed, strictly in seq order: early events wait in a buffer, a gap is repaired
 * from history, what history covered is dropped (the zguide's Clone pattern), older history
 * is fetched on demand, a load or repair that got no answer is asked again; applying an
 * event (or moving the position any other way) updates members, topic and our own pending
 * lines.
 */
import {DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT} from '../protocol/limits.js';
import {nickKey} from '../protocol/names.js';
import type {FeedEvent, HistoryReply, RoomState} from '../protocol/types.js';
import {followNick} from './conversations.js';
import type {Draft} from './draft.js';
import {applyChange, placeSnapshot} from './roster.js';
import {DEFAULT_FEED_LIMIT, isIgnored, loadingOlder, mentions, newRoomView, type FeedItem, type Request, type RoomView} from './state.js';

/** How long a private message under an ignored person's former nick stays hidden after they rename. */
const IGNORE_FORMER_NICK_MS = 60_000;
/** Events asked for at once to fill a gap. */
const REPAIR_LIMIT = 500;
/** Events asked for at once when scrolling back. */
const OLDER_LIMIT = 100;
/** Events a history reply carries at most (the hub's page; its welcome says it as limits.historyLimit). */
const HISTORY_PAGE = MAX_HISTORY_LIMIT;

/** A repair (or the first load) not answered in this long may be asked again. */
const REPAIR_RETRY_MS = 5000;

/**
 * Take a room's state from the hub (a welcome or a joined): members and topic as of its
 * seq, and where the feed goes on from. A room not yet synced loads its history again
 * from the new position (a load asked before a reconnect may never be answered); a synced
 * one asks for what it is missing.
 */
export function syncRoom(d: Draft, rs: RoomState): void {
	const v = d.room(rs.room) ?? newRoomView(rs.room);
	const roster = placeSnapshot(v, rs);
	d.putView({...v, joined: true, ...roster});
	if (!roster) askSnapshot(d, rs.room);
	if (!v.synced) startSync(d, rs.room, Math.max(v.lastSeq, rs.seq));
	else if (rs.seq > v.lastSeq) repair(d, rs.room);
}

/**
 * Go on from `at` (a snapshot's seq): load the history up to it, or with no history
 * wanted take it as the position at once. Our lines acked at or before it are done.
 */
function startSync(d: Draft, room: string, at: number): void {
	const v = d.room(room)!;
	const want = d.s.options.history ?? DEFAULT_HISTORY_LIMIT;
	if (at > 0 && want > 0) {
		d.putView({...v, positioned: true, lastSeq: at, oldestSeq: at + 1, hasOlder: true});
		// More than a page: page forward from where the wanted history starts.
		if (want <= HISTORY_PAGE) d.request('load', {type: 'history', room, before: at + 1, limit: want}, room, at);
		else d.request('load', {type: 'history', room, after: Math.max(0, at - want), limit: HISTORY_PAGE}, room, at);
		settleAcked(d, room);
	} else {
		d.putView({...v, synced: true, positioned: true, lastSeq: at, oldestSeq: at + 1, hasOlder: at > 0});
		settleAcked(d, room);
		drain(d, room);
	}
}

/** A snapshot came too late to place: ask for a newer one (joining a room we are in answers with it). */
function askSnapshot(d: Draft, room: string): void {
	if (Object.values(d.s.requests).some(r => r.kind === 'join' && r.room === room)) return;
	d.request('join', {type: 'join', room}, room);
}

/**
 * Time passes: a room whose history load got no answer for a while (lost with a hub that
 * died, or slow) asks again; a synced room with events waiting behind a gap asks for the
 * gap again. Only while connected.
 */
export function keepSyncing(d: Draft): void {
	for (const id of d.s.order) {
		const v = d.s.views[id];
		if (!v || !('room' in v) || !v.joined) continue;
		if (v.synced) {
			if (v.buffer.length > 0) repair(d, v.room);
			continue;
		}
		// A room with no position yet waits for its snapshot (a join on its way), not for history.
		if (!v.positioned) continue;
		const asked = Object.values(d.s.requests).filter(r => r.kind === 'load' && r.room === v.room && r.seq === v.lastSeq);
		if (!asked.some(r => d.now - r.at < REPAIR_RETRY_MS)) startSync(d, v.room, v.lastSeq);
	}
}

/**
 * No line of ours came back from a room for a long while: ask the hub again for what the
 * room is missing, even when a question is already on its way.
 */
export function resync(d: Draft, room: string): void {
	const v = d.room(room);
	if (!v || !v.joined) return;
	if (!v.synced) return startSync(d, room, v.lastSeq);
	d.request('repair', {type: 'history', room, after: v.lastSeq, limit: REPAIR_LIMIT}, room);
}

export function onFeedEvent(d: Draft, e: FeedEvent): void {
	if (e.epoch !== d.s.epoch) return; // from before our welcome, or another epoch
	const v = d.room(e.room);
	if (!v || !v.joined) return;
	if (e.seq <= v.lastSeq) return; // covered by history already
	if (!v.synced || e.seq > v.lastSeq + 1) {
		if (!v.buffer.some(b => b.seq === e.seq)) d.updateRoom(e.room, {buffer: insertSorted(v.buffer, e)});
		if (v.synced) repair(d, e.room);
		return;
	}
	apply(d, e, false);
	drain(d, e.room);
}

/** Apply buffered events that are now next in line. */
function drain(d: Draft, room: string): void {
	for (;;) {
		const v = d.room(room);
		if (!v || v.buffer.length === 0) return;
		const first = v.buffer[0]!;
		if (first.seq <= v.lastSeq) {
			d.updateRoom(room, {buffer: v.buffer.slice(1)});
			continue;
		}
		if (first.seq !== v.lastSeq + 1) return repair(d, room);
		d.updateRoom(room, {buffer: v.buffer.slice(1)});
		apply(d, first, false);
	}
}

/** Ask for what follows lastSeq, unless such a question is already on its way. */
function repair(d: Draft, room: string): void {
	const v = d.room(room);
	if (!v || !v.synced) return;
	const busy = Object.values(d.s.requests).some(r => r.room === room && (r.kind === 'repair' || r.kind === 'load') && d.now - r.at < REPAIR_RETRY_MS);
	if (busy) return;
	d.request('repair', {type: 'history', room, after: v.lastSeq, limit: REPAIR_LIMIT}, room);
}

/** The hub's heads (from a pong): repair every synced room that is behind. */
export function catchUp(d: Draft, heads: Readonly<Record<string, number>>): void {
	for (const [room, head] of Object.entries(heads)) {
		const v = d.room(room);
		if (v && v.synced && typeof head === 'number' && head > v.lastSeq) repair(d, room);
	}
}

/** Scrolled to the top of a room's feed: ask for older history, once at a time. */
export function fetchOlder(d: Draft, viewId: string): void {
	const v = d.s.views[viewId];
	if (!v || !('room' in v) || !v.hasOlder || v.oldestSeq <= 1) return;
	if (loadingOlder(d.s, v.room)) return;
	d.request('older', {type: 'history', room: v.room, before: v.oldestSeq, limit: OLDER_LIMIT}, v.room);
}

export function onHistory(d: Draft, h: HistoryReply, req: Request | undefined): void {
	const v = d.room(h.room);
	if (!v || h.epoch !== d.s.epoch) return;
	if (req?.kind === 'older') return prependOlder(d, v, h);
	if (!v.synced) {
		// Only a load up to the current position syncs the room: one asked before a newer
		// snapshot moved it is left for the load asked since. An answer to a load forgotten
		// (a slow hub) is known by its last event, which is the position it loaded up to.
		const current = req ? req.kind === 'load' && req.seq === v.lastSeq : h.events[h.events.length - 1]?.seq === v.lastSeq;
		if (current && v.joined && v.positioned) load(d, v, h);
		return;
	}
	// A repair: apply in order what follows lastSeq.
	const first = h.events[0];
	if (first && first.seq > v.lastSeq + 1 && req?.kind === 'repair') {
		// The hub no longer keeps what we missed (its history has a horizon): say how much is
		// gone and go on from the oldest event it has, rather than ask for it again forever.
		const gone = first.seq - v.lastSeq - 1;
		d.notice(`${gone} event${gone === 1 ? '' : 's'} of #${h.room} went by while you were away and are older than the hub keeps`, 'error', v.id);
		d.updateRoom(h.room, {lastSeq: first.seq - 1, buffer: v.buffer.filter(e => e.seq >= first.seq)});
		settleAcked(d, h.room);
	}
	applyNext(d, h);
	drain(d, h.room);
	if (d.room(h.room)!.lastSeq < h.head && h.events.length > 0) repair(d, h.room);
}

/** Older history, above what the feed holds (the feed stays bounded, but never below what came). */
function prependOlder(d: Draft, v: RoomView, h: HistoryReply): void {
	const older = h.events.filter(e => e.seq < v.oldestSeq);
	const items = older.filter(e => visible(d, e)).map(e => eventItem(d, e, true));
	const limit = d.s.options.feedLimit ?? DEFAULT_FEED_LIMIT;
	const feed = [...items, ...v.feed].slice(0, Math.max(limit, items.length));
	d.putView({...v, feed, oldestSeq: older[0]?.seq ?? v.oldestSeq, hasOlder: h.more});
}

/**
 * The recent history up to the joined snapshot: shown as it was (membership is in the
 * snapshot already). Anything newer is applied in order like live events.
 */
function load(d: Draft, v: RoomView, h: HistoryReply): void {
	for (const e of h.events) if (e.seq <= v.lastSeq && visible(d, e)) d.show(v.id, eventItem(d, e, true), false);
	const loaded = d.room(h.room)!;
	if ((d.s.options.history ?? DEFAULT_HISTORY_LIMIT) > HISTORY_PAGE) {
		// Paging forward: ask for the next page until the position is reached.
		const last = h.events[h.events.length - 1]?.seq ?? loaded.lastSeq;
		const oldestSeq = Math.min(loaded.oldestSeq, h.events[0]?.seq ?? loaded.oldestSeq);
		if (h.more && last < loaded.lastSeq) {
			d.putView({...loaded, oldestSeq});
			d.request('load', {type: 'history', room: h.room, after: last, limit: HISTORY_PAGE}, h.room, loaded.lastSeq);
			return;
		}
		d.putView({...loaded, synced: true, oldestSeq, hasOlder: oldestSeq > 1});
	} else {
		d.putView({...loaded, synced: true, oldestSeq: h.events[0]?.seq ?? loaded.oldestSeq, hasOlder: h.more});
	}
	applyNext(d, h);
	settleAcked(d, h.room);
	drain(d, h.room);
}

/** Apply the events of a history reply that follow on from lastSeq, in order. */
function applyNext(d: Draft, h: HistoryReply): void {
	for (const e of h.events) if (e.seq === d.room(h.room)!.lastSeq + 1) apply(d, e, false);
}

/** One event, in order: update members and topic, show it, settle our own pending line. */
function apply(d: Draft, e: FeedEvent, replay: boolean): void {
	const v = d.room(e.room)!;
	if (e.type === 'nick') {
		if (isIgnored(d.s, e.from)) followIgnored(d, e.from, e.to);
		followNick(d, e.from, e.to);
	}
	d.updateRoom(e.room, {...applyChange(v, e), lastSeq: e.seq});
	if (visible(d, e)) {
		const item = eventItem(d, e, replay);
		// What you did yourself (your join arriving, your own line) is not news to you.
		d.show(v.id, item, e.from !== d.s.nick && !(e.type === 'nick' && e.to === d.s.nick));
		if (item.kind === 'event' && item.mention) d.effects.push({type: 'bell'});
	}
	settleAcked(d, e.room);
}

/** Someone ignored renamed: keep ignoring them, and their old nick for a while (a DM can come late). */
function followIgnored(d: Draft, from: string, to: string): void {
	const key = nickKey(from);
	d.set({
		ignored: d.s.ignored.map(k => (nickKey(k) === key ? to : k)),
		ignoredFormerly: [...d.s.ignoredFormerly.filter(f => f.until > d.now), {nick: from, now: to, until: d.now + IGNORE_FORMER_NICK_MS}],
	});
}

/**
 * Our acked lines that the room's position has reached or passed are done: seen on the
 * feed, shown as history, or passed over by a jump (a snapshot taken as the position, a
 * gap older than the hub keeps).
 */
function settleAcked(d: Draft, room: string): void {
	const v = d.room(room);
	if (!v) return;
	const id = '#' + room;
	const done = (p: {view: string; state: string; seq?: number}) => p.view === id && p.state === 'acked' && (p.seq ?? 0) <= v.lastSeq;
	if (d.s.pending.some(done)) d.dropPending(done);
}

/** Whether an event makes a line in the room: away and back only mark the member list (and show in /who). */
function visible(d: Draft, e: FeedEvent): boolean {
	if (e.type === 'away') return false;
	return !(e.type === 'message' && isIgnored(d.s, e.from));
}

function eventItem(d: Draft, e: FeedEvent, replay: boolean): FeedItem {
	const mention = e.type === 'message' && e.from !== d.s.nick && mentions(e.text, d.s.nick);
	return {kind: 'event', key: `${e.epoch}:${e.room}:${e.seq}`, event: e, ...(replay ? {replay: true} : {}), ...(mention && !replay ? {mention: true} : {})};
}

function insertSorted(buffer: readonly FeedEvent[], e: FeedEvent): FeedEvent[] {
	const out = [...buffer];
	let i = out.length;
	while (i > 0 && out[i - 1]!.seq > e.seq) i--;
	out.splice(i, 0, e);
	return out;
}
