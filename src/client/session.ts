/**
 * The client session as a pure reducer: `step(state, input)` returns the next state and the
 * effects to carry out (commands to send, topics to (un)subscribe, lines to show). No I/O,
 * no timers: time comes in with each input. This file dispatches inputs and owns the start
 * and the clock tick; the state is in state.ts, and each kind of input has its own file.
 *
 * The rules that make "nothing lost" hold on the client side:
 * - every line typed is a Pending until the hub acks it, resent with the same id after a
 *   timeout or a reconnect (the hub drops duplicates): send-window.ts;
 * - each room's feed is applied strictly in seq order: events that arrive early wait in a
 *   buffer, a gap is repaired by asking for history, and what the history reply already
 *   covered is dropped (subscribe first, then ask: the zguide's Clone pattern): room-feed.ts.
 */
import type {DistributiveOmit} from '../protocol/exhaustive.js';
import {assertNever} from '../protocol/exhaustive.js';
import type {Command, Reply} from '../protocol/types.js';
import {parseInput} from './commands.js';
import {Draft} from './draft.js';
import {applyIntent} from './intents.js';
import {finish, leave, maybeBye} from './quit.js';
import {onReply} from './replies.js';
import {fetchOlder, keepSyncing, onFeedEvent} from './room-feed.js';
import {pump, settling} from './send-window.js';
import {HUB_SILENT_MS, newRoomView, type ClientState, type Input, type Step} from './state.js';
import {watchdog} from './watchdog.js';
import {hello} from './welcome.js';

/** Requests unanswered for this long are forgotten, so they can be asked again. */
const REQUEST_FORGET_MS = 10_000;

/** Apply one input. Pure: the same state and input always give the same result. */
export function step(state: ClientState, input: Input): Step {
	const d = new Draft(state, input.now);
	switch (input.type) {
		case 'start':
			start(d);
			break;
		case 'line': {
			const intent = parseInput(input.text);
			if (intent === undefined) break;
			if ('error' in intent) d.notice(intent.error, 'error');
			else applyIntent(d, intent);
			break;
		}
		case 'intent':
			applyIntent(d, input.intent);
			break;
		case 'reply':
			d.set({lastHeard: d.now});
			if (d.s.hubSilent) d.unset('hubSilent');
			if (d.s.connection === 'reconnecting' && d.s.epoch !== undefined && isSessionReply(input.reply)) d.set({connection: 'connected'});
			settling(d, () => onReply(d, input.reply));
			break;
		case 'feed':
			settling(d, () => {
				for (const e of input.events) onFeedEvent(d, e);
			});
			break;
		case 'tick':
			tick(d);
			break;
		case 'older':
			fetchOlder(d, input.view);
			break;
		case 'activate':
			d.activate(input.view);
			break;
		case 'leave':
			leave(d, input.reason);
			break;
		case 'saved':
			if (input.error !== undefined) d.notice(`/set: ${input.error}`, 'error');
			else d.notice(`saved ${input.name} = ${input.value}${input.where ? ` in ${input.where}` : ''}: used from the next start`);
			break;
		case 'fatal':
			d.exit(input.code, input.message);
			break;
		default:
			assertNever(input, 'input');
	}
	if (d.s.quitting) maybeBye(d);
	return {state: d.s, effects: d.effects};
}

/** A reply that shows our session is alive on the hub. */
function isSessionReply(r: Reply): boolean {
	if (r.type === 'pong') return r.session;
	return r.type !== 'error' && r.type !== 'notice' && r.type !== 'welcome';
}

function start(d: Draft): void {
	for (const room of d.s.wanted) {
		d.putView(newRoomView(room));
		// Subscribe before saying hello, so nothing published after the welcome is missed.
		d.effects.push({type: 'subscribe', room});
	}
	d.set({active: '#' + d.s.wanted[0]});
	hello(d);
}

/**
 * Time passes: ping the hub so it knows we are alive, notice when it stops answering,
 * resend lines whose ack is late.
 */
function tick(d: Draft): void {
	const {connection, ttlMs} = d.s;
	const now = d.now;
	if (connection === 'closed' || d.s.exit) return;
	if (d.s.quitting && now >= d.s.quitting.deadline) return finish(d);
	const silent = connection !== 'connected' && now - d.s.lastHeard >= HUB_SILENT_MS;
	if (silent && !d.s.hubSilent) d.set({hubSilent: true});
	const pingEvery = Math.max(250, Math.min(3000, Math.floor(ttlMs / 4)));
	const silentFor = now - d.s.lastHeard;
	if (connection === 'connected' && silentFor > Math.max(ttlMs / 2, 2 * pingEvery)) {
		d.set({connection: 'reconnecting'});
	}
	if (connection === 'connecting' || (connection === 'reconnecting' && d.s.epoch === undefined)) {
		// No welcome yet: the hello may have gone to a hub that was not there; say it again.
		if (d.s.helloAt === undefined || now - d.s.helloAt > 3000) hello(d);
		return;
	}
	if (now - d.s.lastSent >= pingEvery || (d.s.connection === 'reconnecting' && now - d.s.lastSent >= 1000)) {
		d.send({type: 'ping'});
	}
	if (d.s.connection === 'connected') {
		sendDeferred(d);
		// Late acks: send those lines again (same id: the hub drops duplicates).
		if (d.s.pending.some(p => p.state === 'sent' && p.due <= now)) d.updatePending(p => p.state === 'sent' && p.due <= now, {state: 'queued', due: now});
		pump(d);
		keepSyncing(d);
	}
	watchdog(d);
	forgetStale(d);
}

/** Commands the hub refused as too fast, now due. */
function sendDeferred(d: Draft): void {
	if (!d.s.deferred.some(x => x.due <= d.now)) return;
	const due = d.s.deferred.filter(x => x.due <= d.now);
	d.set({deferred: d.s.deferred.filter(x => x.due > d.now)});
	for (const x of due) {
		const {id: _id, ...command} = x.command;
		d.request(x.kind, command as DistributiveOmit<Command, 'id'>, x.room);
	}
}

/** Requests that got no answer in a while are forgotten so they can be asked again. */
function forgetStale(d: Draft): void {
	const stale = Object.entries(d.s.requests).filter(([, r]) => d.now - r.at > REQUEST_FORGET_MS && r.kind !== 'hello');
	if (stale.length === 0) return;
	const requests = {...d.s.requests};
	for (const [id] of stale) delete requests[id];
	d.set({requests});
}
