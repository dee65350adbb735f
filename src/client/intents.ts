/**
 * What the user asked for (a parsed line or a key of the TUI), carried out: lines to say,
 * rooms to join and leave, questions for the hub, views to show, people to ignore, operator
 * commands.
 */
import {assertNever} from '../protocol/exhaustive.js';
import {nickKey} from '../protocol/names.js';
import {helpText, type Intent} from './commands.js';
import type {Draft} from './draft.js';
import {leave} from './quit.js';
import {queueSend} from './send-window.js';
import {dmView, isIgnored, newRoomView} from './state.js';

/** Intents of one kind (or a few). */
type IntentOf<T extends Intent['type']> = Extract<Intent, {type: T}>;

export function applyIntent(d: Draft, intent: Intent): void {
	switch (intent.type) {
		case 'say':
		case 'me':
			return say(d, intent.text, intent.type === 'me');
		case 'msg':
		case 'reply':
			return privately(d, intent);
		case 'query':
			return query(d, intent.nick, intent.text);
		case 'close':
			return close(d);
		case 'set':
			return void d.effects.push({type: 'save', name: intent.name, value: intent.value});
		case 'join':
			return join(d, intent.room);
		case 'part':
			return part(d, intent.room, intent.reason);
		case 'topic':
		case 'who':
		case 'rooms':
		case 'nick':
		case 'whois':
		case 'away':
		case 'back':
			return ask(d, intent);
		case 'ignore':
		case 'unignore':
			return ignoring(d, intent);
		case 'switch':
		case 'clear':
		case 'help':
			return view(d, intent);
		case 'kick':
		case 'ban':
		case 'unban':
		case 'bans':
		case 'mute':
		case 'unmute':
		case 'lock':
			return moderate(d, intent);
		case 'quit':
			return leave(d, intent.reason);
		default:
			assertNever(intent, 'intent');
	}
}

/** The room shown, when you are in it; else say so (for `what`) and return undefined. */
function currentRoom(d: Draft, what: string): string | undefined {
	const active = d.s.active;
	const room = active.startsWith('#') ? active.slice(1) : undefined;
	if (room && d.room(room)?.joined) return room;
	d.notice(`${what}: you are not in a room here; /join #room or /switch to one`, 'error');
	return undefined;
}

/** A line (or an action) for the room or conversation shown. */
function say(d: Draft, text: string, action: boolean): void {
	if (d.s.active.startsWith('@')) return queueSend(d, d.s.active, text, action);
	const room = currentRoom(d, action ? '/me' : 'say');
	if (room) queueSend(d, '#' + room, text, action);
}

/**
 * A private message, to a nick or to whoever sent you the last one. Typed in another view, it
 * stays there until the hub answers: the conversation's tab opens once the hub has taken it
 * (so a nick that is not online leaves no empty tab), and a refusal is shown where it was typed.
 */
function privately(d: Draft, intent: IntentOf<'msg' | 'reply'>): void {
	const to = intent.type === 'msg' ? intent.to : d.s.lastDmFrom;
	if (to === undefined) return d.notice('/reply: nobody has sent you a private message yet', 'error');
	queueSend(d, dmView(d.s, to)?.id ?? '@' + to, intent.text, false, d.s.active);
}

function join(d: Draft, room: string): void {
	if (!d.s.wanted.includes(room)) d.set({wanted: [...d.s.wanted, room]});
	const v = d.room(room);
	if (!v || !v.joined) {
		d.putView(v ? {...v, joined: true} : newRoomView(room));
		d.effects.push({type: 'subscribe', room});
		// Not connected: the welcome joins every wanted room.
		if (d.s.connection === 'connected') d.userRequest('join', {type: 'join', room}, room);
	}
	d.activate('#' + room);
}

/**
 * Leave a room. Its tab stays (dimmed, its members cleared) so what was said can still be
 * read, until /close; in the TUI, if it was on screen, the view moves to the tab beside it.
 */
function part(d: Draft, named: string | undefined, reason: string | undefined): void {
	const room = named ?? currentRoom(d, '/part');
	if (!room) return;
	if (!d.room(room)?.joined) return d.notice(`/part: you are not in #${room}`, 'error');
	// Acked lines of the room will not come back on its feed now: they are done.
	d.set({wanted: d.s.wanted.filter(r => r !== room)});
	d.dropPending(p => p.view === '#' + room && p.state === 'acked');
	d.updateRoom(room, {joined: false, synced: false, positioned: false, buffer: [], members: [], away: []});
	d.effects.push({type: 'unsubscribe', room});
	d.userRequest('part', reason ? {type: 'part', room, reason} : {type: 'part', room}, room);
	d.notice(`you left #${room}`, 'info', '#' + room);
	if (d.s.active !== '#' + room || !d.s.options.interactive) return;
	const next = neighbour(d, '#' + room);
	if (next === undefined) return;
	d.activate(next);
	d.notice(`you left #${room}: its tab stays until /close`, 'info', next, false);
}

/** The tab to show instead of `id`: the one before it, else the one after. */
function neighbour(d: Draft, id: string): string | undefined {
	const at = d.s.order.indexOf(id);
	return d.s.order[at - 1] ?? d.s.order[at + 1];
}

/** Open (or go to) the conversation with a nick, and say `text` there. A new one asks the hub about them, so a nick that is not online says so at once. */
function query(d: Draft, nick: string, text: string | undefined): void {
	const known = dmView(d.s, nick) !== undefined;
	const id = d.openDm(nick);
	d.activate(id);
	if (!known) d.userRequest('whois', {type: 'whois', nick});
	if (text) queueSend(d, id, text, false);
}

/** Close the tab on screen: a conversation, or a room (left first if you are in it). The last tab stays. */
function close(d: Draft): void {
	const id = d.s.active;
	const v = d.s.views[id];
	const next = neighbour(d, id);
	if (!v || next === undefined) return d.notice('/close: this is the last tab: /quit leaves zchat', 'error');
	if ('room' in v && v.joined) part(d, v.room, undefined);
	const {[id]: _closed, ...views} = d.s.views;
	d.set({views, order: d.s.order.filter(o => o !== id)});
	if (d.s.active === id) d.activate(next);
}

/** A question for the hub, or a change of how others see you: sent in its turn after the lines typed before it. */
function ask(d: Draft, intent: IntentOf<'topic' | 'who' | 'rooms' | 'nick' | 'whois' | 'away' | 'back'>): void {
	switch (intent.type) {
		case 'topic': {
			const room = currentRoom(d, '/topic');
			if (room) d.userRequest('topic', intent.text === undefined ? {type: 'topic', room} : {type: 'topic', room, text: intent.text}, room);
			return;
		}
		case 'who': {
			if (intent.room === '*') return d.userRequest('who', {type: 'who'});
			const room = intent.room ?? currentRoom(d, '/who');
			if (room) d.userRequest('who', {type: 'who', room}, room);
			return;
		}
		case 'rooms':
			return d.userRequest('rooms', {type: 'rooms'});
		case 'nick':
			return d.userRequest('nick', {type: 'nick', nick: intent.nick});
		case 'whois':
			return d.userRequest('whois', {type: 'whois', nick: intent.nick});
		case 'away':
			d.set({away: intent.text});
			return d.userRequest('away', {type: 'away', text: intent.text});
		case 'back':
			d.unset('away');
			return d.userRequest('away', {type: 'away'});
		default:
			assertNever(intent, 'question');
	}
}

/** Hide someone's messages on this side, or show them again; with no nick, list who is hidden. */
function ignoring(d: Draft, intent: IntentOf<'ignore' | 'unignore'>): void {
	const nick = intent.nick ?? '';
	if (intent.type === 'ignore' && !nick) return d.notice(d.s.ignored.length ? `ignoring: ${d.s.ignored.join(', ')}` : 'you are not ignoring anyone');
	const key = nickKey(nick);
	if (intent.type === 'ignore') {
		if (key === nickKey(d.s.nick)) return d.notice('/ignore: you cannot ignore yourself', 'error');
		if (!isIgnored(d.s, nick)) d.set({ignored: [...d.s.ignored, nick]});
		return d.notice(`ignoring ${nick} (on your side only): /unignore ${nick} to undo`);
	}
	if (!isIgnored(d.s, nick)) return d.notice(`/unignore: you are not ignoring ${nick}`, 'error');
	d.set({ignored: d.s.ignored.filter(k => nickKey(k) !== key), ignoredFormerly: d.s.ignoredFormerly.filter(f => nickKey(f.now) !== key)});
	d.notice(`no longer ignoring ${nick}`);
}

/** What is on screen: another view, an empty feed (on this side only), the help. */
function view(d: Draft, intent: IntentOf<'switch' | 'clear' | 'help'>): void {
	switch (intent.type) {
		case 'switch':
			if (!d.s.views[intent.view]) {
				if (!intent.view.startsWith('@')) return d.notice(`/switch: you are not in ${intent.view}: /join it first`, 'error');
				d.openDm(intent.view.slice(1));
			}
			return d.activate(intent.view);
		case 'clear': {
			// A room's history can be fetched again by scrolling up.
			const v = d.s.views[d.s.active];
			if (v) d.putView({...v, feed: [], ...('room' in v ? {hasOlder: v.lastSeq > 0} : {})});
			return;
		}
		case 'help':
			for (const line of helpText(intent.command)) d.notice(line);
			return;
		default:
			assertNever(intent, 'view intent');
	}
}

/** Operator commands: sent at once (the hub says whether you may). */
function moderate(d: Draft, intent: IntentOf<'kick' | 'ban' | 'unban' | 'bans' | 'mute' | 'unmute' | 'lock'>): void {
	const reason = 'reason' in intent && intent.reason ? {reason: intent.reason} : {};
	const duration = 'durationMs' in intent && intent.durationMs ? {durationMs: intent.durationMs} : {};
	switch (intent.type) {
		case 'kick':
			return void d.request('mod', {type: 'kick', nick: intent.nick, ...reason});
		case 'ban':
			return void d.request('mod', {type: 'ban', target: intent.target, ...duration, ...reason});
		case 'unban':
			return void d.request('mod', {type: 'unban', target: intent.target});
		case 'bans':
			return void d.request('mod', {type: 'bans'});
		case 'mute':
			return void d.request('mod', {type: 'mute', nick: intent.nick, ...duration, ...reason});
		case 'unmute':
			return void d.request('mod', {type: 'unmute', nick: intent.nick});
		case 'lock': {
			const room = intent.room ?? currentRoom(d, intent.locked ? '/lock' : '/unlock');
			if (room) d.request('mod', {type: 'lock', room, locked: intent.locked}, room);
			return;
		}
		default:
			assertNever(intent, 'operator intent');
	}
}
