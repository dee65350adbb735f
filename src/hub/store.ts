/**
 * The hub's durable state in SQLite (WAL mode): each room's log of events with its seq
 * numbers, topics and topic locks, the epoch, and the bans (ban-list.ts).
 */
import {randomBytes} from 'node:crypto';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import type {BanInfo} from '../protocol/types.js';
import {BanList} from './ban-list.js';
import {cannotOpen, dataDirInUse, ensureDataDir, writable} from './data-dir.js';
import type {AppendItem, AppendResult, HistoryPage, HistoryQuery, HubStorage} from './storage.js';

export interface StoreOptions {
	/** A directory for zchat.db, or undefined for a throw-away in-memory store. */
	readonly dataDir?: string;
	/** Events kept per room; older ones are deleted. @default 10000 */
	readonly historyLimit?: number;
	/**
	 * Hold the database's lock for as long as the store is open: the one connection to it.
	 * The disk store (disk-store.ts) has a checkpointer thread with a connection of its own,
	 * and keeps a lock file instead. @default true
	 */
	readonly exclusive?: boolean;
	/** Let SQLite checkpoint the WAL itself, inside commits. @default true */
	readonly autoCheckpoint?: boolean;
}

export const DEFAULT_HISTORY_RETENTION = 10_000;

/**
 * Appends happen in batches, one transaction per batch; a batch either is stored whole or
 * throws and changes nothing, in the database or in memory.
 */
export class Store implements HubStorage {
	readonly epoch: string;
	/** The epoch as a JSON string, spliced into every stored event. */
	private readonly epochJson: string;
	readonly path: string;
	private readonly db: Database.Database;
	private readonly heads = new Map<string, number>();
	private readonly topics = new Map<string, string>();
	private readonly locks = new Set<string>();
	private readonly banList: BanList;
	/** How many events a room keeps: older ones are pruned as new ones come. */
	readonly retention: number;
	private readonly stmt: ReturnType<Store['prepare']>;

	constructor(options: StoreOptions = {}) {
		this.retention = options.historyLimit ?? DEFAULT_HISTORY_RETENTION;
		if (options.dataDir !== undefined) {
			ensureDataDir(options.dataDir);
			this.path = join(options.dataDir, 'zchat.db');
		} else {
			this.path = ':memory:';
		}
		try {
			this.db = new Database(this.path, {timeout: options.exclusive === false ? 5000 : 200});
			if (options.exclusive !== false) {
				// One hub per data directory: the first holds an exclusive lock until it exits.
				this.db.pragma('locking_mode = EXCLUSIVE');
			}
			this.db.pragma('journal_mode = WAL');
			if (options.autoCheckpoint === false) {
				this.db.pragma('wal_autocheckpoint = 0');
				// When the WAL starts over after a checkpoint, cut it back to nothing: it stays
				// small, and a full disk shows at the next commit instead of after the reused space.
				this.db.pragma('journal_size_limit = 0');
			}
			if (options.exclusive !== false) this.db.exec('BEGIN EXCLUSIVE; COMMIT');
		} catch (err) {
			const code = (err as {code?: string}).code ?? '';
			if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw dataDirInUse(options.dataDir);
			throw cannotOpen(this.path, options.dataDir !== undefined && !writable(options.dataDir) ? 'the directory is read-only' : (err as Error).message);
		}
		// NORMAL in WAL mode: a committed transaction survives the process being killed;
		// only a power cut can lose the last ones (see README, "What zchat guarantees").
		this.db.pragma('synchronous = NORMAL');
		this.db.exec(`
			CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
			CREATE TABLE IF NOT EXISTS rooms (
				room TEXT PRIMARY KEY,
				seq INTEGER NOT NULL,
				topic TEXT NOT NULL DEFAULT ''
			);
			CREATE TABLE IF NOT EXISTS events (
				room TEXT NOT NULL,
				seq INTEGER NOT NULL,
				json TEXT NOT NULL,
				origin TEXT,
				PRIMARY KEY (room, seq)
			) WITHOUT ROWID;
			CREATE UNIQUE INDEX IF NOT EXISTS events_origin ON events (origin) WHERE origin IS NOT NULL;
		`);
		// Stores made before topic locks existed get the column now.
		const columns = this.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('rooms') as string[];
		if (!columns.includes('locked')) this.db.exec('ALTER TABLE rooms ADD COLUMN locked INTEGER NOT NULL DEFAULT 0');
		const existing = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('epoch') as {value: string} | undefined;
		if (existing) {
			this.epoch = existing.value;
		} else {
			this.epoch = randomBytes(6).toString('base64url');
			this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('epoch', this.epoch);
		}
		this.epochJson = JSON.stringify(this.epoch);
		for (const row of this.db.prepare('SELECT room, seq, topic, locked FROM rooms').all() as Array<{room: string; seq: number; topic: string; locked: number}>) {
			this.heads.set(row.room, row.seq);
			this.topics.set(row.room, row.topic);
			if (row.locked) this.locks.add(row.room);
		}
		this.banList = new BanList(this.db);
		this.stmt = this.prepare();
	}

	private prepare() {
		return {
			insert: this.db.prepare('INSERT OR IGNORE INTO events (room, seq, json, origin) VALUES (?, ?, ?, ?)'),
			byOrigin: this.db.prepare('SELECT room, seq FROM events WHERE origin = ?'),
			upsertRoom: this.db.prepare(
				'INSERT INTO rooms (room, seq, topic, locked) VALUES (?, ?, ?, ?) ON CONFLICT (room) DO UPDATE SET seq = excluded.seq, topic = excluded.topic, locked = excluded.locked',
			),
			prune: this.db.prepare('DELETE FROM events WHERE room = ? AND seq <= ?'),
			after: this.db.prepare('SELECT json FROM events WHERE room = ? AND seq > ? ORDER BY seq ASC LIMIT ?').pluck(),
			before: this.db.prepare('SELECT json FROM events WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?').pluck(),
		};
	}

	/** The latest seq of a room (0 when it has none). */
	head(room: string): number {
		return this.heads.get(room) ?? 0;
	}

	topic(room: string): string {
		return this.topics.get(room) ?? '';
	}

	/** Whether only operators may change the room's topic. */
	topicLocked(room: string): boolean {
		return this.locks.has(room);
	}

	/** How many rooms the store knows. */
	get roomCount(): number {
		return this.heads.size;
	}

	// -- bans (ban-list.ts) ------------------------------------------------------------------

	ban(kind: 'nick' | 'key', target: string, now: number): BanInfo | undefined {
		return this.banList.ban(kind, target, now);
	}

	bans(now: number): BanInfo[] {
		return this.banList.bans(now);
	}

	addBan(key: string, ban: BanInfo): void {
		this.banList.add(key, ban);
	}

	removeBan(kind: 'nick' | 'key', key: string): boolean {
		return this.banList.remove(kind, key);
	}

	/**
	 * Store a batch of events in one transaction, giving each the next seq of its room.
	 * Throws (changing nothing) when the database cannot be written: disk full, read-only,
	 * I/O error.
	 */
	append(items: readonly AppendItem[]): AppendResult[] {
		const heads = new Map<string, number>();
		const topics = new Map<string, string>();
		const locks = new Map<string, boolean>();
		const results: AppendResult[] = [];
		const run = this.db.transaction(() => {
			for (const {event, origin} of items) {
				const room = event.room;
				const seq = (heads.get(room) ?? this.head(room)) + 1;
				// The stored event is the event plus its seq and the epoch, in that order. Splicing
				// them into the event's JSON costs a third of copying the object to stringify it
				// (0.5 against 1.6 µs a message; docs/PERFORMANCE.md).
				const json = JSON.stringify(event).slice(0, -1) + ',"seq":' + seq + ',"epoch":' + this.epochJson + '}';
				const inserted = this.stmt.insert.run(room, seq, json, origin ?? null).changes === 1;
				if (!inserted) {
					const prior = this.stmt.byOrigin.get(origin) as {room: string; seq: number} | undefined;
					if (!prior) throw new Error(`store: seq ${seq} of room ${room} already exists`);
					results.push({room: prior.room, seq: prior.seq, duplicate: true});
					continue;
				}
				heads.set(room, seq);
				if (event.type === 'topic') {
					topics.set(room, event.text);
					if (event.lock !== undefined) locks.set(room, event.lock);
				}
				results.push({room, seq, json, duplicate: false});
			}
			for (const [room, seq] of heads) {
				const locked = locks.get(room) ?? this.locks.has(room);
				this.stmt.upsertRoom.run(room, seq, topics.get(room) ?? this.topic(room), locked ? 1 : 0);
				if (seq > this.retention) this.stmt.prune.run(room, seq - this.retention);
			}
		});
		run();
		// Committed: what the batch changed holds in memory too.
		for (const [room, seq] of heads) this.heads.set(room, seq);
		for (const [room, topic] of topics) this.topics.set(room, topic);
		for (const [room, locked] of locks) {
			if (locked) this.locks.add(room);
			else this.locks.delete(room);
		}
		return results;
	}

	/**
	 * A page of a room's log, oldest first: events after `after`, or else the latest ones
	 * before `before` (or before the end).
	 */
	history(room: string, query: HistoryQuery): HistoryPage {
		if (query.after !== undefined) {
			const events = this.stmt.after.all(room, query.after, query.limit + 1) as string[];
			const more = events.length > query.limit;
			return {events: more ? events.slice(0, query.limit) : events, more};
		}
		const before = query.before ?? Number.MAX_SAFE_INTEGER;
		const events = this.stmt.before.all(room, before, query.limit + 1) as string[];
		const more = events.length > query.limit;
		return {events: (more ? events.slice(0, query.limit) : events).reverse(), more};
	}

	close(): void {
		if (this.db.open) this.db.close();
	}
}
