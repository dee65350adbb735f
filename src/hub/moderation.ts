/**
 * What operators do (kick, ban, unban, bans, mute, unmute, lock; checked before they get
 * here), and ending the sessions a changed list of keys no longer admits (revalidate).
 */
import {nickKey} from '../protocol/names.js';
import type {BanCommand, BanInfo, BansCommand, KickCommand, LockCommand, MuteCommand, UnbanCommand, UnmuteCommand} from '../protocol/types.js';
import {isZ85Key} from '../protocol/z85.js';
import type {Mute} from './mutes.js';
import {re, type CommandContext} from './outbox.js';
import type {Session} from './sessions.js';
import type {HubState} from './state.js';
import {STORAGE_RETRY_MS} from './storage.js';
import {forSpan, mutedNotice, oneLineReason, removedNotice, storageProblem} from './wording.js';

export function kick(hub: HubState, ctx: CommandContext, op: Session, cmd: KickCommand): void {
	const target = targetOf(hub, ctx, op, cmd.nick, 'kick');
	if (!target) return;
	remove(hub, target, 'kick', op.nick, cmd.reason, ctx.now);
	ctx.reply({type: 'ok', ...re(cmd.id), command: 'kick', nick: target.nick});
}

export function ban(hub: HubState, ctx: CommandContext, op: Session, cmd: BanCommand): void {
	const now = ctx.now;
	const isKey = isZ85Key(cmd.target);
	let victims: Session[];
	if (isKey) {
		if (op.clientKey === cmd.target) return ctx.error('bad_field', 'you cannot ban yourself');
		victims = [...hub.sessions.values()].filter(s => s.clientKey === cmd.target);
		if (victims.some(v => hub.isOp(v)) || hub.access.isOp('', cmd.target)) return ctx.error('not_operator', 'that key is an operator\'s: operators are set by the hub\'s --op');
	} else {
		const online = hub.sessions.withNick(cmd.target);
		if (online === op) return ctx.error('bad_field', 'you cannot ban yourself');
		if ((online && hub.isOp(online)) || hub.access.isOp(cmd.target, hub.access.reservedFor(cmd.target))) {
			return ctx.error('not_operator', `${cmd.target} is an operator: operators are set by the hub's --op`);
		}
		victims = online ? [online] : [];
	}
	const until = cmd.durationMs === undefined ? undefined : now + cmd.durationMs;
	const info = (kind: 'nick' | 'key', target: string, reason: string | undefined): BanInfo => ({
		target,
		kind,
		...(until === undefined ? {} : {until}),
		by: op.nick,
		...(reason ? {reason} : {}),
		since: now,
	});
	try {
		hub.store.addBan(isKey ? cmd.target : nickKey(cmd.target), info(isKey ? 'key' : 'nick', cmd.target, cmd.reason));
		// Banning the nick of someone who came with a key bans the key too: they cannot come
		// back under another nick.
		if (!isKey) for (const v of victims) if (v.clientKey !== undefined) hub.store.addBan(v.clientKey, info('key', v.clientKey, `as ${v.nick}${cmd.reason ? `: ${cmd.reason}` : ''}`));
	} catch (err) {
		return ctx.error('storage_failed', `the ban could not be stored (${storageProblem(err)}): try again`, STORAGE_RETRY_MS);
	}
	for (const v of victims) remove(hub, v, 'ban', op.nick, cmd.reason, now, until);
	if (isKey || victims.some(v => v.clientKey !== undefined)) hub.out.revoked = true;
	hub.log(`${op.nick} banned ${isKey ? 'key ' : ''}${cmd.target}${forSpan(until, now)}${cmd.reason ? ` (${oneLineReason(cmd.reason)})` : ''}`);
	ctx.reply({type: 'ok', ...re(cmd.id), command: 'ban', target: cmd.target});
}

export function unban(hub: HubState, ctx: CommandContext, cmd: UnbanCommand): void {
	const isKey = isZ85Key(cmd.target);
	let removed: boolean;
	try {
		removed = hub.store.removeBan(isKey ? 'key' : 'nick', isKey ? cmd.target : nickKey(cmd.target));
	} catch (err) {
		return ctx.error('storage_failed', `the ban could not be lifted (${storageProblem(err)}): try again`, STORAGE_RETRY_MS);
	}
	if (!removed) return ctx.error('not_banned', `${cmd.target} is not banned (/bans lists the bans)`);
	hub.log(`${cmd.target} unbanned`);
	ctx.reply({type: 'ok', ...re(cmd.id), command: 'unban', target: cmd.target});
}

export function bans(hub: HubState, ctx: CommandContext, cmd: BansCommand): void {
	ctx.reply({type: 'bans', ...re(cmd.id), bans: hub.store.bans(ctx.now).map(cleanBan)});
}

export function mute(hub: HubState, ctx: CommandContext, op: Session, cmd: MuteCommand): void {
	const now = ctx.now;
	const target = targetOf(hub, ctx, op, cmd.nick, 'mute');
	if (!target) return;
	const until = cmd.durationMs === undefined ? undefined : now + cmd.durationMs;
	const m: Mute = {...(until === undefined ? {} : {until}), by: op.nick, ...(cmd.reason ? {reason: cmd.reason} : {})};
	hub.mutes.add(target, m);
	hub.out.toSession(target, {type: 'notice', code: 'muted', message: mutedNotice(op.nick, until, now, cmd.reason), ...(until === undefined ? {} : {until})});
	hub.log(`${op.nick} muted ${target.nick}${forSpan(until, now)}`);
	ctx.reply({type: 'ok', ...re(cmd.id), command: 'mute', nick: target.nick});
}

export function unmute(hub: HubState, ctx: CommandContext, cmd: UnmuteCommand): void {
	const target = hub.sessions.withNick(cmd.nick);
	if (!hub.mutes.lift(cmd.nick, target, ctx.now)) return ctx.error('bad_field', `${cmd.nick} is not muted`);
	if (target) hub.out.toSession(target, {type: 'notice', code: 'unmuted', message: 'you can speak again'});
	ctx.reply({type: 'ok', ...re(cmd.id), command: 'unmute', nick: target?.nick ?? cmd.nick});
}

export function lock(hub: HubState, ctx: CommandContext, op: Session, cmd: LockCommand): void {
	if (hub.store.topicLocked(cmd.room) !== cmd.locked) {
		hub.append({event: {type: 'topic', room: cmd.room, ts: ctx.now, from: op.nick, text: hub.store.topic(cmd.room), lock: cmd.locked}});
	}
	ctx.reply({type: 'ok', ...re(cmd.id), command: 'lock', room: cmd.room});
}

/**
 * The authorized list changed (SIGHUP): sessions whose key may no longer connect, or whose
 * nick is now reserved for another key, end now. Returns how many ended.
 */
export function revalidate(hub: HubState, now: number): number {
	let ended = 0;
	for (const s of [...hub.sessions.values()]) {
		const owner = hub.access.reservedFor(s.nick);
		const keyRefused = s.clientKey !== undefined && hub.access.refuses(s.clientKey, now) !== undefined;
		if (!keyRefused && (owner === undefined || owner === s.clientKey)) continue;
		const why = keyRefused ? 'your key is no longer on this hub\'s list' : `the nick ${s.nick} is now reserved for another key`;
		hub.out.toSession(s, {type: 'notice', code: 'revoked', message: `${why}: ask the hub's operator`});
		hub.endSession(s, keyRefused ? 'key revoked' : 'nick reserved', now);
		ended++;
	}
	return ended;
}

/** The online session an operator names, or an error sent saying why it cannot be acted on. */
function targetOf(hub: HubState, ctx: CommandContext, op: Session, nick: string, verb: string): Session | undefined {
	const target = hub.sessions.withNick(nick);
	if (!target) return void ctx.error('no_such_nick', `${nick} is not online`);
	if (target === op) return void ctx.error('bad_field', `you cannot ${verb} yourself`);
	if (hub.isOp(target)) return void ctx.error('not_operator', `${target.nick} is an operator: operators are set by the hub's --op, not removed by each other`);
	return target;
}

/** An operator removes a session: tell its client why, then end it. */
function remove(hub: HubState, target: Session, how: 'kick' | 'ban', by: string, reason: string | undefined, now: number, until?: number): void {
	hub.out.toSession(target, {type: 'notice', code: how === 'kick' ? 'kicked' : 'banned', message: removedNotice(how, by, until, now, reason)});
	hub.endSession(target, reason, now, {removed: how, by});
}

/** A ban as the protocol shows it (the ban list keeps a lookup field beside it). */
function cleanBan(ban: BanInfo): BanInfo {
	return {
		target: ban.target,
		kind: ban.kind,
		...(ban.until === undefined ? {} : {until: ban.until}),
		by: ban.by,
		...(ban.reason === undefined ? {} : {reason: ban.reason}),
		since: ban.since,
	};
}
