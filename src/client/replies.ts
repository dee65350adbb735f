/**
 * What the hub says over the DEALER socket, reply by reply: acks settle lines, answers to
 * questions become typed answers for the view, DMs open conversations, notices are shown.
 */
import {assertNever} from '../protocol/exhaustive.js';
import {nickKey} from '../protocol/names.js';
import type {AckReply, BansReply, DmReply, NoticeReply, OkReply, PongReply, Reply, RoomsReply, TopicReply, WhoReply, WhoisReply} from '../protocol/types.js';
import type {Draft} from './draft.js';
import {finish, progress} from './quit.js';
import {onError} from './reply-errors.js';
import {catchUp, onHistory, syncRoom} from './room-feed.js';
import {pump} from './send-window.js';
import {isIgnored, type Answer} from './state.js';
import {hello, onWelcome} from './welcome.js';

export function onReply(d: Draft, reply: Reply): void {
	const req = 're' in reply && reply.re !== undefined ? d.answered(reply.re) : undefined;
	switch (reply.type) {
		case 'welcome':
			return onWelcome(d, reply);
		case 'ack':
			return onAck(d, reply);
		case 'error':
			return onError(d, reply, req);
		case 'joined':
			if (!d.s.wanted.includes(reply.room)) return;
			syncRoom(d, reply);
			return pump(d);
		case 'history':
			return onHistory(d, reply, req);
		case 'pong':
			return onPong(d, reply);
		case 'ok':
			return onOk(d, reply);
		case 'who':
		case 'whois':
		case 'rooms':
		case 'bans':
		case 'topic':
			for (const answer of answers(reply)) d.answer(answer);
			return;
		case 'dm':
			return onDm(d, reply);
		case 'notice':
			return onNotice(d, reply);
		case 'stats':
			return;
		default:
			assertNever(reply, 'reply');
	}
}

/** The hub's answer to a question, as data for the view: a list gives one answer per entry, or its "none". */
function answers(reply: WhoReply | WhoisReply | RoomsReply | BansReply | TopicReply): Answer[] {
	switch (reply.type) {
		case 'who':
			return [{type: 'who', room: reply.room, members: reply.members}];
		case 'whois': {
			const {type: _type, re: _re, ...whois} = reply;
			return [{type: 'whois', whois}];
		}
		case 'rooms':
			return reply.rooms.length === 0 ? [{type: 'no-rooms'}] : reply.rooms.map(room => ({type: 'room', room}));
		case 'bans':
			return reply.bans.length === 0 ? [{type: 'no-bans'}] : reply.bans.map(ban => ({type: 'ban', ban}));
		case 'topic':
			return [{type: 'topic', room: reply.room, text: reply.text}];
		default:
			return assertNever(reply, 'answer');
	}
}

function onAck(d: Draft, ack: AckReply): void {
	const p = d.s.pending.find(x => x.id === ack.re);
	if (!p || p.state === 'acked') return;
	progress(d);
	if (p.view.startsWith('@')) {
		// A private message: delivered. Show it in the conversation as ours, and where it was
		// typed as a confirmation (a copy for the view only: line mode prints it once).
		const nick = ack.to ?? p.view.slice(1);
		const viewId = d.openDm(nick);
		d.dropPending(x => x.id === p.id);
		const item = {kind: 'dm', key: `dm:${p.id}`, from: d.s.nick, to: nick, text: p.text, ts: d.now, self: true, ...(p.action ? {action: true} : {})} as const;
		d.show(viewId, item, false);
		const typedIn = p.typedIn !== undefined && p.typedIn !== viewId && d.s.views[p.typedIn] ? p.typedIn : undefined;
		if (typedIn) d.show(typedIn, {...item, key: `${item.key}:echo`}, false, false);
		if (ack.away) d.notice(`${nick} is away: ${ack.away}`, 'info', typedIn ?? viewId);
		return pump(d);
	}
	const room = d.room(p.view.slice(1));
	const seq = ack.seq;
	// The room's position is at or past it already (seen on the feed, or covered by the
	// history being loaded), or we left the room: nothing more to wait for.
	if (!room?.joined || (seq !== undefined && seq <= room.lastSeq)) d.dropPending(x => x.id === p.id);
	else d.updateLine(p.id, seq === undefined ? {state: 'acked'} : {state: 'acked', seq});
	pump(d);
}

function onPong(d: Draft, pong: PongReply): void {
	// Our goodbye went to a hub that died before answering it: the session is over all the same.
	if (!pong.session && d.s.quitting?.byeSent) return finish(d);
	if (!pong.session && d.s.epoch !== undefined) {
		// The hub no longer knows us (it restarted, or our session timed out).
		d.set({connection: 'reconnecting'});
		if (d.s.helloAt === undefined || d.now - d.s.helloAt > 1000) hello(d);
		return;
	}
	catchUp(d, pong.heads);
}

/** A command of ours was done: confirm the ones whose effect is not seen otherwise. */
function onOk(d: Draft, ok: OkReply): void {
	switch (ok.command) {
		case 'nick':
			if (!ok.nick) return;
			d.set({nick: ok.nick});
			return d.notice(`you are now known as ${ok.nick}`);
		case 'away':
			return d.notice(d.s.away ? `you are marked away: ${d.s.away}` : 'you are back');
		case 'bye':
			return finish(d);
		// A removal the room feed tells of ("bob was kicked by alice") is not said twice.
		case 'kick':
			return feedTells(d, ok.nick) ? undefined : d.notice(`${ok.nick} was kicked`);
		case 'ban':
			return feedTells(d, ok.target) ? undefined : d.notice(`${ok.target} is banned`);
		case 'unban':
			return d.notice(`${ok.target} is no longer banned`);
		case 'mute':
			return d.notice(`${ok.nick} is muted`);
		case 'unmute':
			return d.notice(`${ok.nick} can speak again`);
		// The topic event on the feed tells everyone, us included; the rest show in the feed or need no word.
		case 'topic':
		case 'hello':
		case 'say':
		case 'join':
		case 'part':
		case 'who':
		case 'whois':
		case 'rooms':
		case 'msg':
		case 'history':
		case 'ping':
		case 'stats':
		case 'bans':
		case 'lock':
			return;
		default:
			assertNever(ok.command, 'ok command');
	}
}

/** Items at the end of a room's feed searched for a removal's part event that came before its ok. */
const RECENT = 50;

/**
 * Whether a room feed tells of removing `nick` (kicked or banned by us): it is a member of a
 * room we are in (its part event is on the way), or such an event is among the latest items.
 */
function feedTells(d: Draft, nick: string | undefined): boolean {
	if (nick === undefined) return false;
	const key = nickKey(nick);
	for (const v of Object.values(d.s.views)) {
		if (!('room' in v) || !v.joined) continue;
		if (v.members.some(m => nickKey(m) === key)) return true;
		for (const item of v.feed.slice(-RECENT)) {
			if (item.kind === 'event' && item.event.type === 'part' && item.event.removed && item.event.by === d.s.nick && nickKey(item.event.from) === key) return true;
		}
	}
	return false;
}

function onDm(d: Draft, dm: DmReply): void {
	const key = nickKey(dm.from);
	if (isIgnored(d.s, dm.from) || d.s.ignoredFormerly.some(f => f.until > d.now && nickKey(f.nick) === key)) return;
	const viewId = d.openDm(dm.from);
	d.set({lastDmFrom: dm.from});
	d.show(viewId, {kind: 'dm', key: `dm:${dm.from}:${dm.ts}:${d.s.nextId}`, from: dm.from, to: dm.to, text: dm.text, ts: dm.ts, self: false, ...(dm.action ? {action: true} : {})});
	d.effects.push({type: 'bell'});
}

/** Something the hub tells us unasked, shown as it worded it: being removed ends the client, a shutdown means reconnecting. */
function onNotice(d: Draft, n: NoticeReply): void {
	switch (n.code) {
		case 'kicked':
		case 'banned':
		case 'revoked':
			// An operator (or the hub's list) removed us: say why and stop; coming straight
			// back is not what the operator meant.
			d.notice(n.message, 'error');
			return d.exit(1, n.message);
		case 'muted':
			return d.notice(n.message, 'error');
		case 'unmuted':
			return d.notice(n.message);
		case 'shutdown':
		case 'session_ended':
			d.set({connection: 'reconnecting'});
			return d.notice(n.message, 'error');
		default:
			assertNever(n.code, 'notice code');
	}
}
