/**
 * What the client does when the hub says no: reconnect, slow down, say hello again, keep a
 * line for later or mark it failed, pick another nick, or exit saying why.
 */
import {nickWithSuffix} from '../protocol/names.js';
import type {ErrorReply} from '../protocol/types.js';
import type {Draft} from './draft.js';
import {finish, progress} from './quit.js';
import {RESEND_BASE_MS, pump} from './send-window.js';
import {RETRIED_KINDS, type Pending, type Request} from './state.js';
import {hello} from './welcome.js';

/** Nick suffixes tried (alice2, alice3, …) before giving up. */
const NICK_ATTEMPTS = 50;
/** Connections the hub does not recognise in a row before giving up. */
const RECONNECT_ATTEMPTS = 5;

export function onError(d: Draft, e: ErrorReply, req: Request | undefined): void {
	const p = e.re === undefined ? undefined : d.s.pending.find(x => x.id === e.re);
	switch (e.code) {
		case 'unauthenticated':
			return unauthenticated(d, e);
		case 'unauthorized':
			// The hub does not (or no longer) accept this connection or session as ours.
			return d.exit(1, `the hub refused us: ${e.message}`);
		case 'rate_limited':
			return rateLimited(d, e, p, req);
		case 'no_session':
			return noSession(d, p);
		default:
			// Every other code refuses the line or the command it answers, in the hub's words.
			if (p) return lineRefused(d, e, p);
			return requestRefused(d, e, req);
	}
}

/**
 * The hub does not know this connection (on a hub with keys, every connection is named by
 * the hub as it authenticates): make a new one and say hello on it.
 */
function unauthenticated(d: Draft, e: ErrorReply): void {
	const tries = (d.s.reconnects ?? 0) + 1;
	if (tries > RECONNECT_ATTEMPTS) return d.exit(1, `the hub does not recognise our connections (${e.message}): try again later`);
	if (d.s.helloAt !== undefined && d.now - d.s.helloAt < 200) return;
	d.set({reconnects: tries, ...(d.s.connection === 'connected' ? {connection: 'reconnecting' as const} : {})});
	d.effects.push({type: 'reconnect'});
	hello(d);
}

/** Too fast for the hub: nothing is lost. Wait as long as it says, then go on in order. */
function rateLimited(d: Draft, e: ErrorReply, p: Pending | undefined, req: Request | undefined): void {
	const wait = Math.max(100, e.retryAfterMs ?? 1000);
	const episode = d.s.throttledUntil === undefined || d.now >= d.s.throttledUntil;
	d.set({throttledUntil: Math.max(d.s.throttledUntil ?? 0, d.now + wait), tokens: {n: 0, at: d.now}, paced: true});
	progress(d);
	if (p) {
		d.updateLine(p.id, {state: 'queued', due: d.now + wait});
		if (episode) d.notice(`slowed down by the hub (${e.message}): your lines are kept and sent as it allows`, 'info', d.s.views[p.view] ? p.view : d.s.active);
		return;
	}
	if (req?.command && RETRIED_KINDS.has(req.kind)) {
		const entry = {kind: req.kind, command: req.command, due: d.now + wait, ...(req.room === undefined ? {} : {room: req.room})};
		d.set({deferred: [...d.s.deferred, entry]});
		return;
	}
	d.notice(e.message, 'error');
}

/** The hub restarted or our session timed out: say hello again; pending lines follow. */
function noSession(d: Draft, p: Pending | undefined): void {
	if (d.s.quitting?.byeSent) return finish(d); // the hub forgot us as we left: done
	if (p) d.updateLine(p.id, {state: 'queued', due: d.now});
	if (d.s.helloAt === undefined || d.now - d.s.helloAt > 1000 || d.s.connection === 'connected') {
		if (d.s.connection === 'connected') d.set({connection: 'reconnecting'});
		hello(d);
	}
}

/** A line the hub did not store: kept for later when that may help, else failed with the reason. */
function lineRefused(d: Draft, e: ErrorReply, p: Pending): void {
	if (e.code === 'storage_failed' || e.code === 'shutting_down') {
		// Not stored, not lost: keep it and try again later.
		d.updateLine(p.id, {state: 'queued', due: d.now + (e.retryAfterMs ?? RESEND_BASE_MS), error: e.message});
		if (!d.s.pending.some(x => x.id !== p.id && x.error === e.message)) d.notice(`not delivered yet: ${e.message}`, 'error', p.view);
		return;
	}
	// Refused for good (too long, not in the room, nobody by that nick): say so once, where it was typed.
	refuseLine(d, p, e.message);
	pump(d);
}

/**
 * A line refused for good: no longer pending; shown once, with the reason, where it was
 * typed (counted unread there if that view is not on screen); counted for the exit code.
 */
export function refuseLine(d: Draft, p: Pending, error: string): void {
	d.dropPending(x => x.id === p.id);
	const where = [p.typedIn, p.view, d.s.active, d.s.order[0]].find(v => v !== undefined && d.s.views[v] !== undefined);
	const item = {kind: 'failed', key: `failed:${p.id}`, ts: d.now, to: p.view, from: d.s.nick, text: p.text, action: p.action, error} as const;
	if (where) d.show(where, item);
	else d.effects.push({type: 'show', view: p.typedIn ?? p.view, item});
	d.set({refused: {count: (d.s.refused?.count ?? 0) + 1, reason: d.s.refused?.reason ?? error}});
}

/** A command the hub refused: what follows depends on what was asked. */
function requestRefused(d: Draft, e: ErrorReply, req: Request | undefined): void {
	if (req?.kind === 'hello') return helloRefused(d, e);
	if (req?.kind === 'join' && req.room) joinRefused(d, e, req.room);
	if (req?.kind === 'bye') return finish(d);
	if (req?.kind === 'load' || req?.kind === 'repair' || req?.kind === 'older') return; // a later pong retries
	d.notice(e.message, 'error');
}

function helloRefused(d: Draft, e: ErrorReply): void {
	if (e.code === 'nick_taken' || e.code === 'nick_invalid' || e.code === 'nick_reserved') {
		if (d.s.options.nickExplicit && d.s.epoch === undefined) {
			return d.exit(2, `${e.message} (on this hub): choose another with --nick`);
		}
		const attempt = d.s.nickAttempt + 1;
		if (attempt > NICK_ATTEMPTS) return d.exit(1, `could not find a free nick after ${NICK_ATTEMPTS} tries: choose one with --nick`);
		d.set({nick: nickWithSuffix(d.s.options.nick, attempt), nickAttempt: attempt});
		return hello(d);
	}
	d.exit(e.code === 'bad_version' || e.code === 'banned' || e.code === 'hub_full' ? 1 : 2, `the hub refused to let us in: ${e.message}`);
}

/** Lines waiting for a room we could not join will not go: refused, with the reason. */
function joinRefused(d: Draft, e: ErrorReply, room: string): void {
	const view = '#' + room;
	const waiting = d.s.queue.slice(d.s.queueHead);
	const lines = [...d.s.pending.filter(p => p.view === view && p.state === 'queued'), ...waiting.flatMap(q => (q.type === 'line' && q.line.view === view ? [q.line] : []))];
	d.set({
		wanted: d.s.wanted.filter(r => r !== room),
		queue: waiting.filter(q => !(q.type === 'line' && q.line.view === view)),
		queueHead: 0,
	});
	d.updateRoom(room, {joined: false});
	d.effects.push({type: 'unsubscribe', room});
	for (const p of lines) refuseLine(d, p, e.message);
}
