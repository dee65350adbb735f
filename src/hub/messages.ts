/**
 * What sessions say: a line in a room (acked and published once stored) and a private message
 * (straight to its recipient), each done once however often its client sends it again.
 */
import type {MsgCommand, Reply, SayCommand} from '../protocol/types.js';
import type {CommandContext} from './outbox.js';
import {remember, type Session} from './sessions.js';
import type {HubState} from './state.js';
import type {NewEvent} from './storage.js';

export function say(hub: HubState, ctx: CommandContext, session: Session, cmd: SayCommand): void {
	const seen = session.recent.get(cmd.id);
	if (seen === 'pending') return; // already in this batch: its ack is on the way
	if (seen !== undefined && seen !== 'dm') {
		hub.counters.duplicates++;
		return ctx.reply({type: 'ack', re: cmd.id, room: seen.room, seq: seen.seq, epoch: hub.epoch});
	}
	if (!session.rooms.has(cmd.room)) return ctx.error('not_in_room', `you are not in #${cmd.room}: /join #${cmd.room} first`);
	if (hub.mutes.silenced(session, ctx) || !hub.flood.charge(session, ctx)) return;
	session.lastActive = ctx.now;
	remember(session, cmd.id, 'pending');
	const event: NewEvent = {type: 'message', room: cmd.room, ts: ctx.now, from: session.nick, text: cmd.text};
	hub.append({event: cmd.action ? {...event, action: true} : event, origin: `${session.key}:${cmd.id}`}, session, cmd.id);
}

export function msg(hub: HubState, ctx: CommandContext, session: Session, cmd: MsgCommand): void {
	const target = hub.sessions.withNick(cmd.to);
	if (!target) return ctx.error('no_such_nick', `${cmd.to} is not online`);
	const ack: Reply = {type: 'ack', re: cmd.id, to: target.nick, ...(target.away === undefined ? {} : {away: target.away})};
	if (session.recent.get(cmd.id) === 'dm') {
		hub.counters.duplicates++;
		return ctx.reply(ack);
	}
	if (hub.mutes.silenced(session, ctx) || !hub.flood.charge(session, ctx)) return;
	remember(session, cmd.id, 'dm');
	session.lastActive = ctx.now;
	const dm: Reply = {type: 'dm', from: session.nick, to: target.nick, text: cmd.text, ts: ctx.now, ...(cmd.action ? {action: true} : {})};
	hub.out.toSession(target, dm);
	hub.counters.messages++;
	ctx.reply(ack);
}
