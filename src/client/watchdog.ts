/**
 * The send window's watchdog: while connected, a line the hub acked must come back on its
 * room's feed (or be passed by the room's position), or the client says why. When the
 * oldest such line and its room's position stand still for a while, the room is synced
 * again from the hub (said once); when even that brings nothing, the lines are let go: the
 * hub stored them, and waiting for them must not hold the window shut.
 */
import type {Draft} from './draft.js';
import {resync} from './room-feed.js';
import {pump} from './send-window.js';

/** How long the oldest acked line may wait while its room's position stands still. */
export const STALL_MS = 10_000;
/** Resyncs without progress before a room's acked lines are let go. */
const RESYNCS = 2;

export function watchdog(d: Draft): void {
	const oldest = d.s.connection === 'connected' ? d.s.pending.find(p => p.state === 'acked') : undefined;
	if (!oldest) {
		if (d.s.stall) d.unset('stall');
		return;
	}
	const room = oldest.view.slice(1);
	const position = d.room(room)?.lastSeq ?? -1;
	const stall = d.s.stall;
	if (!stall || stall.line !== oldest.id || stall.position !== position) {
		d.set({stall: {line: oldest.id, position, since: d.now, tries: 0}});
		return;
	}
	if (d.now - stall.since < STALL_MS) return;
	if (stall.tries < RESYNCS) {
		if (stall.tries === 0) d.notice(`your lines have not come back on the feed of #${room} for ${STALL_MS / 1000} s: catching up from the hub`, 'info', oldest.view);
		resync(d, room);
		d.set({stall: {...stall, since: d.now, tries: stall.tries + 1}});
		return;
	}
	const mine = (p: {view: string; state: string}) => p.view === oldest.view && p.state === 'acked';
	const n = d.s.pending.filter(mine).length;
	d.dropPending(mine);
	d.unset('stall');
	d.notice(`${n} line${n === 1 ? '' : 's'} the hub stored in #${room} did not come back on its feed: no longer waiting for ${n === 1 ? 'it' : 'them'}`, 'error', oldest.view);
	pump(d);
}
