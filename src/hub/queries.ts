/**
 * The questions anyone may ask, with a session or without one (a REQ socket): ping, who,
 * whois, rooms, stats and history. They change nothing.
 */
import {compareNicks} from '../protocol/names.js';
import type {HistoryCommand, MemberInfo, PingCommand, RoomsCommand, StatsCommand, WhoCommand, WhoisCommand} from '../protocol/types.js';
import {DEFAULT_HISTORY_LIMIT} from '../protocol/limits.js';
import {re, type CommandContext} from './outbox.js';
import type {Session} from './sessions.js';
import type {HubState} from './state.js';

/** `session`: the asker's, if it has one (its rooms' heads come back). */
export function ping(hub: HubState, ctx: CommandContext, cmd: PingCommand, session: Session | undefined): void {
	const heads: Record<string, number> = {};
	if (session) for (const room of session.rooms) heads[room] = hub.store.head(room);
	ctx.reply({type: 'pong', ...re(cmd.id), ts: ctx.now, heads, epoch: hub.epoch, session: session !== undefined});
}

export function who(hub: HubState, ctx: CommandContext, cmd: WhoCommand): void {
	let list: Iterable<Session>;
	if (cmd.room !== undefined) {
		const set = hub.rooms.of(cmd.room);
		if (!set) return ctx.error('not_in_room', `nobody is in #${cmd.room}`);
		list = set;
	} else {
		list = hub.sessions.values();
	}
	const members: MemberInfo[] = [...list]
		.map(s => ({nick: s.nick, idleMs: ctx.now - s.lastActive, ...(s.away === undefined ? {} : {away: s.away}), ...(hub.isOp(s) ? {op: true} : {})}))
		.sort((a, b) => compareNicks(a.nick, b.nick));
	ctx.reply({type: 'who', ...re(cmd.id), ...(cmd.room === undefined ? {} : {room: cmd.room}), members});
}

export function whois(hub: HubState, ctx: CommandContext, cmd: WhoisCommand): void {
	const s = hub.sessions.withNick(cmd.nick);
	if (!s) return ctx.error('no_such_nick', `${cmd.nick} is not online`);
	ctx.reply({
		type: 'whois',
		...re(cmd.id),
		nick: s.nick,
		rooms: [...s.rooms].sort(),
		idleMs: ctx.now - s.lastActive,
		since: s.since,
		...(s.away === undefined ? {} : {away: s.away}),
		...(s.client === undefined ? {} : {client: s.client}),
	});
}

export function rooms(hub: HubState, ctx: CommandContext, cmd: RoomsCommand): void {
	ctx.reply({
		type: 'rooms',
		...re(cmd.id),
		rooms: [...hub.rooms.entries()]
			.map(([room, set]) => ({room, members: set.size, topic: hub.store.topic(room)}))
			.sort((a, b) => a.room.localeCompare(b.room)),
	});
}

export function stats(hub: HubState, ctx: CommandContext, cmd: StatsCommand): void {
	ctx.reply({
		type: 'stats',
		...re(cmd.id),
		uptimeMs: ctx.now - hub.settings.started,
		sessions: hub.sessions.size,
		rooms: hub.rooms.size,
		messages: hub.counters.messages,
		connections: hub.connections.router,
		subscribers: hub.connections.pub,
		epoch: hub.epoch,
		version: hub.settings.version,
	});
}

export function history(hub: HubState, ctx: CommandContext, cmd: HistoryCommand): void {
	const limit = cmd.limit ?? DEFAULT_HISTORY_LIMIT;
	const query = cmd.after !== undefined ? {after: cmd.after, limit} : cmd.before !== undefined ? {before: cmd.before, limit} : {limit};
	const page = hub.store.history(cmd.room, query);
	// Stored events are JSON already: splice them in rather than parse and re-encode.
	const head = JSON.stringify({
		type: 'history',
		...re(cmd.id),
		room: cmd.room,
		epoch: hub.epoch,
		head: hub.store.head(cmd.room),
		more: page.more,
	});
	ctx.reply(head.slice(0, -1) + ',"events":[' + page.events.join(',') + ']}');
}
