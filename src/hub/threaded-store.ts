import {join} from 'node:path';
import {Worker} from 'node:worker_threads';
import Database from 'better-sqlite3';
import {ZchatError} from '../errors.js';
import type {BanInfo} from '../protocol/types.js';
import type {WorkerData, WorkerReply, WorkerRequest} from './store-worker.js';
import {activeBan, activeBans, ensureDataDir, Store, type AppendItem, type AppendResult, type HistoryPage, type HistoryQuery, type HubStorage} from './store.js';

interface Batch {
	readonly items: AppendItem[];
	/** Each caller's share of the items, and whom to tell. */
	readonly parts: Array<{readonly from: number; readonly count: number; readonly done: (result: AppendResult[] | Error) => void}>;
}

export interface ThreadedStoreOptions {
	readonly dataDir: string;
	readonly historyLimit?: number;
	/** The operator's log (storage problems the threads report). */
	readonly log?: (line: string) => void;
	/** Called after each batch is settled (its `done` called), so the hub can send what followed. */
	readonly onSettled?: () => void;
}

/**
 * The history on disk, without stalling the hub's event loop.
 *
 * A SQLite commit waits on the disk, and a WAL checkpoint fsyncs: on the main thread they
 * held up everything else for 4 µs a message on average and 3–4 ms at each checkpoint
 * (docs/PERFORMANCE.md). Here a writer thread commits the batches (giving each event its
 * seq, as Store does) and a checkpointer thread keeps the WAL short; the main thread keeps a
 * read connection for history pages and mirrors heads, topics, locks and bans in memory, so
 * every question the hub asks is answered at once.
 *
 * One hub per data directory: `zchat.lock` (an SQLite file) is held with an exclusive lock
 * for as long as the store is open; the operating system lets go of it if the hub dies.
 */
export class ThreadedStore implements HubStorage {
	/** The batch the writer has now, if any: its items, and whose they are. */
	private inFlight: Batch | undefined;
	/** What came while it was busy: sent as one batch when it is done (group commit). */
	private next: Batch | undefined;
	private drained: Array<() => void> = [];
	private closing: Promise<void> | undefined;

	private constructor(
		private readonly lock: Database.Database,
		private readonly reader: Store,
		private readonly writer: Worker,
		private readonly checkpointer: Worker,
		private readonly options: ThreadedStoreOptions,
	) {
		writer.on('message', (reply: WorkerReply) => this.fromWriter(reply));
		checkpointer.on('message', (reply: WorkerReply) => {
			if (reply.op === 'log') this.options.log?.(reply.line);
		});
		for (const w of [writer, checkpointer]) {
			w.on('error', err => this.options.log?.(`the storage thread failed: ${err.message}`));
			w.unref();
		}
	}

	/** Open the data directory: take its lock, open the read connection, start both threads. */
	static async open(options: ThreadedStoreOptions): Promise<ThreadedStore> {
		ensureDataDir(options.dataDir);
		const lock = takeLock(options.dataDir);
		let reader: Store | undefined;
		const started: Worker[] = [];
		try {
			reader = new Store({dataDir: options.dataDir, exclusive: false, autoCheckpoint: false, ...(options.historyLimit === undefined ? {} : {historyLimit: options.historyLimit})});
			for (const role of ['writer', 'checkpointer'] as const) {
				const workerData: WorkerData = {role, dataDir: options.dataDir, ...(options.historyLimit === undefined ? {} : {historyLimit: options.historyLimit})};
				const worker = new Worker(new URL('./store-worker.js', import.meta.url), {workerData});
				started.push(worker);
				await ready(worker, role);
			}
			return new ThreadedStore(lock, reader, started[0]!, started[1]!, options);
		} catch (err) {
			for (const w of started) void w.terminate();
			reader?.close();
			lock.close();
			throw err;
		}
	}

	get epoch(): string {
		return this.reader.epoch;
	}

	get path(): string {
		return this.reader.path;
	}

	head(room: string): number {
		return this.reader.head(room);
	}

	topic(room: string): string {
		return this.reader.topic(room);
	}

	topicLocked(room: string): boolean {
		return this.reader.topicLocked(room);
	}

	get roomCount(): number {
		return this.reader.roomCount;
	}

	history(room: string, query: HistoryQuery): HistoryPage {
		return this.reader.history(room, query);
	}

	ban(kind: 'nick' | 'key', target: string, now: number): BanInfo | undefined {
		return activeBan(this, kind, target, now);
	}

	bans(now: number): BanInfo[] {
		return activeBans(this, now);
	}

	cachedBan(kind: 'nick' | 'key', key: string): BanInfo | undefined {
		return this.reader.cachedBan(kind, key);
	}

	cachedBans(): BanInfo[] {
		return this.reader.cachedBans();
	}

	/** Bans hold in memory at once; the writer records them (a failure to is logged). */
	addBan(key: string, ban: BanInfo): void {
		this.reader.cacheBan(key, ban);
		this.post({op: 'addBan', key, ban});
	}

	removeBan(kind: 'nick' | 'key', key: string): boolean {
		if (!this.reader.uncacheBan(kind, key)) return false;
		this.post({op: 'removeBan', kind, key});
		return true;
	}

	/**
	 * Commit a batch. One batch is with the writer at a time; batches given meanwhile wait and
	 * go together as the next one, so under load a commit carries many and costs little each,
	 * while a lone message goes at once.
	 */
	commit(items: readonly AppendItem[], done: (result: AppendResult[] | Error) => void): void {
		if (this.closing) {
			done(new Error('the history database is closing'));
			return;
		}
		const batch = (this.next ??= {items: [], parts: []});
		batch.parts.push({from: batch.items.length, count: items.length, done});
		batch.items.push(...items);
		if (!this.inFlight) this.sendNext();
	}

	/** Resolves once every batch given so far is settled. */
	drain(): Promise<void> {
		if (!this.inFlight && !this.next) return Promise.resolve();
		return new Promise(resolve => this.drained.push(resolve));
	}

	private sendNext(): void {
		this.inFlight = this.next;
		this.next = undefined;
		if (this.inFlight) this.post({op: 'append', items: this.inFlight.items});
	}

	/** Settle what is in flight, checkpoint, and close the threads, the connection and the lock. */
	close(): Promise<void> {
		this.closing ??= (async () => {
			await this.drain();
			await Promise.all([this.writer, this.checkpointer].map(w => closeWorker(w)));
			this.reader.close();
			this.lock.close();
		})();
		return this.closing;
	}

	private post(req: WorkerRequest): void {
		this.writer.postMessage(req);
	}

	private fromWriter(reply: WorkerReply): void {
		if (reply.op === 'log') return this.options.log?.(reply.line);
		if (reply.op !== 'appended' && reply.op !== 'failed') return;
		const batch = this.inFlight;
		if (!batch) return;
		this.sendNext();
		if (reply.op === 'appended') {
			this.reader.noteAppended(batch.items, reply.results);
			for (const part of batch.parts) part.done(reply.results.slice(part.from, part.from + part.count));
		} else {
			const err = Object.assign(new Error(reply.message), reply.code === undefined ? {} : {code: reply.code});
			for (const part of batch.parts) part.done(err);
		}
		this.options.onSettled?.();
		if (!this.inFlight && !this.next) {
			const waiters = this.drained;
			this.drained = [];
			for (const w of waiters) w();
		}
	}
}

/** The data directory's lock: an SQLite file held exclusively, or a clear error when another hub has it. */
function takeLock(dataDir: string): Database.Database {
	let lock: Database.Database | undefined;
	try {
		lock = new Database(join(dataDir, 'zchat.lock'), {timeout: 200});
		lock.pragma('locking_mode = EXCLUSIVE');
		lock.exec('CREATE TABLE IF NOT EXISTS hub (pid INTEGER); BEGIN EXCLUSIVE; DELETE FROM hub; INSERT INTO hub VALUES (' + process.pid + '); COMMIT');
		return lock;
	} catch (err) {
		lock?.close();
		const code = (err as {code?: string}).code ?? '';
		if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
			throw new ZchatError(`the data directory ${dataDir} is in use by another running hub: stop it, or pass --data with another directory`, 2);
		}
		if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') {
			throw new ZchatError(`cannot open the history database ${join(dataDir, 'zchat.db')}: the directory is read-only (pass --data with another directory, or --memory)`, 2);
		}
		throw new ZchatError(`cannot open the history database ${join(dataDir, 'zchat.db')}: ${(err as Error).message} (pass --data with another directory, or --memory)`, 2);
	}
}

function ready(worker: Worker, role: string): Promise<void> {
	return new Promise((resolve, reject) => {
		const onMessage = (reply: WorkerReply) => {
			if (reply.op !== 'ready') return;
			cleanup();
			resolve();
		};
		const onError = (err: Error) => {
			cleanup();
			reject(err instanceof ZchatError ? err : new ZchatError(`the storage ${role} could not start: ${err.message}`, 1));
		};
		const onExit = (code: number) => {
			cleanup();
			reject(new ZchatError(`the storage ${role} stopped at start (exit ${code})`, 1));
		};
		const cleanup = () => {
			worker.off('message', onMessage);
			worker.off('error', onError);
			worker.off('exit', onExit);
		};
		worker.on('message', onMessage);
		worker.on('error', onError);
		worker.on('exit', onExit);
	});
}

function closeWorker(worker: Worker): Promise<void> {
	return new Promise(resolve => {
		const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
		worker.on('exit', () => {
			clearTimeout(timer);
			resolve();
		});
		worker.postMessage({op: 'close'} satisfies WorkerRequest);
	});
}
