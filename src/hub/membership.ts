/**
 * The rooms the hub keeps and who is in them: every room, stored or being made, with when it
 * was last used and who made it; the limits on how many rooms the hub keeps and one sender
 * makes; forgetting empty rooms nobody has used for a while; a room's state as a welcome or
 * a join shows it.
 */
import {sortByNick} from '../protocol/names.js';
import type {RoomState} from '../protocol/types.js';
import type {Session} from './sessions.js';
import type {HubStorage} from './storage.js';

/** What the hub knows of a room besides its log: when it was last used, who made it. */
interface RoomInfo {
	last: number;
	readonly creator?: string;
}

/**
 * A room's members in the order its member list shows them (sortByNick's), kept from one
 * welcome to the next: a burst of 1000 hellos into one room sorted the room afresh for each
 * (60 of the burst's 85 MiB of garbage). Nicks and sort keys are in step with the sessions.
 */
interface Roster {
	readonly sessions: Session[];
	readonly nicks: string[];
	readonly keys: string[];
}

/** Rooms forgotten in one sweep at most: forgetting deletes a room's log, so a sweep stays short. */
const FORGET_PER_SWEEP = 100;

export class Membership {
	private readonly members = new Map<string, Set<Session>>();
	/** Sorted members of the rooms a welcome or join has shown since their last departure. */
	private readonly rosters = new Map<string, Roster>();
	/** Every room: stored, or entered and to be stored at the next flush. */
	private readonly known = new Map<string, RoomInfo>();
	/** How many of the rooms kept each sender made, by sender id. */
	private readonly made = new Map<string, number>();

	constructor(
		private readonly store: HubStorage,
		private readonly maxRooms: number,
		/** Most rooms one sender may have made that the hub still keeps. */
		readonly perSender: number = maxRooms,
	) {
		for (const r of store.rooms()) this.register(r.room, r.last, r.creator);
	}

	/** Rooms with someone in them. */
	get size(): number {
		return this.members.size;
	}

	/** Every room the hub keeps. */
	get count(): number {
		return this.known.size;
	}

	/** Rooms with someone in them, and who. */
	entries(): IterableIterator<[string, Set<Session>]> {
		return this.members.entries();
	}

	/** Who is in a room, if anyone. */
	of(room: string): ReadonlySet<Session> | undefined {
		return this.members.get(room);
	}

	/** Those of `rooms` the hub does not keep: entering them makes them. */
	fresh(rooms: readonly string[]): string[] {
		return rooms.filter(room => !this.known.has(room));
	}

	/** Whether the hub keeps this room. */
	has(room: string): boolean {
		return this.known.has(room);
	}

	/** Why `count` new rooms cannot be made by this sender now ('hub': the hub is full; 'sender': it made its share), or undefined. */
	refusal(count: number, creator: string | undefined): 'hub' | 'sender' | undefined {
		if (count === 0) return undefined;
		if (this.known.size + count > this.maxRooms) return 'hub';
		if (creator !== undefined && (this.made.get(creator) ?? 0) + count > this.perSender) return 'sender';
		return undefined;
	}

	/** How many rooms kept a sender made. */
	madeBy(creator: string): number {
		return this.made.get(creator) ?? 0;
	}

	/** A session enters a room; `creator` names who makes it when it is new. */
	enter(session: Session, room: string, now: number, creator?: string): void {
		session.rooms.add(room);
		let set = this.members.get(room);
		if (!set) this.members.set(room, (set = new Set()));
		if (!set.has(session)) {
			set.add(session);
			const roster = this.rosters.get(room);
			if (roster) insert(roster, session);
		}
		if (!this.known.has(room)) this.register(room, now, creator);
	}

	/** A session leaves a room (safe while iterating over `session.rooms`). */
	leave(session: Session, room: string): void {
		session.rooms.delete(room);
		const set = this.members.get(room);
		if (set?.delete(session)) this.rosters.delete(room);
		if (set?.size === 0) this.members.delete(room);
	}

	/** Something happened in a room now. */
	touch(room: string, now: number): void {
		const info = this.known.get(room);
		if (info && info.last < now) info.last = now;
	}

	/**
	 * Forget rooms nobody is in and nothing happened in since `before` (ms since 1970): from
	 * the store, their log and topic; here, their place against the limits. A few at a time;
	 * stops when the store fails. Returns the rooms forgotten.
	 */
	sweep(before: number): string[] {
		const gone: string[] = [];
		for (const [room, info] of this.known) {
			if (gone.length >= FORGET_PER_SWEEP) break;
			if (info.last >= before || this.members.has(room)) continue;
			try {
				this.store.forget(room);
			} catch {
				break; // storage fails: try again at the next sweep
			}
			this.known.delete(room);
			if (info.creator !== undefined) {
				const left = (this.made.get(info.creator) ?? 1) - 1;
				if (left > 0) this.made.set(info.creator, left);
				else this.made.delete(info.creator);
			}
			gone.push(room);
		}
		return gone;
	}

	state(room: string): RoomState {
		const roster = this.roster(room);
		const away: string[] = [];
		for (const s of roster.sessions) if (s.away !== undefined) away.push(s.nick);
		return {
			room,
			seq: this.store.head(room),
			topic: this.store.topic(room),
			members: roster.nicks.slice(),
			...(away.length > 0 ? {away} : {}),
			...(this.store.topicLocked(room) ? {topicLocked: true} : {}),
		};
	}

	/** A room's sorted members: as kept, unless one of them changed nick since; sorted afresh otherwise. */
	private roster(room: string): Roster {
		const kept = this.rosters.get(room);
		if (kept && kept.sessions.every((s, i) => s.nick === kept.nicks[i])) return kept;
		const sessions = sortByNick([...(this.members.get(room) ?? [])], s => s.nick);
		const roster = {sessions, nicks: sessions.map(s => s.nick), keys: sessions.map(s => s.nick.toLowerCase())};
		if (sessions.length > 0) this.rosters.set(room, roster);
		else this.rosters.delete(room);
		return roster;
	}

	private register(room: string, last: number, creator: string | undefined): void {
		this.known.set(room, creator === undefined ? {last} : {last, creator});
		if (creator !== undefined) this.made.set(creator, (this.made.get(creator) ?? 0) + 1);
	}
}

/** Put a session into a sorted roster after every member with a key not above its own (where a stable sort of the room puts the newest member). */
function insert(roster: Roster, session: Session): void {
	const key = session.nick.toLowerCase();
	let lo = 0;
	let hi = roster.keys.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (roster.keys[mid]! <= key) lo = mid + 1;
		else hi = mid;
	}
	roster.sessions.splice(lo, 0, session);
	roster.nicks.splice(lo, 0, session.nick);
	roster.keys.splice(lo, 0, key);
}
