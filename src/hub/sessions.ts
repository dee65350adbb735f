/**
 * The hub's session table: every session by its key, by the connection it is bound to, and
 * by its nick (as the nickKey nicks clash on), with how many sessions each client key holds.
 */
import {nickKey} from '../protocol/names.js';
import type {ConnectionInfo} from './identity.js';
import type {Bucket} from './rate-limit.js';

/** What a command said about an id before: where its message was stored, in the batch being stored, or a DM. */
export type Remembered = {readonly room: string; readonly seq: number} | 'pending' | 'dm';

export interface Session {
	/** Hash of the client's session secret: the session's identity. */
	readonly key: string;
	peer: Buffer;
	peerKey: string;
	/** What the transport knows of the session's connection (key, address). */
	info: ConnectionInfo;
	nick: string;
	readonly rooms: Set<string>;
	readonly since: number;
	lastHeard: number;
	lastActive: number;
	away?: string;
	client?: string;
	/** The public key the session's connection authenticated with (hubs with keys). */
	readonly clientKey?: string;
	/** Flood control. */
	readonly bucket?: Bucket;
	/** Recent command ids → result, to answer resends without doing the work twice. */
	readonly recent: Map<string, Remembered>;
	/** Where `remember` forgets from: made once `recent` is full (see there). */
	oldest?: Iterator<string>;
}

/** Command ids a session remembers. */
const RECENT_IDS = 4096;

export class SessionTable {
	private readonly byKey = new Map<string, Session>();
	private readonly byPeer = new Map<string, Session>();
	private readonly byNick = new Map<string, Session>();
	private readonly perKey = new Map<string, number>();

	get size(): number {
		return this.byKey.size;
	}

	values(): IterableIterator<Session> {
		return this.byKey.values();
	}

	/** The session with this key (the hash of its secret). */
	get(key: string): Session | undefined {
		return this.byKey.get(key);
	}

	/** The session bound to a connection. */
	onPeer(peerKey: string): Session | undefined {
		return this.byPeer.get(peerKey);
	}

	/** The session whose nick clashes with this one. */
	withNick(nick: string): Session | undefined {
		return this.byNick.get(nickKey(nick));
	}

	/** How many sessions a client key holds. */
	countOfKey(clientKey: string): number {
		return this.perKey.get(clientKey) ?? 0;
	}

	add(session: Session): void {
		this.byKey.set(session.key, session);
		this.byPeer.set(session.peerKey, session);
		this.byNick.set(nickKey(session.nick), session);
		if (session.clientKey !== undefined) this.perKey.set(session.clientKey, this.countOfKey(session.clientKey) + 1);
	}

	/** A resume on another connection: the session answers there from now on. */
	rebind(session: Session, peer: Buffer, peerKey: string, info: ConnectionInfo): void {
		session.info = info;
		if (session.peerKey === peerKey) return;
		if (this.byPeer.get(session.peerKey) === session) this.byPeer.delete(session.peerKey);
		session.peer = peer;
		session.peerKey = peerKey;
		this.byPeer.set(peerKey, session);
	}

	rename(session: Session, nick: string): void {
		this.byNick.delete(nickKey(session.nick));
		session.nick = nick;
		this.byNick.set(nickKey(nick), session);
	}

	/**
	 * Take a session out of the table; false when it was not in it (ended already). Its
	 * connection and nick are freed only where they are still its own.
	 */
	remove(session: Session): boolean {
		if (this.byKey.get(session.key) !== session) return false;
		this.byKey.delete(session.key);
		if (this.byPeer.get(session.peerKey) === session) this.byPeer.delete(session.peerKey);
		if (this.byNick.get(nickKey(session.nick)) === session) this.byNick.delete(nickKey(session.nick));
		if (session.clientKey !== undefined) {
			const left = this.countOfKey(session.clientKey) - 1;
			if (left > 0) this.perKey.set(session.clientKey, left);
			else this.perKey.delete(session.clientKey);
		}
		return true;
	}
}

/**
 * Note what a command id came to, forgetting the oldest beyond the last few thousand.
 *
 * The oldest comes from one iterator kept for the session's life, not a new one each time: V8
 * keeps a Map's deleted entries in place until it compacts the table, and a new iterator steps
 * over all of them from the start (up to ~4096 here, ~1 µs a message for a bot that never
 * stops). A Map's iterator goes on past entries added after it was made, so the kept one is
 * always at the oldest entry left.
 */
export function remember(session: Session, id: string, value: Remembered): void {
	const recent = session.recent;
	recent.delete(id);
	recent.set(id, value);
	if (recent.size > RECENT_IDS) recent.delete((session.oldest ??= recent.keys()).next().value!);
}
