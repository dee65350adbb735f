/**
 * Getting in and back in: the hello, and the hub's welcome (its limits, a new epoch, rooms
 * joined or parted while away, every unacked line sent again).
 */
import {PROTOCOL_VERSION} from '../protocol/limits.js';
import type {WelcomeReply} from '../protocol/types.js';
import type {Draft} from './draft.js';
import {syncRoom} from './room-feed.js';
import {pump} from './send-window.js';

export function hello(d: Draft): void {
	const {options} = d.s;
	d.set({helloAt: d.now});
	d.request('hello', {
		type: 'hello',
		v: PROTOCOL_VERSION,
		nick: d.s.nick,
		session: options.session,
		rooms: d.s.wanted,
		...(options.clientName === undefined ? {} : {client: options.clientName}),
	});
}

export function onWelcome(d: Draft, w: WelcomeReply): void {
	const first = d.s.epoch === undefined;
	const epochChanged = !first && d.s.epoch !== w.epoch;
	const wasReconnecting = !first && d.s.connection === 'reconnecting';
	d.set({connection: 'connected', nick: w.nick, epoch: w.epoch, ttlMs: w.ttlMs, lastHeard: d.now, op: w.op === true, reconnects: 0});
	mirrorRate(d, w);
	if (epochChanged) {
		// The hub lost its history (new data): what we had cannot be matched with the new
		// seq numbers. Start each room afresh and say so.
		for (const id of d.s.order) {
			const v = d.s.views[id];
			if (v && 'room' in v) d.putView({...v, synced: false, positioned: false, lastSeq: 0, oldestSeq: 0, buffer: [], stateSeq: 0, changes: [], changesFrom: 0});
		}
		// Lines it had acked were stored in the data it lost: their seq numbers will never come.
		d.dropPending(p => p.state === 'acked');
		d.notice('the hub started on new data (its history was reset): resynced from its new history', 'error');
	} else if (wasReconnecting) {
		d.notice(w.resumed ? 'reconnected' : 'reconnected (new session)');
	}
	const listed = new Set(w.rooms.map(r => r.room));
	for (const rs of w.rooms) {
		if (d.s.wanted.includes(rs.room)) syncRoom(d, rs);
		else d.request('part', {type: 'part', room: rs.room}, rs.room); // parted while offline
	}
	for (const room of d.s.wanted) {
		if (!listed.has(room)) d.request('join', {type: 'join', room}, room); // joined while offline
	}
	// Everything not acked goes again, now.
	d.updatePending(p => p.state === 'sent', {state: 'queued', due: d.now});
	pump(d);
}

/** Mirror the hub's flood limit from its welcome (or stop, when it no longer has one). */
function mirrorRate(d: Draft, w: WelcomeReply): void {
	const rate = w.limits?.rate;
	if (rate && rate.burst >= 1 && rate.seconds > 0) {
		if (!d.s.rate || d.s.rate.burst !== rate.burst || d.s.rate.seconds !== rate.seconds) d.set({rate: {burst: rate.burst, seconds: rate.seconds}, tokens: {n: rate.burst, at: d.now}});
	} else if (d.s.rate) {
		d.unset('rate', 'tokens');
	}
}
