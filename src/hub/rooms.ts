/** The room commands of a session: join, part, and reading or setting a room's topic. */
import {MAX_ROOMS_PER_SESSION} from '../protocol/limits.js';
import type {JoinCommand, PartCommand, TopicCommand} from '../protocol/types.js';
import {re, type CommandContext} from './outbox.js';
import type {Session} from './sessions.js';
import type {HubState} from './state.js';
import type {NewEvent} from './storage.js';
import {hubRoomsFull} from './wording.js';

export function join(hub: HubState, ctx: CommandContext, session: Session, cmd: JoinCommand): void {
	if (session.rooms.has(cmd.room)) return ctx.reply({type: 'joined', ...re(cmd.id), ...hub.rooms.state(cmd.room)});
	if (session.rooms.size >= MAX_ROOMS_PER_SESSION) {
		return ctx.error('too_many_rooms', `you are in ${session.rooms.size} rooms, the most allowed: /part one first`);
	}
	if (!hub.rooms.roomFor([cmd.room])) return ctx.error('too_many_rooms', hubRoomsFull(hub.settings.maxRooms));
	if (!hub.flood.charge(session, ctx)) return;
	hub.rooms.enter(session, cmd.room);
	hub.append({event: {type: 'join', room: cmd.room, ts: ctx.now, from: session.nick}});
	// The room's member lists mark who is away: someone who was already away says so here too.
	if (session.away !== undefined) hub.append({event: {type: 'away', room: cmd.room, ts: ctx.now, from: session.nick, text: session.away}});
	ctx.reply({type: 'joined', ...re(cmd.id), ...hub.rooms.state(cmd.room)});
}

export function part(hub: HubState, ctx: CommandContext, session: Session, cmd: PartCommand): void {
	if (!session.rooms.has(cmd.room)) return ctx.error('not_in_room', `you are not in #${cmd.room}`);
	hub.rooms.leave(session, cmd.room);
	const event: NewEvent = {type: 'part', room: cmd.room, ts: ctx.now, from: session.nick};
	hub.append({event: cmd.reason ? {...event, reason: cmd.reason} : event});
	ctx.reply({type: 'ok', ...re(cmd.id), command: 'part', room: cmd.room});
}

export function topic(hub: HubState, ctx: CommandContext, session: Session, cmd: TopicCommand): void {
	if (cmd.text === undefined) return ctx.reply({type: 'topic', ...re(cmd.id), room: cmd.room, text: hub.store.topic(cmd.room)});
	if (!session.rooms.has(cmd.room)) return ctx.error('not_in_room', `join #${cmd.room} to set its topic`);
	if (hub.store.topicLocked(cmd.room) && !hub.isOp(session)) {
		return ctx.error('topic_locked', `the topic of #${cmd.room} is locked: only operators can change it`);
	}
	if (hub.mutes.silenced(session, ctx) || !hub.flood.charge(session, ctx)) return;
	hub.append({event: {type: 'topic', room: cmd.room, ts: ctx.now, from: session.nick, text: cmd.text}});
	ctx.reply({type: 'ok', ...re(cmd.id), command: 'topic', room: cmd.room});
}
