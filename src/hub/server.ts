import {readFileSync} from 'node:fs';
import * as zmq from 'zeromq';
import {ZchatError} from '../errors.js';
import {MAX_FRAME_BYTES} from '../protocol/limits.js';
import {roomTopic} from '../protocol/topic.js';
import {closeSocket, traceClose} from '../zmq/close.js';
import {bindOrExplain, endpointPort, tcpEndpoint} from '../zmq/endpoint.js';
import {SendQueue} from '../zmq/send-queue.js';
import {Access} from './access.js';
import {HubCore, type Outbox} from './core.js';
import type {RateLimit} from './rate-limit.js';
import type {HubStorage} from './storage.js';
import {Store} from './store.js';
import {DiskStore} from './disk-store.js';
import {PUB_DOMAIN, ROUTER_DOMAIN, ZapHandler} from './zap.js';
import {GuardThread} from './guard-thread.js';

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
	/**
	 * The hub's CURVE key pair (Z85): both sockets encrypt and authenticate, and a ZAP handler
	 * decides who gets in (`access`). Without it the hub is open and unencrypted.
	 */
	readonly curve?: {readonly publicKey: string; readonly secretKey: string};
	/** Who may connect (with `curve`), reserved nicks, operators, bans. @default anyone, no operators */
	readonly access?: (store: HubStorage) => Access;
	/** Flood limit per session; undefined for none. */
	readonly rateLimit?: RateLimit;
	/** A connection must finish its ZMTP handshake within this long. @default 3000 */
	readonly handshakeMs?: number;
	/**
	 * Open hub only: put the ZMTP guard in front of the ROUTER (see zmtp-guard.ts). Without it
	 * any peer can abort the hub. Only for measuring what the guard costs. @default true
	 */
	readonly guard?: boolean;
	/** Hub with keys only, for tests: do not start the ZAP handler (then nobody can get in). @default true */
	readonly zap?: boolean;
}

/**
 * Feed events per PUB message at most: a busy room's batch is split into messages this size,
 * which bounds what a stalled subscriber can hold up (feedHwm × this many events).
 */
const EVENTS_PER_PUBLISH = 64;

/** Longest stretch of receiving before the hub flushes (stores, acks, publishes) what it has. */
const BATCH_MS = 2;

/**
 * How long a feed socket replaced on SIGHUP may go on delivering what was already queued for
 * its subscribers. Not 0: a feed message has several frames, and libzmq aborts when a
 * connection half-way through one is cut (src/zmq/close.ts).
 */
const FEED_LINGER_MS = 500;

/**
 * The hub's transport: a ROUTER for commands and a PUB for the feed, one receive loop, a
 * send queue per socket, and a flush after each burst of input so the store commits a batch
 * in one transaction.
 */
export class HubServer {
	readonly core: HubCore;
	readonly store: HubStorage;
	readonly access: Access;
	readonly router: zmq.Router;
	publisher: zmq.Publisher;
	/** With keys: the ZAP handler (admission, routing ids, the key of each connection). */
	zap: ZapHandler | undefined;
	/** Open hub: the guard in front of the ROUTER. */
	guard: GuardThread | undefined;
	private readonly context: zmq.Context | undefined;
	private readonly routerQueue: SendQueue;
	private pubQueue: SendQueue;
	private readonly options: HubServerOptions;
	private rebinding: Promise<void> | undefined;
	private flushScheduled = false;
	private timer: NodeJS.Timeout | undefined;
	private loop: Promise<void> | undefined;
	private stopped = false;
	readonly host: string;
	subPort = 0;
	pubPort = 0;
	private readonly log: (line: string) => void;

	private constructor(options: HubServerOptions, store: HubStorage) {
		this.options = options;
		this.host = options.host ?? '127.0.0.1';
		this.log = options.log ?? (() => {});
		this.store = store;
		this.access = options.access?.(this.store) ?? new Access(this.store);
		// A hub with keys gets a context of its own: the ZAP handler is bound per context.
		this.context = options.curve ? new zmq.Context() : undefined;
		this.core = new HubCore(this.store, Date.now(), {
			...(options.ttlMs === undefined ? {} : {ttlMs: options.ttlMs}),
			...(options.maxSessions === undefined ? {} : {maxSessions: options.maxSessions}),
			...(options.version === undefined ? {} : {version: options.version}),
			...(options.rateLimit === undefined ? {} : {rateLimit: options.rateLimit}),
			access: this.access,
			...(options.curve ? {connectionKey: (peer: Buffer) => this.zap?.keyOf(peer)} : {}),
			log: this.log,
		});
		this.router = new zmq.Router({
			...this.security(ROUTER_DOMAIN),
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
			// Half-open connections and stalled handshakes are dropped after this long.
			handshakeInterval: options.handshakeMs ?? 3000,
			linger: 500,
		});
		this.publisher = this.makePublisher();
		this.countConnections(this.router, 'router');
		this.routerQueue = new SendQueue(this.router, err => this.sendFailed('ROUTER', err));
		this.pubQueue = new SendQueue(this.publisher, err => this.sendFailed('PUB', err));
	}

	/** Socket options for CURVE with a ZAP domain, enforced (fail closed), or none for an open hub. */
	private security(domain: string): Partial<zmq.SocketOptions<zmq.Router>> {
		const curve = this.options.curve;
		if (!curve) return {};
		return {context: this.context!, curveServer: true, curveSecretKey: curve.secretKey, curvePublicKey: curve.publicKey, zapDomain: domain, zapEnforceDomain: true};
	}

	private makePublisher(): zmq.Publisher {
		const publisher = new zmq.Publisher({
			...(this.security(PUB_DOMAIN) as Partial<zmq.SocketOptions<zmq.Publisher>>),
			sendHighWaterMark: this.options.feedHwm ?? 1000,
			linger: 500,
			heartbeatInterval: 2000,
			heartbeatTimeout: 6000,
			handshakeInterval: this.options.handshakeMs ?? 3000,
			maxMessageSize: 4096,
		});
		// A new feed socket starts with no subscribers.
		this.core.connections.pub = 0;
		this.countConnections(publisher, 'pub');
		return publisher;
	}

	/** Bind both sockets and start serving. Throws ZchatError (exit code 2) when a port or host is unusable. */
	static async start(options: HubServerOptions = {}): Promise<HubServer> {
		const historyLimit = options.historyLimit === undefined ? {} : {historyLimit: options.historyLimit};
		// History on disk has a checkpointer thread, so WAL checkpoints never hold up the event
		// loop; a throw-away hub keeps it in memory.
		const store: HubStorage =
			options.dataDir === undefined ? new Store(historyLimit) : await DiskStore.open({dataDir: options.dataDir, ...historyLimit, log: line => options.log?.(line)});
		const hub = new HubServer(options, store);
		try {
			if (options.curve && options.zap !== false) hub.zap = await ZapHandler.start(hub.context!, hub.access, hub.log);
			if (options.curve || options.guard === false) {
				await bindOrExplain(hub.router, hub.host, options.subPort ?? 5555, '--sub');
				hub.subPort = endpointPort(hub.router.lastEndpoint ?? '');
			} else {
				// Open hub: the ROUTER listens on a loopback port behind the guard. Not a unix
				// socket: libzmq 4.3.5 aborts the process when accepting on one fails for want of
				// file descriptors (ipc_listener.cpp:297), which a flood of connections to the
				// PUB port brings about; over TCP it waits until one is free.
				await hub.router.bind('tcp://127.0.0.1:0');
				hub.guard = await listenGuard(hub, endpointPort(hub.router.lastEndpoint ?? ''), options);
				hub.subPort = hub.guard.port;
			}
			await bindOrExplain(hub.publisher, hub.host, options.pubPort ?? 5556, '--pub');
		} catch (err) {
			await hub.guard?.close();
			await hub.zap?.close();
			await Promise.all([closeSocket(hub.router, {label: 'hub commands'}), closeSocket(hub.publisher, {label: 'hub feed'})]);
			await hub.store.close();
			throw err;
		}
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

	/** Where clients connect their DEALER (the guard's port on an open hub). */
	get routerEndpoint(): string {
		return this.guard ? tcpEndpoint(this.host, this.subPort) : (this.router.lastEndpoint ?? '');
	}

	get pubEndpoint(): string {
		return this.publisher.lastEndpoint ?? '';
	}

	private async receiveLoop(): Promise<void> {
		try {
			let batchStarted = Date.now();
			for await (const [peer, ...frames] of this.router) {
				const now = Date.now();
				this.core.receive(peer!, frames, now);
				this.scheduleFlush();
				// zeromq.js hands over queued messages without returning to the event loop.
				// Under a flood that would keep everyone's replies (and the feed) waiting for
				// a whole batch: after a few milliseconds of work, let the flush run.
				if (now - batchStarted >= BATCH_MS) {
					await new Promise(resolve => setImmediate(resolve));
					batchStarted = Date.now();
				}
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
		if (out.revoked) void this.reauthenticateFeed().catch(() => {});
	}

	private sendFailed(socket: string, err: unknown): void {
		if (!this.stopped && !this.rebinding) this.log(`${socket} send failed: ${(err as Error).message}`);
	}

	/**
	 * Keys lost the right to connect (a ban, SIGHUP with keys removed). Their sessions have
	 * ended, but a SUB connection that authenticated earlier would go on receiving the feed:
	 * replace the PUB socket, so every subscriber connects and authenticates again. Clients
	 * reconnect on their own and repair the gap from history; refused keys stay out.
	 */
	reauthenticateFeed(): Promise<void> {
		if (!this.options.curve || this.stopped) return Promise.resolve();
		if (this.rebinding) return this.rebinding;
		this.rebinding = (async () => {
			const endpoint = this.publisher.lastEndpoint!;
			const old = this.publisher;
			traceClose(`hub: replacing the feed socket ${endpoint}`);
			await Promise.race([this.pubQueue.idle(), delay(200)]);
			// Closed, not unbound (src/zmq/close.ts); its port is free again once its listener is.
			await closeSocket(old, {label: 'hub feed (replaced)', linger: FEED_LINGER_MS, until: 'unbound'});
			// A socket nothing uses yet: binding it (on a libuv thread) is safe.
			const fresh = this.makePublisher();
			for (let attempt = 0; ; attempt++) {
				try {
					await fresh.bind(endpoint);
					break;
				} catch (err) {
					if (attempt >= 50) {
						this.log(`cannot listen on ${endpoint} again after replacing the feed socket: ${(err as Error).message}`);
						throw err;
					}
					await delay(20);
				}
			}
			this.publisher = fresh;
			this.pubQueue = new SendQueue(fresh, err => this.sendFailed('PUB', err));
			this.log('feed socket replaced: every subscriber authenticates again');
		})().finally(() => {
			this.rebinding = undefined;
		});
		return this.rebinding;
	}

	/**
	 * Access decisions changed (SIGHUP): end the sessions of keys no longer admitted and, when
	 * keys were taken off the list, make every subscriber authenticate again.
	 */
	async accessChanged(keysRemoved: boolean): Promise<number> {
		const ended = this.core.revalidate(Date.now());
		this.send(this.core.flush());
		if (keysRemoved || ended > 0) await this.reauthenticateFeed();
		return ended;
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
		await this.rebinding?.catch(() => {});
		await this.guard?.close();
		// Close, never unbind: zeromq.js unbinds on another thread while the receive loop goes on
		// using the ROUTER, and libzmq aborts the process (src/zmq/close.ts). Waiting until libzmq
		// has destroyed both sockets frees the ports for a hub started on them at once.
		await Promise.all([closeSocket(this.router, {label: 'hub commands'}), closeSocket(this.publisher, {label: 'hub feed'})]);
		await this.loop;
		await this.zap?.close();
		await this.store.close();
	}
}

async function listenGuard(hub: HubServer, backendPort: number, options: HubServerOptions): Promise<GuardThread> {
	const port = options.subPort ?? 5555;
	try {
		return await GuardThread.start({
			host: hub.host,
			port,
			backendPort,
			handshakeMs: options.handshakeMs ?? 3000,
			maxConnections: connectionBudget(),
			log: line => options.log?.(line),
		});
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		if (code === 'EADDRINUSE') throw new ZchatError(`port ${port} is in use: pass --sub to pick another`, 2);
		if (code === 'EACCES') throw new ZchatError(`port ${port} needs privileges to bind: pass --sub with a port above 1023`, 2);
		if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EINVAL') {
			throw new ZchatError(`cannot listen on host "${hub.host}" (not an address of this machine): pass --host with one, e.g. 127.0.0.1 or 0.0.0.0`, 2);
		}
		throw new ZchatError(`cannot listen on ${tcpEndpoint(hub.host, port)}: ${(err as Error).message}`, 2);
	}
}

/**
 * How many client connections the guard takes at once: each uses four file descriptors (the
 * client's socket, the relay to the ROUTER, the ROUTER's end of it, and the client's SUB
 * connection to the PUB), and some are kept for the store, logs and libzmq. Read from the
 * process's limit of open files (Linux), else a conservative default.
 */
export function connectionBudget(): number {
	try {
		const limits = readFileSync('/proc/self/limits', 'utf8');
		const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
		const soft = m && m[1] !== 'unlimited' ? Number(m[1]) : 1_000_000;
		return Math.max(8, Math.floor((soft - 64) / 4));
	} catch {
		return 1000;
	}
}

function delay(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms).unref());
}
