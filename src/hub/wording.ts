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

/** Why a new room is refused: the hub is full of rooms (empty ones are forgotten after `idleMs`, if ever). */
export function hubRoomsFull(maxRooms: number, idleMs: number | undefined): string {
	const when = idleMs === undefined ? '' : `; an empty room is forgotten ${formatSeconds(idleMs)} after its last event, so try again later`;
	return `the hub has its maximum of ${maxRooms} rooms: join one that exists (/rooms lists them)${when}`;
}

/** Why a new room is refused: its maker has made its share. */
export function roomsMadeFull(made: number, who: string): string {
	return `${who} made ${made} rooms that the hub still keeps, the most one person may: join one that exists, or wait until an empty one is forgotten`;
}

export function rateLimited(limit: RateLimit, waitMs: number): string {
	return `slow down: this hub takes ${limit.burst} messages at once, then one every ${formatSeconds((limit.seconds * 1000) / limit.burst)}; try again in ${formatSeconds(Math.max(100, waitMs))}`;
}

/** Why text is refused when its sender is over the byte budget. */
export function bytesLimited(bytesPerMinute: number, waitMs: number): string {
	return `slow down: this hub takes ${formatBytes(bytesPerMinute)} of text a minute from one sender; try again in ${formatSeconds(Math.max(100, waitMs))}`;
}

/** The operator's log line when a sender is first refused as too fast. */
export function floodStarted(who: string): string {
	return `${who} is over the flood limit: refusing what goes over it (one line when it stops)`;
}

/** The operator's log line once a flood has stopped, or every minute while it goes on. */
export function floodEnded(who: string, refused: number, dropped: number, spanMs: number, ongoing: boolean): string {
	const what = `refused ${refused} command${refused === 1 ? '' : 's'}${dropped > 0 ? ` and dropped ${dropped} frames unread` : ''}`;
	return `${who} ${ongoing ? 'is still flooding' : 'stopped flooding'}: ${what} in ${formatSeconds(Math.max(100, spanMs))}`;
}

/** A size for people: "64 KiB", "1 MiB", "512 bytes". */
export function formatBytes(n: number): string {
	if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
	if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
	return `${n} bytes`;
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
