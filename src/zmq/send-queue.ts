import type {MessageLike} from 'zeromq';

/** The one thing a SendQueue needs from a socket. */
export interface Sender {
	send(message: MessageLike | MessageLike[]): Promise<void>;
}

/**
 * A queue in front of a zeromq socket. zeromq.js allows one pending send() per socket (a
 * second one fails with EBUSY), so every send goes through here: messages are sent one
 * after another, in order, and push() never waits.
 */
export class SendQueue {
	private readonly queue: MessageLike[][] = [];
	private head = 0;
	private running = false;
	private idleWaiters: Array<() => void> = [];

	constructor(
		private readonly socket: Sender,
		/** Called when a send fails (the socket closed, or a send timeout): the message is dropped. */
		private readonly onError: (err: unknown) => void = () => {},
	) {}

	get length(): number {
		return this.queue.length - this.head;
	}

	push(frames: MessageLike[]): void {
		this.queue.push(frames);
		if (!this.running) void this.pump();
	}

	/** Resolves when everything pushed so far has been handed to the socket. */
	idle(): Promise<void> {
		if (!this.running && this.length === 0) return Promise.resolve();
		return new Promise(resolve => this.idleWaiters.push(resolve));
	}

	/** Forget everything not yet sent. */
	clear(): void {
		this.queue.length = 0;
		this.head = 0;
	}

	private async pump(): Promise<void> {
		this.running = true;
		while (this.head < this.queue.length) {
			const frames = this.queue[this.head]!;
			this.queue[this.head++] = undefined as never;
			if (this.head > 1024 && this.head * 2 > this.queue.length) {
				this.queue.splice(0, this.head);
				this.head = 0;
			}
			try {
				await this.socket.send(frames);
			} catch (err) {
				this.onError(err);
			}
		}
		this.queue.length = 0;
		this.head = 0;
		this.running = false;
		const waiters = this.idleWaiters;
		this.idleWaiters = [];
		for (const w of waiters) w();
	}
}
