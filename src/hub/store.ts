import type {DistributiveOmit} from '../protocol/exhaustive.js';
import {randomBytes} from 'node:crypto';
import {accessSync, constants, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {ZchatError} from '../errors.js';
import type {BanInfo, FeedEvent} from '../protocol/types.js';

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

export interface StoredRoom {
	readonly room: string;
	readonly seq: number;
	readonly topic: string;
	/** Only operators may change the topic. */
	readonly locked: boolean;
}

export interface HistoryPage {
	/** JSON of each event, oldest first. */
	readonly events: readonly string[];
	readonly more: boolean;
}

export interface StoreOptions {
	/** A directory for zchat.db, or undefined for a throw-away in-memory store. */
	readonly dataDir?: string;
	/** Events kept per room; older ones are deleted. @default 10000 */
	readonly historyLimit?: number;
	/**
	 * Hold the database's lock for as long as the store is open: the one connection to it
	 * (a hub with its storage on the main thread). The threaded store opens several
	 * connections and keeps its own lock file instead. @default true
	 */
	readonly exclusive?: boolean;
	/** Let SQLite checkpoint the WAL itself, inside commits. @default true */
	readonly autoCheckpoint?: boolean;
}

export interface HistoryQuery {
	readonly after?: number;
	readonly before?: number;
	readonly limit: number;
}

/**
 * What the hub's state machine needs from storage. Reads are answered from memory (or, for
 * history, at once from the database); a batch is committed now or later, and `done` is
 * called in the order batches were given.
 */
export interface HubStorage {
	readonly epoch: string;
	/** Where the history lives, for people. */
	readonly path: string;
	head(room: string): number;
	topic(room: string): string;
	topicLocked(room: string): boolean;
	readonly roomCount: number;
	ban(kind: 'nick' | 'key', target: string, now: number): BanInfo | undefined;
	bans(now: number): BanInfo[];
	addBan(key: string, ban: BanInfo): void;
	removeBan(kind: 'nick' | 'key', key: string): boolean;
	history(room: string, query: HistoryQuery): HistoryPage;
	commit(items: readonly AppendItem[], done: (result: AppendResult[] | Error) => void): void;
	close(): void | Promise<void>;
}

export const DEFAULT_HISTORY_RETENTION = 10_000;

/**
 * The hub's durable state: each room's log of events (with its seq numbers), topics and the
 * epoch, in SQLite (WAL mode). Appends happen in batches, one transaction per batch; a batch
 * either is stored whole or throws and changes nothing, in the database or in memory.
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
	/** Bans by "<kind>:<target>" (nicks by their nickKey), kept in memory and written through. */
	private readonly banList = new Map<string, BanInfo>();
	private readonly retention: number;
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
			if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
				throw new ZchatError(`the data directory ${options.dataDir} is in use by another running hub: stop it, or pass --data with another directory`, 2);
			}
			const why = options.dataDir !== undefined && !writable(options.dataDir) ? 'the directory is read-only' : (err as Error).message;
			throw new ZchatError(`cannot open the history database ${this.path}: ${why} (pass --data with another directory, or --memory)`, 2);
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
			CREATE TABLE IF NOT EXISTS bans (
				id TEXT PRIMARY KEY,
				json TEXT NOT NULL
			);
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
		for (const row of this.db.prepare('SELECT id, json FROM bans').all() as Array<{id: string; json: string}>) {
			try {
				this.banList.set(row.id, JSON.parse(row.json) as BanInfo);
			} catch {
				// A row this version cannot read: leave it alone.
			}
		}
		this.stmt = this.prepare();
	}

	private prepare() {
		return {
			insert: this.db.prepare('INSERT OR IGNORE INTO events (room, seq, json, origin) VALUES (?, ?, ?, ?)'),
			byOrigin: this.db.prepare('SELECT room, seq FROM events WHERE origin = ?'),
			upsertRoom: this.db.prepare(
				'INSERT INTO rooms (room, seq, topic, locked) VALUES (?, ?, ?, ?) ON CONFLICT (room) DO UPDATE SET seq = excluded.seq, topic = excluded.topic, locked = excluded.locked',
			),
			putBan: this.db.prepare('INSERT INTO bans (id, json) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json'),
			deleteBan: this.db.prepare('DELETE FROM bans WHERE id = ?'),
			prune: this.db.prepare('DELETE FROM events WHERE room = ? AND seq <= ?'),
			after: this.db.prepare('SELECT json FROM events WHERE room = ? AND seq > ? ORDER BY seq ASC LIMIT ?').pluck(),
			before: this.db.prepare('SELECT json FROM events WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?').pluck(),
			count: this.db.prepare('SELECT count(*) FROM events').pluck(),
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

	/** Every room the store knows, with its head and topic. */
	rooms(): StoredRoom[] {
		return [...this.heads].map(([room, seq]) => ({room, seq, topic: this.topic(room), locked: this.locks.has(room)}));
	}

	// -- bans ------------------------------------------------------------------------------

	/** The ban in force on a nick (by its nickKey) or a key, if any; expired bans are forgotten here. */
	ban(kind: 'nick' | 'key', target: string, now: number): BanInfo | undefined {
		return activeBan(this, kind, target, now);
	}

	/** Every ban in force, oldest first. */
	bans(now: number): BanInfo[] {
		return activeBans(this, now);
	}

	/** Record a ban (replacing one on the same target). `key` is the nickKey for a nick. Throws when the store cannot be written. */
	addBan(key: string, ban: BanInfo): void {
		this.stmt.putBan.run(`${ban.kind}:${key}`, JSON.stringify({...ban, ...(ban.kind === 'nick' ? {nickKey: key} : {})}));
		this.cacheBan(key, ban);
	}

	/** Lift a ban; false when there was none. Throws when the store cannot be written. */
	removeBan(kind: 'nick' | 'key', key: string): boolean {
		if (!this.cachedBan(kind, key)) return false;
		this.stmt.deleteBan.run(`${kind}:${key}`);
		return this.uncacheBan(kind, key);
	}

	/** The ban recorded on a target, expired or not (memory only). */
	cachedBan(kind: 'nick' | 'key', key: string): BanInfo | undefined {
		return this.banList.get(`${kind}:${key}`);
	}

	/** Every ban recorded (memory only). */
	cachedBans(): BanInfo[] {
		return [...this.banList.values()];
	}

	/** Remember a ban in memory only (its writing is someone else's job). */
	cacheBan(key: string, ban: BanInfo): void {
		this.banList.set(`${ban.kind}:${key}`, ban.kind === 'nick' ? ({...ban, nickKey: key} as BanInfo) : ban);
	}

	uncacheBan(kind: 'nick' | 'key', key: string): boolean {
		return this.banList.delete(`${kind}:${key}`);
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
		this.noteAppended(items, results);
		return results;
	}

	/** Store a batch, calling `done` at once with its results or the error. */
	commit(items: readonly AppendItem[], done: (result: AppendResult[] | Error) => void): void {
		let results: AppendResult[];
		try {
			results = this.append(items);
		} catch (err) {
			done(err instanceof Error ? err : new Error(String(err)));
			return;
		}
		done(results);
	}

	/**
	 * Take in what a batch committed (by this store, or by another connection to the same
	 * database): rooms' heads, topics and locks.
	 */
	noteAppended(items: readonly AppendItem[], results: readonly AppendResult[]): void {
		for (let i = 0; i < results.length; i++) {
			const r = results[i]!;
			if (r.json === undefined) continue;
			if (r.seq > this.head(r.room)) this.heads.set(r.room, r.seq);
			const event = items[i]!.event;
			if (event.type === 'topic') {
				this.topics.set(r.room, event.text);
				if (event.lock === true) this.locks.add(r.room);
				else if (event.lock === false) this.locks.delete(r.room);
			}
		}
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

	/** How many events the store holds across all rooms. */
	eventCount(): number {
		return this.stmt.count.get() as number;
	}

	close(): void {
		if (this.db.open) this.db.close();
	}
}

/** The nickKey a nick ban was recorded under. */
function banNickKey(ban: BanInfo): string {
	return (ban as BanInfo & {nickKey?: string}).nickKey ?? ban.target.toLowerCase();
}

/** The ban in force on a target of a store's ban list, forgetting an expired one. */
export function activeBan(store: HubStorage & {cachedBan(kind: 'nick' | 'key', key: string): BanInfo | undefined}, kind: 'nick' | 'key', target: string, now: number): BanInfo | undefined {
	const ban = store.cachedBan(kind, target);
	if (!ban) return undefined;
	if (ban.until !== undefined && ban.until <= now) {
		store.removeBan(kind, target);
		return undefined;
	}
	return ban;
}

/** Every ban in force, oldest first, forgetting expired ones. */
export function activeBans(store: HubStorage & {cachedBans(): BanInfo[]; cachedBan(kind: 'nick' | 'key', key: string): BanInfo | undefined}, now: number): BanInfo[] {
	for (const ban of store.cachedBans()) activeBan(store, ban.kind, ban.kind === 'nick' ? banNickKey(ban) : ban.target, now);
	return store.cachedBans().sort((a, b) => a.since - b.since);
}

/** Make the data directory, or explain in one line why it cannot be. */
export function ensureDataDir(dir: string): void {
	try {
		mkdirSync(dir, {recursive: true});
	} catch (err) {
		throw new ZchatError(`cannot create the data directory ${dir} (${mkdirProblem(dir, err)}): pass --data with another, or --memory`, 2);
	}
}

/** Why a directory could not be made: Node's recursive mkdir reports ENOENT for a read-only parent, so ask again without it. */
function mkdirProblem(dir: string, err: unknown): string {
	let code = (err as NodeJS.ErrnoException).code ?? String(err);
	if (code === 'ENOENT') {
		try {
			mkdirSync(dir);
		} catch (again) {
			code = (again as NodeJS.ErrnoException).code ?? code;
		}
	}
	return code === 'EROFS' ? 'read-only file system' : code === 'EACCES' ? 'permission denied' : code;
}

function writable(dir: string): boolean {
	try {
		accessSync(dir, constants.W_OK);
		return true;
	} catch {
		return false;
	}
}
