import {join} from 'node:path';
import {Worker} from 'node:worker_threads';
import Database from 'better-sqlite3';
import {ZchatError} from '../errors.js';
import type {BanInfo} from '../protocol/types.js';
import type {CheckpointerCommand, CheckpointerData, CheckpointerMessage} from './checkpointer.js';
import {cannotOpen, dataDirInUse, ensureDataDir} from './data-dir.js';
import type {KeptMute} from './mute-list.js';
import type {AppendItem, AppendResult, HistoryPage, HistoryQuery, HubStorage, StoredRoom} from './storage.js';
import {Store} from './store.js';

export interface DiskStoreOptions {
	readonly dataDir: string;
	readonly historyLimit?: number;
	/** The operator's log (checkpoint failures). */
	readonly log?: (line: string) => void;
	/** How often the checkpointer looks at the WAL. @default 1000 */
	readonly checkpointEveryMs?: number;
	/** The WAL's size (bytes) past which the hub starts it over itself. @default 64 MiB */
	readonly walBound?: number;
}

/** The WAL's bound: past it, the hub's own connection starts the WAL over (see DiskStore). */
export const DEFAULT_WAL_BOUND = 64 * 1024 * 1024;

/**
 * The hub's history on disk: a Store on this thread for commits and reads, and a thread that
 * checkpoints the WAL.
 *
 * SQLite checkpoints inside a commit by default, copying the WAL into the database and
 * fsyncing it, which held up the hub's event loop for 3–4 ms every few hundred commits and
 * made the latency tail (docs/PERFORMANCE.md). Here commits only append to the WAL (no fsync
 * with synchronous=NORMAL), and the checkpointer thread does the copying and fsyncing on its
 * own connection, which does not block them. (Committing on a writer thread as well was
 * measured too: on two cores its thread hops cost more than they saved.)
 *
 * Under steady load the checkpointer's PASSIVE checkpoints never catch up with the WAL's end,
 * so SQLite never starts the WAL over and the file grows without end. Past `walBound` the
 * thread asks, and this thread checkpoints with RESTART on the writer's connection, between
 * appends: it copies only what the last PASSIVE left, and the next commit starts the WAL over,
 * cutting the file back to the bound (journal_size_limit; cutting it to nothing stalled that
 * commit twice as long).
 *
 * One hub per data directory: `zchat.lock` (an SQLite file) is held with an exclusive lock for
 * as long as the store is open; the operating system lets go of it if the hub dies.
 */
export class DiskStore implements HubStorage {
	private closing: Promise<void> | undefined;
	/** Times the WAL was started over on the checkpointer's asking (for tests and stats). */
	walRestarts = 0;

	private constructor(
		private readonly lock: Database.Database,
		private readonly store: Store,
		private readonly checkpointer: Worker,
		private readonly log: (line: string) => void,
	) {
		checkpointer.on('message', (m: CheckpointerMessage) => {
			if (m.op === 'log') this.log(m.line);
			else if (m.op === 'restart') this.restartWal();
		});
		checkpointer.on('error', err => this.log(`the checkpointer thread failed: ${err.message} (the WAL grows until the hub restarts)`));
		checkpointer.unref();
	}

	/** Take the data directory's lock, open the database, start the checkpointer. */
	static async open(options: DiskStoreOptions): Promise<DiskStore> {
		ensureDataDir(options.dataDir);
		const lock = takeLock(options.dataDir);
		let store: Store | undefined;
		let checkpointer: Worker | undefined;
		try {
			store = new Store({dataDir: options.dataDir, exclusive: false, autoCheckpoint: false, walKeep: options.walBound ?? DEFAULT_WAL_BOUND, ...(options.historyLimit === undefined ? {} : {historyLimit: options.historyLimit})});
			if (store.moved > 0) options.log?.(`moved ${store.moved} events of history to this version's layout (once)`);
			const workerData: CheckpointerData = {dataDir: options.dataDir, everyMs: options.checkpointEveryMs ?? 1000, walBound: options.walBound ?? DEFAULT_WAL_BOUND};
			// It runs one statement a second and allocates next to nothing: a small heap keeps
			// the hub's memory down (each thread has its own V8 heap).
			checkpointer = new Worker(new URL('./checkpointer.js', import.meta.url), {
				workerData,
				resourceLimits: {maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16},
			});
			await started(checkpointer);
			return new DiskStore(lock, store, checkpointer, options.log ?? (() => {}));
		} catch (err) {
			void checkpointer?.terminate();
			store?.close();
			lock.close();
			throw err;
		}
	}

	get epoch(): string {
		return this.store.epoch;
	}

	get path(): string {
		return this.store.path;
	}

	get retention(): number {
		return this.store.retention;
	}

	head(room: string): number {
		return this.store.head(room);
	}

	topic(room: string): string {
		return this.store.topic(room);
	}

	topicLocked(room: string): boolean {
		return this.store.topicLocked(room);
	}

	has(room: string): boolean {
		return this.store.has(room);
	}

	get roomCount(): number {
		return this.store.roomCount;
	}

	rooms(): StoredRoom[] {
		return this.store.rooms();
	}

	forget(room: string): void {
		this.store.forget(room);
	}

	mutes(): Array<[string, KeptMute]> {
		return this.store.mutes();
	}

	putMute(id: string, mute: KeptMute): void {
		this.store.putMute(id, mute);
	}

	deleteMute(id: string): void {
		this.store.deleteMute(id);
	}

	sawKey(nickKey: string, key: string, now: number): void {
		this.store.sawKey(nickKey, key, now);
	}

	keysOf(nickKey: string): string[] {
		return this.store.keysOf(nickKey);
	}

	history(room: string, query: HistoryQuery): HistoryPage {
		return this.store.history(room, query);
	}

	ban(kind: 'nick' | 'key', target: string, now: number): BanInfo | undefined {
		return this.store.ban(kind, target, now);
	}

	bans(now: number): BanInfo[] {
		return this.store.bans(now);
	}

	addBan(key: string, ban: BanInfo): void {
		this.store.addBan(key, ban);
	}

	removeBan(kind: 'nick' | 'key', key: string): boolean {
		return this.store.removeBan(kind, key);
	}

	append(items: readonly AppendItem[]): AppendResult[] {
		return this.store.append(items);
	}

	/** The checkpointer found the WAL past its bound: checkpoint it on this connection so it starts over. */
	private restartWal(): void {
		if (this.closing !== undefined) return;
		try {
			if (this.store.restartWal()) this.walRestarts++;
		} catch (err) {
			this.log(`starting the history database's WAL over failed: ${(err as Error).message} (it is tried again at the next checkpoint)`);
		}
		const answer: CheckpointerCommand = {op: 'restarted'};
		this.checkpointer.postMessage(answer);
	}

	/** Checkpoint once more and stop the thread, then close the database and the lock. */
	close(): Promise<void> {
		this.closing ??= (async () => {
			await stopped(this.checkpointer);
			this.store.close();
			this.lock.close();
		})();
		return this.closing;
	}
}

/** The data directory's lock: an SQLite file held exclusively, or a clear error when another hub has it. */
function takeLock(dataDir: string): Database.Database {
	let lock: Database.Database | undefined;
	try {
		lock = new Database(join(dataDir, 'zchat.lock'), {timeout: 200});
		lock.pragma('locking_mode = EXCLUSIVE');
		lock.exec(`CREATE TABLE IF NOT EXISTS hub (pid INTEGER); BEGIN EXCLUSIVE; DELETE FROM hub; INSERT INTO hub VALUES (${process.pid}); COMMIT`);
		return lock;
	} catch (err) {
		lock?.close();
		const code = (err as {code?: string}).code ?? '';
		if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw dataDirInUse(dataDir);
		const why = code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' ? 'the directory is read-only' : (err as Error).message;
		throw cannotOpen(join(dataDir, 'zchat.db'), why);
	}
}

function started(worker: Worker): Promise<void> {
	return new Promise((resolve, reject) => {
		const cleanup = () => {
			worker.off('message', onMessage);
			worker.off('error', onError);
			worker.off('exit', onExit);
		};
		const onMessage = (m: CheckpointerMessage) => {
			if (m.op !== 'ready') return;
			cleanup();
			resolve();
		};
		const onError = (err: Error) => {
			cleanup();
			reject(new ZchatError(`the checkpointer thread could not start: ${err.message}`, 1));
		};
		const onExit = (code: number) => {
			cleanup();
			reject(new ZchatError(`the checkpointer thread stopped at start (exit ${code})`, 1));
		};
		worker.on('message', onMessage);
		worker.on('error', onError);
		worker.on('exit', onExit);
	});
}

function stopped(worker: Worker): Promise<void> {
	return new Promise(resolve => {
		const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 5000);
		worker.once('exit', () => {
			clearTimeout(timer);
			resolve();
		});
		const stop: CheckpointerCommand = 'stop';
		worker.postMessage(stop);
	});
}
