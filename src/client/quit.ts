/**
 * Leaving: /quit (or the end of input) waits until every line typed is delivered or the
 * deadline passes, says bye, and exits with a code that says whether anything was lost.
 */
import type {Draft} from './draft.js';
import {DEFAULT_QUIT_TIMEOUT_MS, backlog, undelivered} from './state.js';

/** Leave once every line is delivered. Asked a second time (Ctrl+C twice), leave at once. */
export function leave(d: Draft, reason: string | undefined): void {
	if (d.s.exit) return;
	if (d.s.quitting) return finish(d);
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
	if (backlog(d.s) > 0 || d.s.pending.some(p => p.state !== 'failed')) {
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
 * Exit now: 0 when every line typed was delivered, else 1 saying how many were not. Lines
 * the hub refused count too, unless a person saw each refusal (the TUI).
 */
export function finish(d: Draft): void {
	const lost = undelivered(d.s).length;
	const refused = d.s.options.interactive ? 0 : (d.s.refused?.count ?? 0);
	const n = lost + refused;
	if (n === 0) return d.exit(0);
	const why = (refused > 0 ? d.s.refused?.reason : undefined) ?? 'the hub did not acknowledge them in time';
	d.exit(1, `${n} line${n === 1 ? ' was' : 's were'} not delivered (${why})`);
}
