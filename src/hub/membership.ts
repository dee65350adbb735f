/**
 * Who is in which room (a room with nobody in it is forgotten here, not in the store), a
 * room's state as a welcome or a join shows it, and the hub's limit on how many rooms it keeps.
 */
import {compareNicks} from '../protocol/names.js';
import type {RoomState} from '../protocol/types.js';
import type {Session} from './sessions.js';
import type {HubStorage} from './storage.js';

export class Membership {
	private readonly members = new Map<string, Set<Session>>();

	constructor(
		private readonly store: HubStorage,
		private readonly maxRooms: number,
	) {}

	/** Rooms with someone in them. */
	get size(): number {
		return this.members.size;
	}

	/** Rooms with someone in them, and who. */
	entries(): IterableIterator<[string, Set<Session>]> {
		return this.members.entries();
	}

	/** Who is in a room, if anyone. */
	of(room: string): ReadonlySet<Session> | undefined {
		return this.members.get(room);
	}

	enter(session: Session, room: string): void {
		session.rooms.add(room);
		let set = this.members.get(room);
		if (!set) this.members.set(room, (set = new Set()));
		set.add(session);
	}

	/** A session leaves a room (safe while iterating over `session.rooms`). */
	leave(session: Session, room: string): void {
		session.rooms.delete(room);
		const set = this.members.get(room);
		set?.delete(session);
		if (set?.size === 0) this.members.delete(room);
	}

	/** False when entering these rooms would take the hub past its most rooms. */
	roomFor(rooms: readonly string[]): boolean {
		let fresh = 0;
		for (const room of rooms) if (!this.members.has(room) && this.store.head(room) === 0) fresh++;
		return fresh === 0 || this.store.roomCount + fresh <= this.maxRooms;
	}

	state(room: string): RoomState {
		const sessions = [...(this.members.get(room) ?? [])];
		const members = sessions.map(s => s.nick).sort(compareNicks);
		const away = sessions.filter(s => s.away !== undefined).map(s => s.nick).sort(compareNicks);
		return {
			room,
			seq: this.store.head(room),
			topic: this.store.topic(room),
			members,
			...(away.length > 0 ? {away} : {}),
			...(this.store.topicLocked(room) ? {topicLocked: true} : {}),
		};
	}
}
