import {fork, type ChildProcess} from 'node:child_process';
import {setPriority} from 'node:os';
import {fileURLToPath} from 'node:url';
import type {Reply, Request} from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/**
 * One load-generator process (worker.ts), driven over IPC: `request` sends it a Request and
 * resolves with its answer. The bench puts senders and subscribers in separate processes so
 * that the load generator can use the second core instead of competing with itself.
 */
export class LoadWorker {
	private nextId = 1;
	private readonly waiting = new Map<number, {resolve: (v: unknown) => void; reject: (e: Error) => void}>();
	private exited = false;

	private constructor(
		private readonly child: ChildProcess,
		readonly role: string,
	) {
		child.on('message', (reply: Reply) => {
			const w = this.waiting.get(reply.id);
			if (!w) return;
			this.waiting.delete(reply.id);
			if (reply.ok) w.resolve(reply.result);
			else w.reject(new Error(`${this.role}: ${reply.error}`));
		});
		child.on('exit', (code, signal) => {
			this.exited = true;
			for (const w of this.waiting.values()) w.reject(new Error(`the bench's ${this.role} process exited (${signal ?? code}) before answering`));
			this.waiting.clear();
		});
	}

	/**
	 * Fork a worker. `nice` lowers its scheduling priority: on a machine with few cores the
	 * load generator then uses the CPU the hub leaves, rather than taking turns with it.
	 */
	static start(role: string, nice: number): LoadWorker {
		// No inherited flags: a --cpu-prof meant for the hub must not profile the load generator.
		const child = fork(WORKER, [role], {execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
		if (nice !== 0 && child.pid !== undefined) {
			try {
				setPriority(child.pid, nice);
			} catch {
				// not allowed here: run at normal priority
			}
		}
		return new LoadWorker(child, role);
	}

	get pid(): number {
		return this.child.pid ?? -1;
	}

	request<T = unknown>(req: Request, timeoutMs = 60_000): Promise<T> {
		if (this.exited) return Promise.reject(new Error(`the bench's ${this.role} process has exited`));
		const id = this.nextId++;
		return new Promise<T>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.waiting.delete(id);
				reject(new Error(`the bench's ${this.role} process did not answer "${req.op}" within ${timeoutMs / 1000} s`));
			}, timeoutMs);
			this.waiting.set(id, {
				resolve: v => {
					clearTimeout(timer);
					resolve(v as T);
				},
				reject: e => {
					clearTimeout(timer);
					reject(e);
				},
			});
			this.child.send({id, req});
		});
	}

	/** Close its sockets (ending zchat sessions with bye) and let it exit. */
	async close(): Promise<void> {
		if (this.exited) return;
		const gone = new Promise<void>(resolve => this.child.once('exit', () => resolve()));
		try {
			await this.request({op: 'close'}, 10_000);
		} catch {
			// it is going away regardless
		}
		this.child.disconnect();
		const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
		await gone;
		clearTimeout(timer);
	}
}
