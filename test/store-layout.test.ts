import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, test} from 'node:test';
import Database from 'better-sqlite3';
import type {AppendItem} from '../src/hub/storage.js';
import {Store} from '../src/hub/store.js';
import {tempDir} from './helpers/hub.js';

/**
 * The store's events in the log (src/hub/event-log.ts) and the layout before it: a data
 * directory written by an earlier version opens and goes on, and so does one an earlier version
 * wrote into again after this one (a downgrade and back). The earlier layout is made here with
 * the SQL the earlier store ran, and written as it wrote.
 */

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
	dir = tempDir('zchat-layout-');
});
afterEach(() => dir.remove());

const EPOCH = 'OldEpoch';

/** The schema of the store before the log (main at e3bcb76), as it made it. */
function earlierLayout(path: string): Database.Database {
	const db = new Database(path);
	db.pragma('journal_mode = WAL');
	db.exec(`
		CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
		CREATE TABLE rooms (room TEXT PRIMARY KEY, seq INTEGER NOT NULL, topic TEXT NOT NULL DEFAULT '', locked INTEGER NOT NULL DEFAULT 0, creator TEXT, last INTEGER NOT NULL DEFAULT 0);
		CREATE TABLE events (room TEXT NOT NULL, seq INTEGER NOT NULL, json TEXT NOT NULL, origin TEXT, text TEXT, PRIMARY KEY (room, seq)) WITHOUT ROWID;
		CREATE UNIQUE INDEX events_origin ON events (origin) WHERE origin IS NOT NULL;
	`);
	db.prepare("INSERT INTO meta VALUES ('epoch', ?)").run(EPOCH);
	return db;
}

/** What an earlier store did for one message: the event beside its text, and the room's row. */
function earlierSay(db: Database.Database, room: string, text: string, origin: string): number {
	const head = (db.prepare('SELECT seq FROM rooms WHERE room = ?').pluck().get(room) as number | undefined) ?? 0;
	const seq = head + 1;
	const json = JSON.stringify({type: 'message', room, ts: 1000 + seq, from: 'old', seq, epoch: EPOCH});
	db.transaction(() => {
		db.prepare('INSERT INTO events (room, seq, json, text, origin) VALUES (?, ?, ?, ?, ?)').run(room, seq, json, text, origin);
		db.prepare('INSERT INTO rooms (room, seq, last) VALUES (?, ?, ?) ON CONFLICT (room) DO UPDATE SET seq = excluded.seq, last = excluded.last').run(room, seq, 1000 + seq);
	})();
	return seq;
}

const say = (room: string, text: string, origin: string): AppendItem => ({event: {type: 'message', room, ts: 5000, from: 'new', text}, origin});
const texts = (store: Store, room: string) => store.history(room, {limit: 1000}).events.map(e => (JSON.parse(e) as {text?: string}).text);

describe('the store’s layout', () => {
	test('a data directory of the earlier layout opens: its events move to the log, in order, and a resend of one is recognised', () => {
		const db = earlierLayout(join(dir.path, 'zchat.db'));
		for (let i = 1; i <= 30; i++) earlierSay(db, 'lobby', `lobby ${i}`, `s:${i}`);
		for (let i = 1; i <= 5; i++) earlierSay(db, 'dev', `dev ${i}`, `s:d${i}`);
		const published = db.prepare("SELECT json, text FROM events WHERE room = 'lobby' ORDER BY seq").raw().all() as Array<[string, string]>;
		db.close();

		const store = new Store({dataDir: dir.path, exclusive: false}); // so that the test can read the database beside it
		assert.equal(store.moved, 35);
		assert.equal(store.epoch, EPOCH);
		assert.equal(store.head('lobby'), 30);
		assert.deepEqual(
			store.history('lobby', {limit: 100}).events,
			published.map(([json, text]) => json.slice(0, -1) + ',"text":' + JSON.stringify(text) + '}'),
			'history gives back what the earlier version published, byte for byte',
		);
		const reader = new Database(join(dir.path, 'zchat.db'), {readonly: true});
		assert.equal(reader.prepare(`SELECT count(*) FROM log WHERE json LIKE '%"seq"%' OR json LIKE '%"epoch"%'`).pluck().get(), 0, 'kept without seq and epoch');
		reader.close();
		assert.deepEqual(store.history('lobby', {before: 11, limit: 3}).events.map(e => (JSON.parse(e) as {seq: number}).seq), [8, 9, 10]);
		assert.deepEqual(store.history('dev', {after: 3, limit: 10}).events.map(e => (JSON.parse(e) as {seq: number}).seq), [4, 5]);
		const results = store.append([say('lobby', 'lobby 30', 's:30'), say('lobby', 'new', 's:new')]);
		assert.deepEqual(
			results.map(r => [r.seq, r.duplicate]),
			[
				[30, true],
				[31, false],
			],
		);
		store.close();
		const again = new Store({dataDir: dir.path});
		assert.equal(again.moved, 0, 'moved once');
		assert.deepEqual(texts(again, 'dev'), ['dev 1', 'dev 2', 'dev 3', 'dev 4', 'dev 5']);
		again.close();
	});

	test('what an earlier version did to this layout (a downgrade) is mended at the next open', () => {
		let store = new Store({dataDir: dir.path});
		store.append([say('lobby', 'one', 'a:1'), say('dev', 'dev one', 'a:2'), say('gone', 'gone one', 'a:3')]);
		store.close();
		// The earlier version: it stores into `events`, makes a room (no number), forgets
		// `gone` (its events stay in the log) and makes it again.
		const db = new Database(join(dir.path, 'zchat.db'));
		earlierSay(db, 'lobby', 'two', 'a:4');
		earlierSay(db, 'made-by-old', 'old one', 'a:5');
		const goneHead = db.prepare("SELECT seq FROM rooms WHERE room = 'gone'").pluck().get() as number;
		db.exec("DELETE FROM events WHERE room = 'gone'; DELETE FROM rooms WHERE room = 'gone'");
		db.prepare("INSERT INTO rooms (room, seq) VALUES ('gone', ?)").run(goneHead);
		earlierSay(db, 'gone', 'gone again', 'a:6');
		db.close();

		store = new Store({dataDir: dir.path});
		assert.equal(store.moved, 3);
		assert.deepEqual(texts(store, 'lobby'), ['one', 'two']);
		assert.deepEqual(texts(store, 'made-by-old'), ['old one']);
		assert.deepEqual(texts(store, 'gone'), ['gone again'], 'the forgotten room’s events went with it');
		assert.deepEqual(texts(store, 'dev'), ['dev one']);
		const results = store.append([say('made-by-old', 'old one', 'a:5'), say('made-by-old', 'new two', 'a:7'), say('lobby', 'three', 'a:8')]);
		assert.deepEqual(
			results.map(r => [r.room, r.seq, r.duplicate]),
			[
				['made-by-old', 1, true],
				['made-by-old', 2, false],
				['lobby', 3, false],
			],
		);
		store.close();
	});

	test('a forgotten room’s number is used again, and the new room starts empty', () => {
		const store = new Store({dataDir: dir.path});
		store.append([say('a', 'a1', 'x:1'), say('b', 'b1', 'x:2')]);
		store.forget('a');
		store.append([say('c', 'c1', 'x:3')]);
		assert.deepEqual(texts(store, 'c'), ['c1']);
		assert.deepEqual(texts(store, 'b'), ['b1']);
		assert.deepEqual(texts(store, 'a'), []);
		store.close();
	});

	test('history has a room’s last `retention` events; older ones are deleted in runs of 1%, and were out of history before', () => {
		const store = new Store({dataDir: dir.path, exclusive: false, historyLimit: 1000});
		for (let i = 1; i <= 1234; i++) store.append([say('lobby', `line ${i}`, `o:${i}`)]);
		const seqs = (page: {events: readonly string[]}) => page.events.map(e => (JSON.parse(e) as {seq: number}).seq);
		const all = store.history('lobby', {after: 0, limit: 5000});
		assert.equal(all.events.length, 1000);
		assert.equal(seqs(all)[0], 235);
		assert.deepEqual(store.history('lobby', {before: 240, limit: 10}), {events: store.history('lobby', {after: 234, limit: 5}).events, more: false});
		assert.deepEqual(seqs(store.history('lobby', {after: 100, limit: 2})), [235, 236]);
		const reader = new Database(join(dir.path, 'zchat.db'), {readonly: true});
		const rows = reader.prepare('SELECT count(*) FROM log').pluck().get() as number;
		reader.close();
		assert.ok(rows >= 1000 && rows < 1010, `${rows} rows on disk: deleted 10 at a time`);
		store.close();
	});

	test('a batch of 70 message events writes at most 14 pages of WAL (18 in the earlier layout)', () => {
		const store = new Store({dataDir: dir.path, exclusive: false, autoCheckpoint: false, historyLimit: 1_000_000});
		const batch = (from: number) => Array.from({length: 70}, (_, i) => say('load', `load message ${from + i} ${'x'.repeat(50)}`, `AbCdEfGhIjKlMnOpQrStUv:m${from + i}`));
		for (let i = 0; i < 300; i++) store.append(batch(i * 70)); // ~3 levels of b-tree
		store.restartWal();
		store.append(batch(300 * 70)); // the WAL starts over here
		for (let i = 301; i < 351; i++) store.append(batch(i * 70));
		const wal = readFileSync(join(dir.path, 'zchat.db-wal'));
		const pageSize = wal.readUInt32BE(8);
		let frames = 0;
		let commits = 0;
		for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
			if (wal.readUInt32BE(at + 8) !== wal.readUInt32BE(16) || wal.readUInt32BE(at + 12) !== wal.readUInt32BE(20)) break;
			frames++;
			if (wal.readUInt32BE(at + 4) !== 0) commits++;
		}
		assert.equal(commits, 51);
		assert.ok(frames / commits <= 14, `${(frames / commits).toFixed(1)} pages a commit`);
		store.close();
	});
});
