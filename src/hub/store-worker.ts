import {parentPort, workerData} from 'node:worker_threads';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import type {BanInfo} from '../protocol/types.js';
import {Store, type AppendItem} from './store.js';

/**
 * The threads of the threaded store (threaded-store.ts), one file for both roles:
 * - `writer`: the one connection that writes. It commits each batch it is sent and answers
 *   with the results (or the error), in order.
 * - `checkpointer`: copies the WAL into the database now and then (what SQLite would
 *   otherwise do inside a commit, fsync included, stalling it for milliseconds).
 */

export type WorkerRequest =
	| {readonly op: 'append'; readonly items: readonly AppendItem[]}
	| {readonly op: 'addBan'; readonly key: string; readonly ban: BanInfo}
	| {readonly op: 'removeBan'; readonly kind: 'nick' | 'key'; readonly key: string}
	| {readonly op: 'close'};

export type WorkerReply =
	| {readonly op: 'ready'}
	| {readonly op: 'appended'; readonly results: ReturnType<Store['append']>}
	| {readonly op: 'failed'; readonly message: string; readonly code?: string}
	| {readonly op: 'log'; readonly line: string}
	| {readonly op: 'closed'};

export interface WorkerData {
	readonly role: 'writer' | 'checkpointer';
	readonly dataDir: string;
	readonly historyLimit?: number;
	/** Checkpointer: how often to look at the WAL. */
	readonly everyMs?: number;
}

const port = parentPort!;
const data = workerData as WorkerData;
const post = (reply: WorkerReply) => port.postMessage(reply);

function errorReply(err: unknown): WorkerReply {
	const code = (err as {code?: unknown}).code;
	return {op: 'failed', message: err instanceof Error ? err.message : String(err), ...(typeof code === 'string' ? {code} : {})};
}

if (data.role === 'writer') {
	const store = new Store({dataDir: data.dataDir, exclusive: false, autoCheckpoint: false, ...(data.historyLimit === undefined ? {} : {historyLimit: data.historyLimit})});
	port.on('message', (req: WorkerRequest) => {
		switch (req.op) {
			case 'append':
				try {
					post({op: 'appended', results: store.append(req.items)});
				} catch (err) {
					post(errorReply(err));
				}
				return;
			case 'addBan':
			case 'removeBan':
				try {
					if (req.op === 'addBan') store.addBan(req.key, req.ban);
					else store.removeBan(req.kind, req.key);
				} catch (err) {
					post({op: 'log', line: `could not write a ban change to the history database: ${(err as Error).message} (it holds until the hub restarts)`});
				}
				return;
			case 'close':
				store.close();
				post({op: 'closed'});
				port.close();
				return;
		}
	});
	post({op: 'ready'});
} else {
	const db = new Database(join(data.dataDir, 'zchat.db'), {timeout: 5000});
	db.pragma('wal_autocheckpoint = 0');
	let lastError = 0;
	const checkpoint = (mode: 'PASSIVE' | 'TRUNCATE') => {
		try {
			db.pragma(`wal_checkpoint(${mode})`);
		} catch (err) {
			// A full disk or a busy database: the WAL waits for the next try. Say so, not too often.
			const now = Date.now();
			if (now - lastError > 10_000) post({op: 'log', line: `checkpointing the history database failed: ${(err as Error).message}`});
			lastError = now;
		}
	};
	const timer = setInterval(() => checkpoint('PASSIVE'), data.everyMs ?? 200);
	port.on('message', (req: WorkerRequest) => {
		if (req.op !== 'close') return;
		clearInterval(timer);
		checkpoint('TRUNCATE');
		db.close();
		post({op: 'closed'});
		port.close();
	});
	post({op: 'ready'});
}
