import {loadingOlder, type ClientState} from '../client/state.js';

/**
 * Whether two client states draw the same screen. The client's state changes on every
 * timer tick and every reply (ping times, request bookkeeping) without anything visible
 * changing; re-rendering for those would cost CPU for nothing while idle. Compares the
 * parts the TUI shows, by identity (the state is immutable), and whether older history is
 * on its way (asked through a selector: the requests themselves are the reducer's own).
 */
export function drawsTheSame(a: ClientState, b: ClientState): boolean {
	return (
		a === b ||
		(a.views === b.views &&
			a.order === b.order &&
			a.active === b.active &&
			a.pending === b.pending &&
			a.queue === b.queue &&
			a.queueHead === b.queueHead &&
			a.connection === b.connection &&
			a.hubSilent === b.hubSilent &&
			a.nick === b.nick &&
			a.away === b.away &&
			a.quitting === b.quitting &&
			olderOnTheWay(a) === olderOnTheWay(b))
	);
}

/** Whether the active view waits for older history (its scroll line says "loading"). */
function olderOnTheWay(state: ClientState): boolean {
	const v = state.views[state.active];
	return v !== undefined && 'room' in v && loadingOlder(state, v.room);
}
