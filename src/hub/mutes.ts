/**
 * The mutes in force, by nick and, for a session that came with a key, by key too (a new nick
 * does not lift it); and the check that refuses a muted session's words.
 */
import {nickKey} from '../protocol/names.js';
import type {CommandContext} from './outbox.js';
import type {Session} from './sessions.js';
import {youAreMuted} from './wording.js';

export interface Mute {
	readonly until?: number;
	readonly by: string;
	readonly reason?: string;
}

export class Mutes {
	/** By "nick:<nickKey>" or "key:<client key>". */
	private readonly mutes = new Map<string, Mute>();

	/** Mute a session by its nick and its key. */
	add(target: Session, mute: Mute): void {
		this.mutes.set(nickId(target.nick), mute);
		if (target.clientKey !== undefined) this.mutes.set(`key:${target.clientKey}`, mute);
	}

	/**
	 * Lift the mute on a nick (and on the key of the session online with it, if any). False
	 * when there was none in force.
	 */
	lift(nick: string, online: Session | undefined, now: number): boolean {
		const wasMuted = online ? this.of(online, now) !== undefined : this.mutes.has(nickId(nick));
		this.mutes.delete(nickId(nick));
		if (online?.clientKey !== undefined) this.mutes.delete(`key:${online.clientKey}`);
		return wasMuted;
	}

	/** The mute in force on a session, if any (expired mutes are forgotten here). */
	of(session: Session, now: number): Mute | undefined {
		return this.active(nickId(session.nick), now) ?? (session.clientKey === undefined ? undefined : this.active(`key:${session.clientKey}`, now));
	}

	/** True, with a `muted` error sent, when the session may not speak now. */
	silenced(session: Session, ctx: CommandContext): boolean {
		const m = this.of(session, ctx.now);
		if (!m) return false;
		ctx.error('muted', youAreMuted(m, ctx.now), m.until === undefined ? undefined : m.until - ctx.now);
		return true;
	}

	private active(id: string, now: number): Mute | undefined {
		const m = this.mutes.get(id);
		if (m?.until !== undefined && m.until <= now) {
			this.mutes.delete(id);
			return undefined;
		}
		return m;
	}
}

function nickId(nick: string): string {
	return `nick:${nickKey(nick)}`;
}
