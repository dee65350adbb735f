/**
 * What the hub's state machine needs from storage (store.ts, disk-store.ts), and the shapes
 * they trade: events to append, where they were stored, pages of history.
 */
import type {DistributiveOmit} from '../protocol/exhaustive.js';
import type {BanInfo, FeedEvent} from '../protocol/types.js';
import type {KeptMute} from './mute-list.js';

/** Events kept per room unless the hub is told otherwise (--history-limit). */
export const DEFAULT_HISTORY_RETENTION = 10_000;

/** How long a client is told to wait before it tries again what storage refused. */
export const STORAGE_RETRY_MS = 1000;

/** A feed event before the store gives it its place in the room's log. */
export type NewEvent = DistributiveOmit<FeedEvent, 'seq' | 'epoch'>;

export interface AppendItem {
	readonly event: NewEvent;
	/**
	 * Where a said message came from ("<session hash>:<client id>"). A second append with the
	 * same origin is not stored again: the first one's seq comes back, marked duplicate.
	 */
	readonly origin?: string;
	/** Who made the room, when this event is the first of a new one (a sender id that lasts: identity.ts). */
	readonly creator?: string;
}

/** A room the store keeps, as the hub loads it at start. */
export interface StoredRoom {
	readonly room: string;
	/** Who made it (a bucket id of flood.ts), when known. */
	readonly creator?: string;
	/** When its latest event happened (ms since 1970; 0 when unknown). */
	readonly last: number;
}

export interface AppendResult {
	readonly room: string;
	readonly seq: number;
	/** The event as stored and published, JSON. Undefined for a duplicate. */
	readonly json?: string;
	readonly duplicate: boolean;
}

export interface HistoryPage {
	/** JSON of each event, oldest first. */
	readonly events: readonly string[];
	readonly more: boolean;
}

export interface HistoryQuery {
	readonly after?: number;
	readonly before?: number;
	readonly limit: number;
	/**
	 * Stop short of `limit` once the events pass this many bytes (UTF-16 units; at least one
	 * event), with `more` set: a page `after` keeps its oldest events, one going back its latest.
	 */
	readonly maxBytes?: number;
}

/**
 * Reads are answered from memory (history at once from the database). Writes are synchronous:
 * `append` has stored its batch when it returns, or throws having changed nothing.
 */
export interface HubStorage {
	readonly epoch: string;
	/** Where the history lives, for people. */
	readonly path: string;
	/** How many events a room keeps (the hub's --history-limit): older ones are gone. */
	readonly retention: number;
	/** The latest seq of a room (for a room it does not keep, the seq the room would start after). */
	head(room: string): number;
	/** Whether it keeps this room. */
	has(room: string): boolean;
	topic(room: string): string;
	/** Whether only operators may change the room's topic. */
	topicLocked(room: string): boolean;
	/** How many rooms the store knows. */
	readonly roomCount: number;
	/** Every room it keeps (read at start). */
	rooms(): StoredRoom[];
	/** Forget a room, its events and topic. Throws (changing nothing) when it cannot be written. */
	forget(room: string): void;
	/** The ban in force on a nick (by its nickKey) or a key, if any. */
	ban(kind: 'nick' | 'key', target: string, now: number): BanInfo | undefined;
	/** Every ban in force, oldest first. */
	bans(now: number): BanInfo[];
	/** Record a ban (replacing one on the same target); `key` is the nickKey for a nick. Throws when it cannot be written. */
	addBan(key: string, ban: BanInfo): void;
	/** Lift a ban; false when there was none. Throws when it cannot be written. */
	removeBan(kind: 'nick' | 'key', key: string): boolean;
	/** Every mute kept, by what it binds ("nick:…", "key:…", "addr:…"). */
	mutes(): Array<[string, KeptMute]>;
	/** Keep a mute (replacing one with the same id). Throws when it cannot be written. */
	putMute(id: string, mute: KeptMute): void;
	/** Lift a kept mute. Throws when it cannot be written. */
	deleteMute(id: string): void;
	/** A nick (its nickKey) was used with a public key now. Throws when it cannot be written. */
	sawKey(nickKey: string, key: string, now: number): void;
	/** The keys a nick (its nickKey) was last seen with, the most recent first. */
	keysOf(nickKey: string): string[];
	history(room: string, query: HistoryQuery): HistoryPage;
	/**
	 * Store a batch of events in one transaction, giving each the next seq of its room.
	 * Throws (changing nothing) when the database cannot be written: disk full, read-only,
	 * I/O error.
	 */
	append(items: readonly AppendItem[]): AppendResult[];
	close(): void | Promise<void>;
}
