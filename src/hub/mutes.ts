/**
 * The mutes in force: each binds the muted member's nick (and every look-alike of it) and the
 * sender behind it — the key on a hub with keys, the connection and source address on an
 * open hub — so a new nick or a new session does not lift it. Kept in the store (but the
 * connection's part, which ends with the connection) so they outlast a restart.
 */
import {nickKey} from '../protocol/names.js';
import {senderIds, type ConnectionInfo} from './identity.js';
import type {KeptMute} from './mute-list.js';
import type {CommandContext} from './outbox.js';
import type {Session} from './sessions.js';
import type {HubStorage} from './storage.js';
import {youAreMuted} from './wording.js';

export interface Mute extends KeptMute {
	/** Every id this mute binds ("nick:…", "key:…", "addr:…", "conn:…"): lifting it lifts them all. */
	readonly ids?: readonly string[];
}

/** Where mutes are kept. */
type MuteStore = Pick<HubStorage, 'mutes' | 'putMute' | 'deleteMute'>;

export class Mutes {
	/** By id: "nick:<nickKey>", or a sender id (identity.ts). */
	private readonly mutes = new Map<string, Mute>();

	constructor(private readonly store: MuteStore) {
		// The ids of one mute are rows of their own in the store: one object again here.
		const same = new Map<string, Mute>();
		for (const [id, mute] of store.mutes()) {
			const json = JSON.stringify(mute);
			let m = same.get(json);
			if (!m) same.set(json, (m = mute));
			this.mutes.set(id, m);
		}
	}

	/**
	 * Mute a session by its nick and its sender (`info`: what its connection is). Throws,
	 * changing nothing, when the store cannot keep it. Returns the ids it binds.
	 */
	add(target: Session, info: ConnectionInfo, mute: KeptMute): readonly string[] {
		const ids = [nickId(target.nick), ...senderIds(info, target.peerKey)];
		const m: Mute = {...mute, ids};
		for (const id of ids) if (!id.startsWith('conn:')) this.store.putMute(id, m);
		for (const id of ids) this.mutes.set(id, m);
		return ids;
	}

	/**
	 * Lift the mute on a nick, or on the member online under it (`online`, with its
	 * connection's `info`), with everything it binds. False when there was none in force.
	 * Throws when the store cannot forget it.
	 */
	lift(nick: string, online: {session: Session; info: ConnectionInfo} | undefined, now: number): boolean {
		const found = online ? this.of(online.session, online.info, online.session.peerKey, now) : this.active(nickId(nick), now);
		if (!found) return false;
		this.drop(found);
		return true;
	}

	/** The mute in force on a session speaking from a connection, if any (expired mutes are lifted here). */
	of(session: Session, info: ConnectionInfo, peerKey: string, now: number): Mute | undefined {
		const byNick = this.active(nickId(session.nick), now);
		if (byNick || this.mutes.size === 0) return byNick;
		for (const id of senderIds(info, peerKey)) {
			const m = this.active(id, now);
			if (m) return m;
		}
		return undefined;
	}

	/** True, with a `muted` error sent, when the session may not speak now. */
	silenced(session: Session, ctx: CommandContext): boolean {
		const m = this.quiet(session, ctx);
		if (!m) return false;
		ctx.error('muted', youAreMuted(m, ctx.now), m.until === undefined ? undefined : m.until - ctx.now);
		return true;
	}

	/** The mute in force on the sender of this command, without saying anything (a reason to drop). */
	quiet(session: Session, ctx: CommandContext): Mute | undefined {
		return this.mutes.size === 0 ? undefined : this.of(session, ctx.info, ctx.peerKey, ctx.now);
	}

	private active(id: string, now: number): Mute | undefined {
		const m = this.mutes.get(id);
		if (m?.until !== undefined && m.until <= now) {
			try {
				this.drop(m);
			} catch {
				// The store could not forget it: it is over all the same, and read as such.
			}
			return undefined;
		}
		return m;
	}

	/** Lift a mute everywhere it is still the one in force (a later mute on some of its ids stays). */
	private drop(m: Mute): void {
		const ids = [...this.mutes].filter(([, x]) => x === m).map(([id]) => id);
		for (const id of ids) if (!id.startsWith('conn:')) this.store.deleteMute(id);
		for (const id of ids) this.mutes.delete(id);
	}
}

function nickId(nick: string): string {
	return `nick:${nickKey(nick)}`;
}
