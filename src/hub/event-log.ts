/**
 * The rooms' events on disk (store.ts keeps everything else): one rowid table, `log`, keyed by
 * the room's number and the event's seq in one integer, and the room numbers it needs; and the
 * move of the events an earlier version kept (the `events` table) into it.
 *
 * Why not `events`, a WITHOUT ROWID table keyed by (room, seq): such a table is an index
 * b-tree, whose inner pages hold whole rows (~240 bytes an event), so a commit of 70 events
 * rewrote ~3.4 inner pages besides ~7 leaves, and each leaf split rebalanced three siblings.
 * A rowid table keeps only integers in its inner pages and appends at its right edge: a
 * commit of 70 events writes ~13 pages of WAL instead of ~18 (docs/PERFORMANCE.md, "The store's pages").
 */
import type Database from 'better-sqlite3';

/** Bits of a key that hold the seq; the room's number is above them. */
const SEQ_BITS = 40;
/** The highest seq a room can reach (2^40 − 2: a million events a second for 12 days). */
export const MAX_SEQ = 2 ** SEQ_BITS - 2;
/** The seq part of a key, all ones: above every seq. */
const SEQ_MASK = 2 ** SEQ_BITS - 1;
/**
 * Room numbers stay below this, so that a key fits SQLite's signed 64 bits. Numbers of
 * forgotten rooms are used again, so they stay below the most rooms kept at once plus one.
 */
const MAX_NUM = 2 ** (63 - SEQ_BITS) - 1;

// Keys are made in SQL: a JS number is bound as a double, and a key passes 2^53. SQLite's
// bitwise operators take their operands as 64-bit integers, exactly (both are below 2^53).
/** The key of room number ?1's seq ?2. */
const KEY = `((? << ${SEQ_BITS}) | ?)`;

/** Values of one row of `insert`: the room's number, the seq, the JSON, the free text, the origin. */
export const INSERT_COLUMNS = 5;

/** A row of the log as history reads it: the stored JSON, the free text, the seq (stored-event.ts). */
export type LoggedRow = [json: string, text: string | null, seq: number];

export interface LoggedRoom {
	readonly room: string;
	readonly num: number | null;
}

export class EventLog {
	private readonly numOf = new Map<string, number>();
	private readonly roomOf = new Map<number, string>();
	/** Numbers let go of by forgotten rooms, to use again; above them, `next` was never used. */
	private readonly free: number[] = [];
	private next = 1;
	/** Events an earlier version had kept, moved into `log` when this one opened the store. */
	readonly moved: number;
	/**
	 * Events deleted at once: 1% of what a room keeps, at most 256. Deleting a room's oldest
	 * event at every commit rewrote ~2.2 more pages of WAL a commit of one event
	 * (docs/PERFORMANCE.md, "The store's pages"); until their run comes they stay on disk, out
	 * of history (store.ts reads only the last `retention`).
	 */
	private readonly pruneRun: number;
	/** Up to which seq each room (by number) was pruned since the store opened. */
	private readonly prunedTo = new Map<number, number>();
	/** INSERT statements by how many rows each inserts. */
	private readonly inserts = new Map<number, Database.Statement>();
	private readonly stmt;

	/**
	 * Make `log` if need be, number the rooms kept (`rooms`), and move into `log` what an
	 * earlier version wrote into `events`, in one transaction.
	 */
	constructor(
		private readonly db: Database.Database,
		rooms: readonly LoggedRoom[],
		epoch: string,
		retention: number,
	) {
		this.pruneRun = Math.min(256, Math.max(1, Math.floor(retention / 100)));
		db.exec(`
			CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, json TEXT NOT NULL, text TEXT, origin TEXT);
			CREATE UNIQUE INDEX IF NOT EXISTS log_origin ON log (origin) WHERE origin IS NOT NULL;
		`);
		this.stmt = {
			byOrigin: db.prepare(`SELECT id >> ${SEQ_BITS} AS num, id & ${SEQ_MASK} AS seq FROM log WHERE origin = ?`),
			after: db.prepare(`SELECT json, text, id & ${SEQ_MASK} FROM log WHERE id > ${KEY} AND id < ((? + 1) << ${SEQ_BITS}) ORDER BY id ASC LIMIT ?`).raw(),
			before: db.prepare(`SELECT json, text, id & ${SEQ_MASK} FROM log WHERE id > ${KEY} AND id < ${KEY} ORDER BY id DESC LIMIT ?`).raw(),
			prune: db.prepare(`DELETE FROM log WHERE id >= (? << ${SEQ_BITS}) AND id <= ${KEY}`),
			forget: db.prepare(`DELETE FROM log WHERE id >= (? << ${SEQ_BITS}) AND id < ((? + 1) << ${SEQ_BITS})`),
		};
		this.moved = db.transaction(() => this.upgrade(rooms, epoch))();
	}

	/** The room's number, if it has one. */
	num(room: string): number | undefined {
		return this.numOf.get(room);
	}

	/**
	 * A number for a new room, not one of `taken` (numbers handed out in a batch not yet
	 * committed); it is the room's once `bind` is called.
	 */
	newNum(taken: ReadonlyMap<string, number>): number {
		const used = new Set(taken.values());
		for (let i = this.free.length - 1; i >= 0; i--) if (!used.has(this.free[i]!)) return this.free[i]!;
		let n = this.next;
		while (used.has(n)) n++;
		if (n > MAX_NUM) throw new Error('store: no room number is left');
		return n;
	}

	/** The room has this number from now on (its row in `rooms` says so, committed). */
	bind(room: string, num: number): void {
		this.numOf.set(room, num);
		this.roomOf.set(num, room);
		const at = this.free.lastIndexOf(num);
		if (at >= 0) this.free.splice(at, 1);
		while (this.next <= num) {
			if (this.next !== num) this.free.push(this.next);
			this.next++;
		}
	}

	/** Delete the room's events (inside the caller's transaction); `release` its number once committed. */
	forget(room: string): void {
		const num = this.numOf.get(room);
		if (num !== undefined) this.stmt.forget.run(num, num);
	}

	release(room: string): void {
		const num = this.numOf.get(room);
		if (num === undefined) return;
		this.numOf.delete(room);
		this.roomOf.delete(num);
		this.prunedTo.delete(num);
		this.free.push(num);
	}

	/**
	 * Delete the room's events up to `seq` (inside the caller's transaction) when that is a run
	 * past the last deletion; whether it did. Tell `pruned` once committed.
	 */
	prune(num: number, seq: number): boolean {
		if (seq - (this.prunedTo.get(num) ?? 0) < this.pruneRun) return false;
		this.stmt.prune.run(num, num, clamp(seq));
		return true;
	}

	pruned(num: number, seq: number): void {
		this.prunedTo.set(num, seq);
	}

	/** Where an origin was stored, if it was. */
	byOrigin(origin: string): {room: string; seq: number} | undefined {
		const row = this.stmt.byOrigin.get(origin) as {num: number; seq: number} | undefined;
		const room = row === undefined ? undefined : this.roomOf.get(row.num);
		return room === undefined ? undefined : {room, seq: row!.seq};
	}

	/** Insert rows (INSERT_COLUMNS values each), up to ROWS_PER_INSERT a statement; how many were new. */
	insert(values: ReadonlyArray<string | number | null>): number {
		const n = values.length / INSERT_COLUMNS;
		let changes = 0;
		for (let at = 0; at < n; ) {
			let k = ROWS_PER_INSERT;
			while (k > n - at) k >>= 1;
			let stmt = this.inserts.get(k);
			if (!stmt) {
				stmt = this.db.prepare(`INSERT OR IGNORE INTO log (id, json, text, origin) VALUES ${Array<string>(k).fill(`(${KEY}, ?, ?, ?)`).join(', ')}`);
				this.inserts.set(k, stmt);
			}
			changes += stmt.run(k === n ? values : values.slice(at * INSERT_COLUMNS, (at + k) * INSERT_COLUMNS)).changes;
			at += k;
		}
		return changes;
	}

	/** The room's [json, text, seq] rows after `seq`, oldest first. */
	after(room: string, seq: number, limit: number): IterableIterator<LoggedRow> {
		const num = this.numOf.get(room);
		if (num === undefined) return [][Symbol.iterator]();
		return this.stmt.after.iterate(num, clamp(seq), num, limit) as IterableIterator<LoggedRow>;
	}

	/** The room's [json, text, seq] rows after `above` and before `seq`, latest first. */
	before(room: string, above: number, seq: number, limit: number): IterableIterator<LoggedRow> {
		const num = this.numOf.get(room);
		if (num === undefined) return [][Symbol.iterator]();
		return this.stmt.before.iterate(num, clamp(above), num, clamp(seq), limit) as IterableIterator<LoggedRow>;
	}

	/**
	 * Number the rooms, drop events of rooms no longer kept, move `events` into `log`.
	 * An earlier version opening the store after this one (a downgrade) reads and writes
	 * `events` and `rooms` only: rooms it makes have no number, rooms it forgets leave their
	 * events in `log`, and what it stored is in `events`. All three are mended here.
	 */
	private upgrade(rooms: readonly LoggedRoom[], epoch: string): number {
		for (const {room, num} of rooms) if (num !== null) this.bind(room, num);
		// Events under a number no room has (first, before a number is given out again): one
		// seek for each number present in `log`.
		const firstFrom = this.db.prepare(`SELECT id >> ${SEQ_BITS} FROM log WHERE id >= (? << ${SEQ_BITS}) ORDER BY id LIMIT 1`).pluck();
		for (let n = 0; ; ) {
			const found = firstFrom.get(n) as number | undefined;
			if (found === undefined) break;
			if (!this.roomOf.has(found)) this.stmt.forget.run(found, found);
			n = found + 1;
		}
		const setNum = this.db.prepare('UPDATE rooms SET num = ? WHERE room = ?');
		for (const {room, num} of rooms) {
			if (num !== null) continue;
			const n = this.newNum(new Map());
			setNum.run(n, room);
			this.bind(room, n);
		}
		if (this.db.prepare('SELECT 1 FROM events LIMIT 1').get() === undefined) return 0;
		// The earlier JSON held the seq and epoch after the event's own fields (stored-event.ts
		// has them apart now). An origin stored in both (a resend the earlier version did not
		// know was one) stays with the first; the row itself is kept, it was acked and published.
		const moved = this.db
			.prepare(
				`INSERT INTO log (id, json, text, origin)
				SELECT (r.num << ${SEQ_BITS}) | e.seq, replace(e.json, ',"seq":' || e.seq || ',"epoch":' || json_quote(?), ''), e.text,
					CASE WHEN EXISTS (SELECT 1 FROM log l WHERE l.origin = e.origin) THEN NULL ELSE e.origin END
				FROM events e JOIN rooms r ON r.room = e.room WHERE e.seq BETWEEN 0 AND ${MAX_SEQ}`,
			)
			.run(epoch).changes;
		this.db.exec('DELETE FROM events');
		return moved;
	}
}

/** Rows one INSERT statement takes at most (binding 32 rows a statement: ~5 µs a row against ~8 one by one). */
const ROWS_PER_INSERT = 32;

/** A seq as a bound of a key range: 0 to SEQ_MASK (above every seq). */
function clamp(seq: number): number {
	return Math.min(Math.max(Math.floor(seq), 0), SEQ_MASK);
}
