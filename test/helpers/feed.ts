/**
 * The feed port on its own for tests: a FeedServer on a free port of 127.0.0.1, zeromq.js SUB
 * sockets that record what they get.
 */
import * as zmq from 'zeromq';
import {FeedServer, type FeedServerOptions} from '../../src/hub/feed/feed-server.js';
import {waitFor} from './wait.js';

export async function startFeed(options: Partial<FeedServerOptions> = {}): Promise<FeedServer & {endpoint: string}> {
	const feed = await FeedServer.listen({port: 0, ...options});
	return Object.assign(feed, {endpoint: `tcp://127.0.0.1:${feed.port}`});
}

/** Wait until the feed holds `n` subscriptions in all (a SUB's subscribe() reaches it a moment later). */
export function subscriptionsReach(feed: FeedServer, n: number, timeoutMs = 10_000): Promise<true> {
	return waitFor(() => `${n} subscriptions (have ${feed.stats().subscriptions})`, () => feed.stats().subscriptions >= n, timeoutMs);
}

/** A zeromq.js SUB that keeps every message it receives, as text frames. */
export class RecordingSub {
	readonly socket: zmq.Subscriber;
	readonly messages: string[][] = [];
	private readonly loop: Promise<void>;

	constructor(endpoint: string, prefixes: readonly string[], options: Partial<zmq.SocketOptions<zmq.Subscriber>> = {}) {
		const socket = new zmq.Subscriber({linger: 0, ...options});
		this.socket = socket;
		socket.connect(endpoint);
		for (const p of prefixes) socket.subscribe(p);
		this.loop = (async () => {
			try {
				for await (const frames of socket) this.messages.push(frames.map(f => f.toString('utf8')));
			} catch {
				// closed
			}
		})();
	}

	async close(): Promise<void> {
		this.socket.close();
		await this.loop;
	}
}
