import * as zmq from 'zeromq';
import {MAX_FRAME_BYTES} from '../protocol/limits.js';
import {roomTopic} from '../protocol/topic.js';
import {bindOrExplain, endpointPort} from '../zmq/endpoint.js';
import {SendQueue} from '../zmq/send-queue.js';
import {HubCore, type Outbox} from './core.js';
import {Store} from './store.js';

export interface HubServerOptions {
	/** Address to listen on. @default "127.0.0.1" */
	readonly host?: string;
	/** ROUTER port (commands in); 0 picks a free one. @default 5555 */
	readonly subPort?: number;
	/** PUB port (feed out); 0 picks a free one. @default 5556 */
	readonly pubPort?: number;
	/** Data directory for history; undefined keeps it in memory. */
	readonly dataDir?: string;
	/** Events kept per room. @default 10000 */
	readonly historyLimit?: number;
	/** Session time to live without traffic. @default 10000 */
	readonly ttlMs?: number;
	readonly maxSessions?: number;
	/**
	 * Feed messages queued per subscriber before the PUB drops for that subscriber (who then
	 * repairs the gap from history). Lower uses less memory for stalled clients. @default 1000
	 */
	readonly feedHwm?: number;
	readonly version?: string;
	readonly log?: (line: string) => void;
}

/**
 * Feed events per PUB message at most: a busy room's batch is split into messages this size,
 * which bounds what a stalled subscriber can hold up (feedHwm × this many events).
 */
const EVENTS_PER_PUBLISH = 64;

/**
 * The hub's transport: a ROUTER for commands and a PUB for the feed, one receive loop, a
 * send queue per socket, and a flush after each burst of input so the store commits a batch
 * in one transaction.
 */
export class HubServer {
	readonly core: HubCore;
	readonly store: Store;
	readonly router: zmq.Router;
	readonly publisher: zmq.Publisher;
	private readonly routerQueue: SendQueue;
	private readonly pubQueue: SendQueue;
	private flushScheduled = false;
	private timer: NodeJS.Timeout | undefined;
	private loop: Promise<void> | undefined;
	private stopped = false;
	readonly host: string;
	subPort = 0;
	pubPort = 0;
	private readonly log: (line: string) => void;

	private constructor(options: HubServerOptions) {
		this.host = options.host ?? '127.0.0.1';
		this.log = options.log ?? (() => {});
		this.store = new Store({
			...(options.dataDir === undefined ? {} : {dataDir: options.dataDir}),
			...(options.historyLimit === undefined ? {} : {historyLimit: options.historyLimit}),
		});
		this.core = new HubCore(this.store, Date.now(), {
			...(options.ttlMs === undefined ? {} : {ttlMs: options.ttlMs}),
			...(options.maxSessions === undefined ? {} : {maxSessions: options.maxSessions}),
			...(options.version === undefined ? {} : {version: options.version}),
			log: this.log,
		});
		this.router = new zmq.Router({
			// Frames between our 64 KiB limit and this get a clear bad_frame reply; larger
			// ones make libzmq drop the peer.
			maxMessageSize: MAX_FRAME_BYTES * 16,
			sendHighWaterMark: 10_000,
			receiveHighWaterMark: 10_000,
			mandatory: false,
			handover: false,
			heartbeatInterval: 2000,
			heartbeatTimeout: 6000,
			heartbeatTimeToLive: 6000,
			handshakeInterval: 5000,
			linger: 500,
		});
		this.publisher = new zmq.Publisher({sendHighWaterMark: options.feedHwm ?? 1000, linger: 500, heartbeatInterval: 2000, heartbeatTimeout: 6000});
		this.countConnections(this.router, 'router');
		this.countConnections(this.publisher, 'pub');
		this.routerQueue = new SendQueue(this.router, err => this.sendFailed('ROUTER', err));
		this.pubQueue = new SendQueue(this.publisher, err => this.sendFailed('PUB', err));
	}

	/** Bind both sockets and start serving. Throws ZchatError (exit code 2) when a port or host is unusable. */
	static async start(options: HubServerOptions = {}): Promise<HubServer> {
		const hub = new HubServer(options);
		try {
			await bindOrExplain(hub.router, hub.host, options.subPort ?? 5555, '--sub');
			await bindOrExplain(hub.publisher, hub.host, options.pubPort ?? 5556, '--pub');
		} catch (err) {
			hub.router.close();
			hub.publisher.close();
			hub.store.close();
			throw err;
		}
		hub.subPort = endpointPort(hub.router.lastEndpoint ?? '');
		hub.pubPort = endpointPort(hub.publisher.lastEndpoint ?? '');
		hub.loop = hub.receiveLoop();
		const every = Math.max(100, Math.min(1000, Math.floor(hub.core.ttlMs / 4)));
		hub.timer = setInterval(() => hub.tick(), every);
		return hub;
	}

	/** Keep the core's count of a socket's open connections (accepted minus disconnected) for stats. */
	private countConnections(socket: zmq.Router | zmq.Publisher, which: 'router' | 'pub'): void {
		const counts = this.core.connections;
		socket.events.on('accept', () => counts[which]++);
		socket.events.on('disconnect', () => (counts[which] = Math.max(0, counts[which] - 1)));
	}

	get routerEndpoint(): string {
		return this.router.lastEndpoint ?? '';
	}

	get pubEndpoint(): string {
		return this.publisher.lastEndpoint ?? '';
	}

	private async receiveLoop(): Promise<void> {
		try {
			for await (const [peer, ...frames] of this.router) {
				this.core.receive(peer!, frames, Date.now());
				this.scheduleFlush();
			}
		} catch (err) {
			if (!this.stopped) this.log(`receive loop ended: ${(err as Error).message}`);
		}
	}

	private scheduleFlush(): void {
		if (this.flushScheduled) return;
		this.flushScheduled = true;
		setImmediate(() => {
			this.flushScheduled = false;
			this.send(this.core.flush());
		});
	}

	private tick(): void {
		this.core.tick(Date.now());
		if (this.core.hasWork) this.send(this.core.flush());
	}

	private send(out: Outbox): void {
		for (const r of out.replies) {
			this.routerQueue.push(r.envelope === 'req' ? [r.peer, '', ...r.frames] : [r.peer, ...r.frames]);
		}
		for (const {room, events} of out.publish) {
			const topic = roomTopic(room);
			for (let i = 0; i < events.length; i += EVENTS_PER_PUBLISH) {
				this.pubQueue.push([topic, ...events.slice(i, i + EVENTS_PER_PUBLISH)]);
			}
		}
	}

	private sendFailed(socket: string, err: unknown): void {
		if (!this.stopped) this.log(`${socket} send failed: ${(err as Error).message}`);
	}

	/**
	 * Stop: tell every client, publish everyone's leaving, give the sockets a moment to
	 * deliver, close them and the store.
	 */
	async stop(reason = 'hub shutting down'): Promise<void> {
		if (this.stopped) return;
		if (this.timer) clearInterval(this.timer);
		this.core.shutdown(Date.now(), reason);
		this.send(this.core.flush());
		await Promise.race([Promise.all([this.routerQueue.idle(), this.pubQueue.idle()]), delay(1000)]);
		this.stopped = true;
		// Unbind first and wait: close() alone releases the ports some time later, and a hub
		// restarted at once on the same ports would find them in use.
		await Promise.allSettled([this.router.unbind(this.routerEndpoint), this.publisher.unbind(this.pubEndpoint)]);
		this.router.close();
		this.publisher.close();
		await this.loop;
		this.store.close();
	}
}

function delay(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms).unref());
}
