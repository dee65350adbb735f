import {Worker} from 'node:worker_threads';
import type {GuardOptions} from './zmtp-guard.js';

/**
 * The ZMTP guard (zmtp-guard.ts) on a thread of its own. It relays every byte of every client
 * of an open hub: on the hub's event loop that was a socket write per message, and its two
 * Node sockets per client doubled the hub's JavaScript heap with 1000 clients connected
 * (docs/PERFORMANCE.md). Here it has its own event loop and a small heap; the hub's thread
 * only hears where it listens, its log lines, and when it has stopped.
 */

export type GuardThreadData = Omit<GuardOptions, 'log'>;

export type GuardThreadMessage =
	| {readonly op: 'listening'; readonly port: number}
	| {readonly op: 'failed'; readonly code?: string; readonly message: string}
	| {readonly op: 'log'; readonly line: string}
	| {readonly op: 'closed'};

export class GuardThread {
	private constructor(
		private readonly worker: Worker,
		readonly port: number,
	) {}

	/** Start the guard; rejects with an error carrying the listen error's code (EADDRINUSE …). */
	static start(options: GuardOptions): Promise<GuardThread> {
		const {log, ...data} = options;
		const worker = new Worker(new URL('./guard-worker.js', import.meta.url), {
			workerData: data satisfies GuardThreadData,
			resourceLimits: {maxYoungGenerationSizeMb: 4},
		});
		worker.on('message', (m: GuardThreadMessage) => {
			if (m.op === 'log') log(m.line);
		});
		return new Promise((resolve, reject) => {
			const onMessage = (m: GuardThreadMessage) => {
				if (m.op === 'listening') {
					cleanup();
					worker.on('error', err => log(`the connection guard failed: ${err.message}`));
					resolve(new GuardThread(worker, m.port));
				} else if (m.op === 'failed') {
					cleanup();
					void worker.terminate();
					reject(Object.assign(new Error(m.message), m.code === undefined ? {} : {code: m.code}));
				}
			};
			const onError = (err: Error) => {
				cleanup();
				reject(err);
			};
			const cleanup = () => {
				worker.off('message', onMessage);
				worker.off('error', onError);
			};
			worker.on('message', onMessage);
			worker.on('error', onError);
		});
	}

	/** Stop listening and drop every connection. */
	close(): Promise<void> {
		return new Promise(resolve => {
			const timer = setTimeout(() => void this.worker.terminate().then(() => resolve()), 2000);
			this.worker.once('exit', () => {
				clearTimeout(timer);
				resolve();
			});
			this.worker.postMessage('close');
		});
	}
}
