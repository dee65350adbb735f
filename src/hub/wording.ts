/**
 * Sentences the hub builds (bans, mutes, the flood limit, storage, an operator's notices) or
 * says from more than one place; a one-off sentence stays beside the check that sends it.
 */
import {formatSeconds} from '../protocol/durations.js';
import {sanitize} from '../protocol/sanitize.js';
import type {BanInfo} from '../protocol/types.js';
import type {RateLimit} from './rate-limit.js';

/** A person's reason, for one line of a log or message. */
export function oneLineReason(reason: string): string {
	return sanitize(reason.replace(/\r?\n/g, ' '));
}

/** " for 5m" until a time, or "" for no end. */
export function forSpan(until: number | undefined, now: number): string {
	return until === undefined ? '' : ` for ${formatSeconds(until - now)}`;
}

/** Why a hello is refused: the nick or the key is banned. */
export function banMessage(ban: BanInfo, now: number): string {
	const what = ban.kind === 'key' ? 'your key is' : `the nick "${ban.target}" is`;
	const span = ban.until === undefined ? 'for good' : `for ${formatSeconds(ban.until - now)} more`;
	return `${what} banned from this hub ${span} (by ${ban.by}${ban.reason ? `: ${oneLineReason(ban.reason)}` : ''})`;
}

export function nickReserved(nick: string): string {
	return `the nick "${nick}" belongs to another member's key on this hub: pick another`;
}

export function nickTaken(nick: string, holder: string): string {
	return `the nick "${nick}" is taken (by "${holder}"): pick another`;
}

export function hubRoomsFull(maxRooms: number): string {
	return `the hub has its maximum of ${maxRooms} rooms: join one that exists (/rooms lists them)`;
}

export function rateLimited(limit: RateLimit, waitMs: number): string {
	return `slow down: this hub takes ${limit.burst} messages at once, then one every ${formatSeconds((limit.seconds * 1000) / limit.burst)}; try again in ${formatSeconds(waitMs)}`;
}

/** The operator's log line when a flooding connection's second is over. */
export function framesDropped(count: number): string {
	return `dropped ${count} frames unread from a connection sending faster than its limit`;
}

/** Why a muted session's words are refused. */
export function youAreMuted(mute: {readonly by: string; readonly until?: number; readonly reason?: string}, now: number): string {
	const span = mute.until === undefined ? ' until an operator unmutes you' : ` for ${formatSeconds(mute.until - now)} more`;
	return `you are muted by ${mute.by}${mute.reason ? ` (${oneLineReason(mute.reason)})` : ''}${span}`;
}

/** The notice to a session an operator muted. */
export function mutedNotice(by: string, until: number | undefined, now: number, reason: string | undefined): string {
	return `you were muted by ${by}${until === undefined ? ' until an operator unmutes you' : forSpan(until, now)}${reason ? `: ${reason}` : ''}`;
}

/** The notice to a session an operator kicked or banned. */
export function removedNotice(how: 'kick' | 'ban', by: string, until: number | undefined, now: number, reason: string | undefined): string {
	const span = how === 'ban' ? (until === undefined ? ' for good' : forSpan(until, now)) : '';
	return `you were ${how === 'kick' ? 'kicked' : 'banned'} from the hub by ${by}${span}${reason ? `: ${reason}` : ''}`;
}

/** What went wrong with storage, in a few words (SQLite's codes for the usual ones). */
export function storageProblem(err: unknown): string {
	const code = (err as {code?: unknown})?.code;
	if (code === 'SQLITE_FULL') return 'the disk is full';
	if (code === 'SQLITE_READONLY' || code === 'SQLITE_READONLY_DBMOVED') return 'the data directory is read-only';
	if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) return 'a disk I/O error';
	return err instanceof Error ? err.message : String(err);
}
