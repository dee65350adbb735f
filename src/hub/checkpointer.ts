import {statSync} from 'node:fs';
import {join} from 'node:path';
import {parentPort, workerData} from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * The checkpointer thread of the disk store (disk-store.ts): on a connection of its own, it
 * copies the WAL into the database now and then (PASSIVE: it never blocks the hub's commits),
 * and once more (TRUNCATE) when told to stop. PASSIVE never starts the WAL over while commits
 * keep coming, so past a bound it asks the writer (the main thread) to RESTART it.
 */

export interface CheckpointerData {
	readonly dataDir: string;
	/** How often to checkpoint. */
	readonly everyMs: number;
	/** The WAL's size (bytes) past which the writer is asked to start it over. */
	readonly walBound: number;
}

/** From the thread to the main thread. */
export type CheckpointerMessage = {readonly op: 'ready'} | {readonly op: 'log'; readonly line: string} | {readonly op: 'restart'};
/** From the main thread to the thread. */
export type CheckpointerCommand = 'stop' | {readonly op: 'restarted'};

const port = parentPort!;
const data = workerData as CheckpointerData;
const post = (m: CheckpointerMessage) => port.postMessage(m);

const db = new Database(join(data.dataDir, 'zchat.db'), {timeout: 5000});
db.pragma('wal_autocheckpoint = 0');
let lastError = 0;

function checkpoint(mode: 'PASSIVE' | 'TRUNCATE'): void {
	try {
		db.pragma(`wal_checkpoint(${mode})`);
	} catch (err) {
		// A full disk or a busy database: the WAL waits for the next try. Say so, not too often.
		const now = Date.now();
		if (now - lastError > 10_000) post({op: 'log', line: `checkpointing the history database failed: ${(err as Error).message}`});
		lastError = now;
	}
}

const walPath = join(data.dataDir, 'zchat.db-wal');
/** A restart was asked for and not yet answered: ask once. */
let asked = false;

function walSize(): number {
	try {
		return statSync(walPath).size;
	} catch {
		return 0;
	}
}

function tick(): void {
	checkpoint('PASSIVE');
	const size = walSize();
	if (size <= data.walBound) asked = false;
	else if (!asked) {
		asked = true;
		post({op: 'restart'});
	}
}

const timer = setInterval(tick, data.everyMs);
port.on('message', (m: CheckpointerCommand) => {
	if (m !== 'stop') {
		asked = false;
		return;
	}
	clearInterval(timer);
	checkpoint('TRUNCATE');
	db.close();
	port.close();
});
post({op: 'ready'});
