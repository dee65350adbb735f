/**
 * The hub's durable state in SQLite (WAL mode): each room's seq, topic, topic lock, who made
 * it and when it was last used, the epoch; the rooms' events (event-log.ts), the bans
 * (ban-list.ts), mutes (mute-list.ts) and the keys each nick was seen with (seen-keys.ts).
 * (Past 300 lines: the schema, its upgrades and the prepared statements sit with the reads
 * and writes that use them.)
 */
import {randomBytes} from 'node:crypto';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import type {BanInfo} from '../protocol/types.js';
import {BanList} from './ban-list.js';
import {cannotOpen, dataDirInUse, ensureDataDir, writable} from './data-dir.js';
import {EventLog, MAX_SEQ} from './event-log.js';
import {MuteList, type KeptMute} from './mute-list.js';
import {SeenKeys} from './seen-keys.js';
import type {AppendItem, AppendResult, HistoryPage, HistoryQuery, HubStorage, StoredRoom} from './storage.js';
import {publishedForm, storedForm} from './stored-event.js';

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
	/** Without autoCheckpoint: what the WAL file is cut back to when it starts over (bytes). @default 0 */
	readonly walKeep?: number;
}

export {DEFAULT_HISTORY_RETENTION} from './storage.js';
import {DEFAULT_HISTORY_RETENTION} from './storage.js';

/**
 * Appends happen in batches, one transaction per batch; a batch either is stored whole or
 * throws and changes nothing, in the database or in memory.
 */
export class Store implements HubStorage {
	readonly epoch: string;
	readonly path: string;
	private readonly db: Database.Database;
	private readonly heads = new Map<string, number>();
	private readonly topics = new Map<string, string>();
	private readonly locks = new Set<string>();
	/**
	 * The seq a new room starts after: the highest head of a room forgotten so far, so that a
	 * room made again under a forgotten one's name never repeats a seq its old members saw.
	 */
	private floor = 0;
	private readonly banList: BanList;
	private readonly muteList: MuteList;
	private readonly seen: SeenKeys;
	/** How many events a room keeps: older ones are out of history, and deleted in runs (event-log.ts). */
	readonly retention: number;
	private readonly stmt: ReturnType<Store['prepare']>;
	private readonly log: EventLog;

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
				// When the WAL starts over after a checkpoint, cut it back to walKeep: cutting a
				// big file stalls that commit (docs/PERFORMANCE.md), and the space kept is reused.
				this.db.pragma(`journal_size_limit = ${Math.max(0, Math.floor(options.walKeep ?? 0))}`);
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
		// Stores made by earlier versions get the newer columns now; their rooms count as used
		// today, so that none is forgotten sooner than the hub keeps empty rooms. `num`: the
		// room's number in the event log (event-log.ts).
		if (addColumns(this.db, 'rooms', {locked: 'INTEGER NOT NULL DEFAULT 0', creator: 'TEXT', last: 'INTEGER NOT NULL DEFAULT 0', num: 'INTEGER'}).includes('last')) {
			this.db.prepare('UPDATE rooms SET last = ?').run(Date.now());
		}
		// Where earlier versions kept events, and still would after a downgrade: moved into
		// the log at open (event-log.ts).
		addColumns(this.db, 'events', {text: 'TEXT'});
		const meta = this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
		const existing = meta.get('epoch') as string | undefined;
		if (existing !== undefined) {
			this.epoch = existing;
		} else {
			this.epoch = randomBytes(6).toString('base64url');
			this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('epoch', this.epoch);
		}
		this.floor = Number(meta.get('floor') ?? 0);
		const rows = this.db.prepare('SELECT room, seq, topic, locked, num FROM rooms').all() as Array<{room: string; seq: number; topic: string; locked: number; num: number | null}>;
		for (const row of rows) {
			this.heads.set(row.room, row.seq);
			this.topics.set(row.room, row.topic);
			if (row.locked) this.locks.add(row.room);
		}
		try {
			this.log = new EventLog(this.db, rows, this.epoch, this.retention);
		} catch (err) {
			throw cannotOpen(this.path, `its events could not be moved to this version's layout: ${(err as Error).message}`);
		}
		this.banList = new BanList(this.db);
		this.muteList = new MuteList(this.db);
		this.seen = new SeenKeys(this.db);
		this.stmt = this.prepare();
	}

	private prepare() {
		return {
			// A room's creator and number are written when the room is, and kept.
			upsertRoom: this.db.prepare(
				'INSERT INTO rooms (room, seq, topic, locked, creator, last, num) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room) DO UPDATE SET seq = excluded.seq, topic = excluded.topic, locked = excluded.locked, last = excluded.last',
			),
			forgetRoom: this.db.prepare('DELETE FROM rooms WHERE room = ?'),
			setMeta: this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
			write: this.db.transaction((items: readonly AppendItem[], b: BatchChanges, many: boolean) => this.write(items, b, many)),
		};
	}

	/** Events an earlier version had kept, moved to this version's layout at open (0 from then on). */
	get moved(): number {
		return this.log.moved;
	}

	/** The latest seq of a room (for a room not kept, the seq it would start after: 0 until rooms are forgotten). */
	head(room: string): number {
		return this.heads.get(room) ?? this.floor;
	}

	/** Whether the store keeps this room. */
	has(room: string): boolean {
		return this.heads.has(room);
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

	/** Every room kept, with who made it and when it was last used. */
	rooms(): StoredRoom[] {
		const rows = this.db.prepare('SELECT room, creator, last FROM rooms').all() as Array<{room: string; creator: string | null; last: number}>;
		return rows.map(r => ({room: r.room, last: r.last, ...(r.creator === null ? {} : {creator: r.creator})}));
	}

	/**
	 * Forget a room: its events, topic and lock. A room made again under its name starts after
	 * the highest seq it had. Throws (changing nothing) when the database cannot be written.
	 */
	forget(room: string): void {
		const head = this.heads.get(room);
		if (head === undefined) return;
		const floor = Math.max(this.floor, head);
		this.db.transaction(() => {
			this.log.forget(room);
			this.stmt.forgetRoom.run(room);
			if (floor !== this.floor) this.stmt.setMeta.run('floor', String(floor));
		})();
		this.floor = floor;
		this.log.release(room);
		this.heads.delete(room);
		this.topics.delete(room);
		this.locks.delete(room);
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

	// -- mutes (mute-list.ts) and the keys of nicks (seen-keys.ts) ---------------------------

	mutes(): Array<[string, KeptMute]> {
		return this.muteList.all();
	}

	putMute(id: string, mute: KeptMute): void {
		this.muteList.put(id, mute);
	}

	deleteMute(id: string): void {
		this.muteList.delete(id);
	}

	sawKey(nickKey: string, key: string, now: number): void {
		this.seen.saw(nickKey, key, now);
	}

	keysOf(nickKey: string): string[] {
		return this.seen.keysOf(nickKey);
	}

	/**
	 * Store a batch of events in one transaction, giving each the next seq of its room.
	 * Throws (changing nothing) when the database cannot be written: disk full, read-only,
	 * I/O error.
	 */
	append(items: readonly AppendItem[]): AppendResult[] {
		let b = batchChanges();
		try {
			this.stmt.write(items, b, true);
		} catch (err) {
			if (err !== DUPLICATE) throw err;
			// An origin stored before (a resend after a restart): again row by row, which tells
			// the duplicates from the rest.
			b = batchChanges();
			this.stmt.write(items, b, false);
		}
		// Committed: what the batch changed holds in memory too.
		for (const [room, num] of b.nums) this.log.bind(room, num);
		for (const [num, seq] of b.pruned) this.log.pruned(num, seq);
		for (const [room, seq] of b.heads) this.heads.set(room, seq);
		for (const [room, topic] of b.topics) this.topics.set(room, topic);
		for (const [room, locked] of b.locks) {
			if (locked) this.locks.add(room);
			else this.locks.delete(room);
		}
		return b.results;
	}

	/**
	 * The body of append's transaction (made once: better-sqlite3 builds a transaction's
	 * wrappers anew at each db.transaction). `many`: insert the rows ROWS_PER_INSERT to a
	 * statement, taking every origin as new (~5 µs a row against ~8 one by one), and throw
	 * DUPLICATE, undoing the batch, when one was not.
	 */
	private write(items: readonly AppendItem[], b: BatchChanges, many: boolean): void {
		const {heads, topics, locks, lasts, creators, nums, pruned, results} = b;
		const rows: Array<string | number | null> = [];
		for (const {event, origin, creator} of items) {
			const room = event.room;
			const seq = (heads.get(room) ?? this.head(room)) + 1;
			if (seq > MAX_SEQ) throw new Error(`store: room ${room} has used every seq`);
			let num = this.log.num(room) ?? nums.get(room);
			if (num === undefined) nums.set(room, (num = this.log.newNum(nums)));
			// Stored: the event's JSON without its seq and epoch (the row's key has the seq), its
			// free text beside it as it came (stored-event.ts); published: all spliced together.
			const form = storedForm(event, seq, this.epoch);
			if (many) {
				rows.push(num, seq, form.json, form.text ?? null, origin ?? null);
			} else if (this.log.insert([num, seq, form.json, form.text ?? null, origin ?? null]) === 0) {
				const prior = origin === undefined ? undefined : this.log.byOrigin(origin);
				if (!prior) throw new Error(`store: seq ${seq} of room ${room} already exists`);
				results.push({room: prior.room, seq: prior.seq, duplicate: true});
				continue;
			}
			heads.set(room, seq);
			lasts.set(room, Math.max(lasts.get(room) ?? 0, event.ts));
			if (creator !== undefined && !creators.has(room)) creators.set(room, creator);
			if (event.type === 'topic') {
				topics.set(room, event.text);
				if (event.lock !== undefined) locks.set(room, event.lock);
			}
			results.push({room, seq, json: form.published, duplicate: false});
		}
		if (many && this.log.insert(rows) !== items.length) throw DUPLICATE;
		for (const [room, seq] of heads) {
			const locked = locks.get(room) ?? this.locks.has(room);
			const num = this.log.num(room) ?? nums.get(room)!;
			this.stmt.upsertRoom.run(room, seq, topics.get(room) ?? this.topic(room), locked ? 1 : 0, creators.get(room) ?? null, lasts.get(room) ?? 0, num);
			if (seq > this.retention && this.log.prune(num, seq - this.retention)) pruned.set(num, seq - this.retention);
		}
	}

	/**
	 * A page of a room's log, oldest first: events after `after`, or else the latest ones
	 * before `before` (or before the end); of the last `retention` events only.
	 */
	history(room: string, query: HistoryQuery): HistoryPage {
		const maxBytes = query.maxBytes ?? Infinity;
		const kept = this.head(room) - this.retention;
		// Rows are read one at a time, so a page of long lines stops reading at its byte budget.
		const rows =
			query.after !== undefined
				? this.log.after(room, Math.max(query.after, kept), query.limit + 1)
				: this.log.before(room, kept, query.before ?? Number.MAX_SAFE_INTEGER, query.limit + 1);
		const events: string[] = [];
		let bytes = 0;
		let more = false;
		for (const [json, text, seq] of rows) {
			const published = publishedForm(json, text, seq, this.epoch);
			if (events.length === query.limit || (events.length > 0 && bytes + published.length > maxBytes)) {
				more = true;
				break;
			}
			events.push(published);
			bytes += published.length;
		}
		return {events: query.after !== undefined ? events : events.reverse(), more};
	}

	/**
	 * Checkpoint the WAL and have the next commit start it over (RESTART), on this, the
	 * writer's connection: it copies what is left and waits for no other writer. False when a
	 * reader kept it from finishing; throws on an I/O error.
	 */
	restartWal(): boolean {
		const [row] = this.db.pragma('wal_checkpoint(RESTART)') as Array<{busy: number}>;
		return row?.busy === 0;
	}

	close(): void {
		if (this.db.open) this.db.close();
	}
}

/** Thrown inside append's transaction (undoing it) when a row was not new: see `write`. */
const DUPLICATE = new Error('store: an origin was stored before');

/** What one append changes, gathered inside its transaction and applied in memory once it commits. */
interface BatchChanges {
	readonly heads: Map<string, number>;
	readonly topics: Map<string, string>;
	readonly locks: Map<string, boolean>;
	readonly lasts: Map<string, number>;
	readonly creators: Map<string, string>;
	/** Numbers given to new rooms (event-log.ts), theirs once committed. */
	readonly nums: Map<string, number>;
	/** Rooms pruned (by number), up to which seq. */
	readonly pruned: Map<number, number>;
	readonly results: AppendResult[];
}

function batchChanges(): BatchChanges {
	return {heads: new Map(), topics: new Map(), locks: new Map(), lasts: new Map(), creators: new Map(), nums: new Map(), pruned: new Map(), results: []};
}

/** Add the columns a table made by an earlier version lacks; returns their names. */
function addColumns(db: Database.Database, table: string, columns: Record<string, string>): string[] {
	const have = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];
	const added = Object.keys(columns).filter(name => !have.includes(name));
	for (const name of added) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${columns[name]}`);
	return added;
}
