/**
 * Where a commit's pages of WAL go: a build's Store (its dist/src/hub/store.js) appends the
 * bench's load (one session, 70-character lines, ids m1, m2 …) in batches, then the WAL of
 * the last commits is read frame by frame and each page named by the b-tree it belongs to
 * (SQLite's dbstat). Exact and quiet-machine-proof: it counts pages, not time.
 *
 *   npm run build && node dist/bench/wal-pages.js [--builds this,/work/main] [--batch 70] [--warm 100000] [--commits 200] [--keep 1000000]
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import Database from 'better-sqlite3';
import type {AppendItem} from '../src/hub/storage.js';

const {values} = parseArgs({
	options: {
		builds: {type: 'string', default: 'this'},
		batch: {type: 'string', default: '70'},
		warm: {type: 'string', default: '100000'},
		commits: {type: 'string', default: '200'},
		keep: {type: 'string', default: '1000000'},
	},
});
const THIS = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const batch = Number(values.batch);

interface LoadStore {
	append(items: readonly AppendItem[]): unknown;
	restartWal(): boolean;
	close(): void;
}

async function measure(root: string): Promise<string> {
	const {Store} = (await import(pathToFileURL(join(root, 'dist/src/hub/store.js')).href)) as {Store: new (o: object) => LoadStore};
	const dir = mkdtempSync(join(tmpdir(), 'zchat-wal-pages-'));
	try {
		const store = new Store({dataDir: dir, exclusive: false, autoCheckpoint: false, walKeep: 64 << 20, historyLimit: Number(values.keep)});
		let id = 0;
		const append = () => {
			const items: AppendItem[] = [];
			for (let i = 0; i < batch; i++) {
				id++;
				const head = `load message ${id} `;
				items.push({event: {type: 'message', room: 'load', ts: Date.now(), from: 'bot1', text: head + 'x'.repeat(Math.max(1, 70 - head.length))}, origin: `AbCdEfGhIjKlMnOpQrStUv:m${id}`});
			}
			store.append(items);
		};
		for (let i = 0; i < Number(values.warm) / batch; i++) append();
		store.restartWal();
		append(); // the WAL starts over here
		for (let i = 0; i < Number(values.commits); i++) append();
		// Read while the store is open: closing the last connection checkpoints the WAL away.
		const said = describe(dir);
		store.close();
		return said;
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

/** Frames of the WAL's current run (same salts as its header), by b-tree, a commit. */
function describe(dir: string): string {
	const wal = readFileSync(join(dir, 'zchat.db-wal'));
	const pageSize = wal.readUInt32BE(8);
	const pages: number[] = [];
	let commits = 0;
	for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
		if (wal.readUInt32BE(at + 8) !== wal.readUInt32BE(16) || wal.readUInt32BE(at + 12) !== wal.readUInt32BE(20)) break;
		pages.push(wal.readUInt32BE(at));
		if (wal.readUInt32BE(at + 4) !== 0) commits++;
	}
	const db = new Database(join(dir, 'zchat.db'), {readonly: true});
	const owner = new Map<number, string>();
	for (const r of db.prepare('SELECT name, pageno, pagetype FROM dbstat').all() as Array<{name: string; pageno: number; pagetype: string}>) {
		owner.set(r.pageno, r.name + (r.pagetype === 'internal' ? ' (inner)' : r.pagetype === 'overflow' ? ' (overflow)' : ''));
	}
	const size = db.prepare('PRAGMA page_count').pluck().get() as number;
	db.close();
	const by = new Map<string, number>();
	for (const p of pages) {
		const name = p === 1 ? 'page 1 (header)' : (owner.get(p) ?? 'free list');
		by.set(name, (by.get(name) ?? 0) + 1);
	}
	const split = [...by].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${(n / commits).toFixed(2)}`);
	return `${(pages.length / commits).toFixed(2)} pages a commit of ${batch} (${Math.round((pages.length * (pageSize + 24)) / (commits * batch))} bytes of WAL an event), database ${size} pages\n    ${split.join(' · ')}`;
}

for (const b of values.builds.split(',')) {
	const root = b === 'this' ? THIS : b;
	console.log(`${root}: ${await measure(root)}`);
}
