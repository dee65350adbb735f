/**
 * A session's life as its client sees it: hello (a new session, or one resumed on the same
 * secret), the welcome, a change of nick, away, and bye.
 */
import {createHash} from 'node:crypto';
import {MAX_FRAME_BYTES, MAX_FRAMES, MAX_HISTORY_LIMIT, MAX_ROOMS_PER_SESSION, MAX_SESSIONS_PER_KEY, MAX_TEXT_BYTES, PROTOCOL_VERSION} from '../protocol/limits.js';
import {nickKey} from '../protocol/names.js';
import type {AwayCommand, BanInfo, ByeCommand, HelloCommand, NickCommand, Reply} from '../protocol/types.js';
import {re, type CommandContext} from './outbox.js';
import type {Session} from './sessions.js';
import type {HubState} from './state.js';
import {banMessage, hubRoomsFull, nickReserved, nickTaken} from './wording.js';

/** `connKey`: the public key the connection authenticated with (hubs with keys). */
export function hello(hub: HubState, ctx: CommandContext, cmd: HelloCommand, connKey: string | undefined): void {
	const {sessions, settings} = hub;
	const now = ctx.now;
	if (cmd.v !== PROTOCOL_VERSION) {
		return ctx.error('bad_version', `this hub speaks protocol version ${PROTOCOL_VERSION}, not ${cmd.v}`);
	}
	const key = createHash('sha256').update(cmd.session).digest('base64url').slice(0, 22);
	const existing = sessions.get(key);
	if (existing && existing.clientKey !== connKey) {
		// The secret alone is not enough: a session bound to a key is that key's only.
		hub.counters.unauthorized++;
		return ctx.error('unauthorized', 'this session belongs to another key: a session can only be resumed with the key that started it');
	}
	const ban = banOf(hub, existing ? existing.nick : cmd.nick, connKey, now);
	if (ban) return ctx.error('banned', banMessage(ban, now), ban.until === undefined ? undefined : ban.until - now);
	const onPeer = sessions.onPeer(ctx.peerKey);
	if (onPeer && onPeer.key !== key) hub.endSession(onPeer, 'replaced by a new session', now);
	if (existing) {
		// A resume: same secret, maybe a new connection. Re-bind; nobody else notices.
		sessions.rebind(existing, ctx.peer, ctx.peerKey);
		existing.lastHeard = now;
		if (cmd.client !== undefined) existing.client = cmd.client;
		return ctx.reply(welcome(hub, existing, cmd.id, true));
	}
	if (sessions.size >= settings.maxSessions) {
		return ctx.error('hub_full', `the hub is full (${settings.maxSessions} sessions): try again later`);
	}
	if (connKey !== undefined && sessions.countOfKey(connKey) >= MAX_SESSIONS_PER_KEY) {
		return ctx.error('hub_full', `your key already has ${MAX_SESSIONS_PER_KEY} sessions on this hub: close one first`);
	}
	if (nickRefused(hub, ctx, cmd.nick, connKey)) return;
	const rooms = cmd.rooms ?? ['lobby'];
	if (!hub.rooms.roomFor(rooms)) return ctx.error('too_many_rooms', hubRoomsFull(settings.maxRooms));
	const bucket = hub.flood.bucket(now);
	const session: Session = {
		key,
		peer: ctx.peer,
		peerKey: ctx.peerKey,
		nick: cmd.nick,
		rooms: new Set(),
		since: now,
		lastHeard: now,
		lastActive: now,
		recent: new Map(),
		...(cmd.client === undefined ? {} : {client: cmd.client}),
		...(connKey === undefined ? {} : {clientKey: connKey}),
		...(bucket === undefined ? {} : {bucket}),
	};
	sessions.add(session);
	for (const room of rooms) {
		hub.rooms.enter(session, room);
		hub.append({event: {type: 'join', room, ts: now, from: session.nick}});
	}
	hub.log(`${session.nick} connected (${rooms.map(r => '#' + r).join(' ')})${connKey === undefined ? '' : ` with key ${connKey}`}${hub.isOp(session) ? ' as an operator' : ''}`);
	ctx.reply(welcome(hub, session, cmd.id, false));
}

function welcome(hub: HubState, session: Session, id: string | undefined, resumed: boolean): Reply {
	const rate = hub.settings.rateLimit;
	return {
		type: 'welcome',
		...re(id),
		v: PROTOCOL_VERSION,
		nick: session.nick,
		epoch: hub.epoch,
		resumed,
		rooms: [...session.rooms].map(room => hub.rooms.state(room)),
		ttlMs: hub.settings.ttlMs,
		limits: {
			textBytes: MAX_TEXT_BYTES,
			frames: MAX_FRAMES,
			frameBytes: MAX_FRAME_BYTES,
			roomsPerSession: MAX_ROOMS_PER_SESSION,
			historyLimit: MAX_HISTORY_LIMIT,
			historyKept: hub.store.retention,
			...(rate === undefined ? {} : {rate: {burst: rate.burst, seconds: rate.seconds}}),
		},
		hub: {name: 'zchat', version: hub.settings.version},
		...(session.clientKey === undefined ? {} : {key: session.clientKey}),
		...(hub.isOp(session) ? {op: true} : {}),
	};
}

export function nick(hub: HubState, ctx: CommandContext, session: Session, cmd: NickCommand): void {
	if (nickRefused(hub, ctx, cmd.nick, session.clientKey, session)) return;
	const old = session.nick;
	if (old === cmd.nick) return ctx.reply({type: 'ok', ...re(cmd.id), command: 'nick', nick: old});
	if (hub.store.ban('nick', nickKey(cmd.nick), ctx.now)) return ctx.error('banned', `the nick "${cmd.nick}" is banned: pick another`);
	if (hub.mutes.silenced(session, ctx) || !hub.flood.charge(session, ctx)) return;
	hub.sessions.rename(session, cmd.nick);
	for (const room of session.rooms) hub.append({event: {type: 'nick', room, ts: ctx.now, from: old, to: cmd.nick}});
	hub.log(`${old} is now known as ${cmd.nick}`);
	ctx.reply({type: 'ok', ...re(cmd.id), command: 'nick', nick: cmd.nick});
}

/** Away with a message, or back without one; the rooms hear of a change (their member lists mark who is away). */
export function away(hub: HubState, ctx: CommandContext, session: Session, cmd: AwayCommand): void {
	const text = cmd.text === undefined || cmd.text.trim() === '' ? undefined : cmd.text;
	if (text !== session.away) {
		if (!hub.flood.charge(session, ctx)) return;
		if (text === undefined) delete session.away;
		else session.away = text;
		for (const room of session.rooms) hub.append({event: {type: 'away', room, ts: ctx.now, from: session.nick, ...(text === undefined ? {} : {text})}});
	}
	ctx.reply({type: 'ok', ...re(cmd.id), command: 'away'});
}

export function bye(hub: HubState, ctx: CommandContext, session: Session, cmd: ByeCommand): void {
	ctx.reply({type: 'ok', ...re(cmd.id), command: 'bye'});
	hub.endSession(session, cmd.reason, ctx.now);
}

/**
 * True, with the error sent, when a nick may not be taken with this key: it is reserved for
 * another key, or someone other than `self` has it (or one that clashes with it).
 */
function nickRefused(hub: HubState, ctx: CommandContext, nick: string, clientKey: string | undefined, self?: Session): boolean {
	const owner = hub.access.reservedFor(nick);
	if (owner !== undefined && owner !== clientKey) {
		hub.counters.unauthorized++;
		ctx.error('nick_reserved', nickReserved(nick));
		return true;
	}
	const holder = hub.sessions.withNick(nick);
	if (!holder || holder === self) return false;
	ctx.error('nick_taken', nickTaken(nick, holder.nick));
	return true;
}

/** The ban in force on a nick or a key, if any. */
function banOf(hub: HubState, nick: string, key: string | undefined, now: number): BanInfo | undefined {
	return hub.store.ban('nick', nickKey(nick), now) ?? (key === undefined ? undefined : hub.store.ban('key', key, now));
}
