/**
 * The send window: typed lines wait in order, at most `window` of them between sending and
 * being seen back on the feed, paced by a mirror of the hub's flood bucket, resent with backoff.
 */
import type {Command} from '../protocol/types.js';
import type {Draft} from './draft.js';
import {takeForLine} from './rate-mirror.js';
import {DEFAULT_WINDOW, type Pending} from './state.js';

/** The first resend waits this long for an ack; each further one twice as long, up to RESEND_MAX_MS. */
export const RESEND_BASE_MS = 3000;
const RESEND_MAX_MS = 30_000;

/** Keep a typed line as pending and send it when the window allows; `typedIn` is where it was typed, when not in `view`. */
export function queueSend(d: Draft, view: string, text: string, action: boolean, typedIn?: string): void {
	const id = d.id('m');
	d.enqueue({type: 'line', line: {id, view, ...(typedIn === undefined || typedIn === view ? {} : {typedIn}), text, action, state: 'queued', attempts: 0, due: d.now}});
	pump(d);
}

/**
 * Run `work`; when it settled lines of ours (seen back on the feed or in history), they free
 * room in the window: send what waits at once, once for the whole batch.
 */
export function settling(d: Draft, work: () => void): void {
	const unsettled = d.s.pending.length;
	work();
	if (d.s.pending.length < unsettled) pump(d);
}

/** How full the window is, counted as lines go out. */
class InFlight {
	unacked = 0;
	unseen = 0;

	constructor(
		pending: readonly Pending[],
		private readonly size: number,
		/** One unacked line at a time when the hub has (or acts on) a flood limit. */
		private readonly ackSize: number,
	) {
		for (const p of pending) {
			if (p.state === 'sent') this.unacked++;
			if (p.state === 'sent' || p.state === 'acked') this.unseen++;
		}
	}

	get full(): boolean {
		return this.unacked >= this.ackSize || this.unseen >= this.size;
	}

	sent(): void {
		this.unacked++;
		this.unseen++;
	}
}

/**
 * Send what is due, keeping at most `window` lines between sending and being seen on the
 * feed: first what waits to be sent again, then what the user asked for, in the order asked
 * (lines and commands).
 */
export function pump(d: Draft): void {
	if (d.s.connection !== 'connected') return;
	if (d.s.throttledUntil !== undefined && d.now < d.s.throttledUntil) return;
	const size = d.s.options.window ?? DEFAULT_WINDOW;
	// Under a flood limit one line is unacked at a time: a refused line can then never be
	// overtaken by one sent behind it (a starved hub may hold a refusal's sender for less time
	// than it takes to reach the next line, and take that one).
	const window = new InFlight(d.s.pending, size, d.s.paced || d.s.rate ? 1 : size);
	// Lines go in the order they were typed: one that must wait (a resend not yet due, or the
	// hub's flood limit) holds back everything after it, commands included.
	const resent = resend(d, window);
	const fresh = resent.blocked ? [] : sendQueued(d, window);
	if (fresh.length === 0 && resent.ids.size === 0) return;
	if (resent.ids.size > 0) d.updatePending(p => resent.ids.has(p.id), p => ({state: 'sent', attempts: p.attempts + 1, due: d.now + backoff(p.attempts + 1)}));
	if (fresh.length > 0) d.set({pending: [...d.s.pending, ...fresh]});
}

/** Send again the lines waiting for it, in order, while the window and the bucket allow. */
function resend(d: Draft, window: InFlight): {ids: Set<string>; blocked: boolean} {
	const ids = new Set<string>();
	for (const p of d.s.pending) {
		if (p.state !== 'queued') continue;
		if (window.full || p.due > d.now || !takeForLine(d, p.text)) return {ids, blocked: true};
		d.send(lineCommand(p));
		ids.add(p.id);
		window.sent();
	}
	return {ids, blocked: false};
}

/** Send what was asked for and not sent yet, in order: commands at once, lines as the window allows. Returns the lines sent. */
function sendQueued(d: Draft, window: InFlight): Pending[] {
	const fresh: Pending[] = [];
	const queue = d.s.queue;
	let head = d.s.queueHead;
	while (head < queue.length) {
		const item = queue[head]!;
		if (item.type === 'command') {
			d.set({queueHead: ++head});
			d.request(item.kind, item.command, item.room);
			continue;
		}
		if (window.full) break;
		const line = item.line;
		// A line for a room we are not (yet) in waits until we are, and so does what follows it.
		if (line.view.startsWith('#') && !d.room(line.view.slice(1))?.joined) break;
		if (!takeForLine(d, line.text)) break;
		d.send(lineCommand(line));
		fresh.push({...line, state: 'sent', attempts: 1, due: d.now + backoff(1)});
		window.sent();
		head++;
	}
	if (head !== d.s.queueHead) d.set(head > 1024 && head * 2 > queue.length ? {queue: queue.slice(head), queueHead: 0} : {queueHead: head});
	return fresh;
}

function lineCommand(p: Pending): Command {
	return p.view.startsWith('#')
		? {type: 'say', id: p.id, room: p.view.slice(1), text: p.text, ...(p.action ? {action: true} : {})}
		: {type: 'msg', id: p.id, to: p.view.slice(1), text: p.text, ...(p.action ? {action: true} : {})};
}

function backoff(attempts: number): number {
	return Math.min(RESEND_MAX_MS, RESEND_BASE_MS * 2 ** Math.max(0, attempts - 1));
}
