/**
 * What the hub's state machine needs from storage (store.ts, disk-store.ts), and the shapes
 * they trade: events to append, where they were stored, pages of history.
 */
import type {DistributiveOmit} from '../protocol/exhaustive.js';
import type {BanInfo, FeedEvent} from '../protocol/types.js';

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
	/** The latest seq of a room (0 when it has none). */
	head(room: string): number;
	topic(room: string): string;
	/** Whether only operators may change the room's topic. */
	topicLocked(room: string): boolean;
	/** How many rooms the store knows. */
	readonly roomCount: number;
	/** The ban in force on a nick (by its nickKey) or a key, if any. */
	ban(kind: 'nick' | 'key', target: string, now: number): BanInfo | undefined;
	/** Every ban in force, oldest first. */
	bans(now: number): BanInfo[];
	/** Record a ban (replacing one on the same target); `key` is the nickKey for a nick. Throws when it cannot be written. */
	addBan(key: string, ban: BanInfo): void;
	/** Lift a ban; false when there was none. Throws when it cannot be written. */
	removeBan(kind: 'nick' | 'key', key: string): boolean;
	history(room: string, query: HistoryQuery): HistoryPage;
	/**
	 * Store a batch of events in one transaction, giving each the next seq of its room.
	 * Throws (changing nothing) when the database cannot be written: disk full, read-only,
	 * I/O error.
	 */
	append(items: readonly AppendItem[]): AppendResult[];
	close(): void | Promise<void>;
}
