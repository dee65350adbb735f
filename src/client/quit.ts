/**
 * Leaving: /quit (or the end of input) waits until every line typed is delivered or the
 * deadline passes, says bye, and exits with a code that says whether anything was lost.
 */
import type {Draft} from './draft.js';
import {DEFAULT_QUIT_TIMEOUT_MS, backlog, undelivered} from './state.js';

/** How long a last bye, said when giving up, waits for the hub's answer. */
const BYE_WAIT_MS = 1000;

/** Leave once every line is delivered. Asked a second time (Ctrl+C twice), leave at once. */
export function leave(d: Draft, reason: string | undefined): void {
	if (d.s.exit) return;
	if (d.s.quitting) return finish(d, false);
	const deadline = d.now + (d.s.options.quitTimeoutMs ?? DEFAULT_QUIT_TIMEOUT_MS);
	d.set({quitting: reason === undefined ? {deadline, byeSent: false} : {reason, deadline, byeSent: false}});
	maybeBye(d);
}

/** While leaving: say bye when nothing is left to deliver, or finish at the deadline. */
export function maybeBye(d: Draft): void {
	const q = d.s.quitting;
	if (!q || q.byeSent || d.s.exit) return;
	// Wait for every line to be acked, and to come back on the feed (so what a script reads
	// includes what it said); at the deadline, acked counts as delivered.
	// History being loaded (page after page, for a long --history) is shown before leaving too.
	const loading = Object.values(d.s.views).some(v => 'room' in v && v.joined && v.positioned && !v.synced);
	if (backlog(d.s) > 0 || d.s.pending.some(p => p.state !== 'failed') || loading) {
		if (d.now >= q.deadline) finish(d);
		return;
	}
	if (d.s.connection !== 'connected') return finish(d);
	d.set({quitting: {...q, byeSent: true}});
	d.request('bye', q.reason ? {type: 'bye', reason: q.reason} : {type: 'bye'});
}

/** The hub took (or paced) a line: a /quit waiting for acks gives it the full timeout again from now. */
export function progress(d: Draft): void {
	const q = d.s.quitting;
	if (q && !q.byeSent) d.set({quitting: {...q, deadline: Math.max(q.deadline, d.now + (d.s.options.quitTimeoutMs ?? DEFAULT_QUIT_TIMEOUT_MS))}});
}

/**
/**
 * Exit: 0 when every line typed was delivered, else 1 saying how many were not (lines the
 * hub refused count too, unless a person saw each refusal: the TUI). Leaving without waiting
 * for the lines any longer still says bye, so the room sees us quit rather than time out ten
 * seconds later: at the deadline the hub's answer (or BYE_WAIT_MS) ends it, since a bye only
 * queued when the process exits can be lost; asked to leave at once (Ctrl+C twice,
 * `waitForBye` false), the bye goes and we exit now.
 */
export function finish(d: Draft, waitForBye = true): void {
	const q = d.s.quitting;
	if (q && !q.byeSent && d.s.connection === 'connected') {
		const bye = q.reason ? {type: 'bye' as const, reason: q.reason} : {type: 'bye' as const};
		if (waitForBye) {
			d.set({quitting: {...q, byeSent: true, deadline: d.now + BYE_WAIT_MS}});
			d.request('bye', bye);
			return;
		}
		d.request('bye', bye);
	}
	const lost = undelivered(d.s).length;
	const refused = d.s.options.interactive ? 0 : (d.s.refused?.count ?? 0);
	const n = lost + refused;
	if (n === 0) return d.exit(0);
	const why = (refused > 0 ? d.s.refused?.reason : undefined) ?? 'the hub did not acknowledge them in time';
	d.exit(1, `${n} line${n === 1 ? ' was' : 's were'} not delivered (${why})`);
}
