import * as zmq from 'zeromq';
import {ZchatError} from '../errors.js';
import {roomTopic} from '../protocol/topic.js';
import {bindOrExplain, endpointPort, tcpEndpoint} from '../zmq/endpoint.js';
import {SendQueue} from '../zmq/send-queue.js';
import {Access} from './access.js';
import {CommandPort} from './command-port.js';
import {HubCore, type Outbox} from './core.js';
import type {FrontDoorLimits} from './front-door/limits.js';
import type {RateLimit} from './rate-limit.js';
import type {HubStorage} from './storage.js';
import {Store} from './store.js';
import {DiskStore} from './disk-store.js';
import {PUB_DOMAIN, ZapHandler} from './zap.js';

export interface HubServerOptions {
	/** Address to listen on. @default "127.0.0.1" */
	readonly host?: string;
	/** Command port (the hub's own ROUTER); 0 picks a free one. @default 5555 */
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
	 * The hub's CURVE key pair (Z85): both ports encrypt and authenticate, and `access` decides
	 * who gets in (the command port asks it itself, the feed's PUB through a ZAP handler).
	 * Without it the hub is open and unencrypted.
	 */
	readonly curve?: {readonly publicKey: string; readonly secretKey: string};
	/** Who may connect (with `curve`), reserved nicks, operators, bans. @default anyone, no operators */
	readonly access?: (store: HubStorage) => Access;
	/** Flood limit per session; undefined for none. */
	readonly rateLimit?: RateLimit;
	/** A connection must finish its ZMTP handshake within this long. @default 3000 */
	readonly handshakeMs?: number;
	/** The command port's limits per connection and in all (front-door/limits.ts), for tests. @default DEFAULT_LIMITS */
	readonly commandLimits?: Partial<FrontDoorLimits>;
	/** Hub with keys only, for tests: do not start the feed's ZAP handler (then nobody can subscribe). @default true */
	readonly zap?: boolean;
}

/**
 * Feed events per PUB message at most: a busy room's batch is split into messages this size,
 * which bounds what a stalled subscriber can hold up (feedHwm × this many events).
 */
const EVENTS_PER_PUBLISH = 64;

/**
 * The hub's transport: its own command port (front door, batches of commands in, one write a
 * connection per flush out) and libzmq's PUB for the feed with a send queue. Each batch of
 * commands is flushed as one: the store commits it in one transaction.
 */
export class HubServer {
	readonly core: HubCore;
	readonly store: HubStorage;
	readonly access: Access;
	/** The command port; set once it listens. */
	commands!: CommandPort;
	publisher: zmq.Publisher;
	/** With keys: the feed's ZAP handler (admission to the PUB). */
	zap: ZapHandler | undefined;
	private readonly context: zmq.Context | undefined;
	private pubQueue: SendQueue;
	private readonly options: HubServerOptions;
	private rebinding: Promise<void> | undefined;
	private timer: NodeJS.Timeout | undefined;
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
			// With keys every connection of the command port has the key it proved; a closed one has none.
			...(options.curve ? {connectionKey: (peer: Buffer) => this.commands.infoOf(peer)?.key} : {}),
			transportStats: (peer: Buffer) => this.commands.stats(peer),
			log: this.log,
		});
		this.publisher = this.makePublisher();
		this.pubQueue = new SendQueue(this.publisher, err => this.sendFailed('PUB', err));
	}

	/** Socket options for CURVE with a ZAP domain, enforced (fail closed), or none for an open hub. */
	private security(domain: string): Partial<zmq.SocketOptions<zmq.Publisher>> {
		const curve = this.options.curve;
		if (!curve) return {};
		return {context: this.context!, curveServer: true, curveSecretKey: curve.secretKey, curvePublicKey: curve.publicKey, zapDomain: domain, zapEnforceDomain: true};
	}

	private makePublisher(): zmq.Publisher {
		const publisher = new zmq.Publisher({
			...this.security(PUB_DOMAIN),
			sendHighWaterMark: this.options.feedHwm ?? 1000,
			linger: 500,
			heartbeatInterval: 2000,
			heartbeatTimeout: 6000,
			handshakeInterval: this.options.handshakeMs ?? 3000,
			maxMessageSize: 4096,
		});
		// A new feed socket starts with no subscribers.
		const counts = this.core.connections;
		counts.pub = 0;
		publisher.events.on('accept', () => counts.pub++);
		publisher.events.on('disconnect', () => (counts.pub = Math.max(0, counts.pub - 1)));
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
			hub.commands = await listenCommands(hub, options);
			hub.subPort = hub.commands.port;
			await bindOrExplain(hub.publisher, hub.host, options.pubPort ?? 5556, '--pub');
		} catch (err) {
			await hub.commands?.stop();
			await hub.zap?.close();
			hub.publisher.close();
			await hub.store.close();
			throw err;
		}
		hub.pubPort = endpointPort(hub.publisher.lastEndpoint ?? '');
		const every = Math.max(100, Math.min(1000, Math.floor(hub.core.ttlMs / 4)));
		hub.timer = setInterval(() => hub.tick(), every);
		return hub;
	}

	/** Where clients connect their DEALER or REQ. */
	get routerEndpoint(): string {
		return tcpEndpoint(this.host, this.subPort);
	}

	get pubEndpoint(): string {
		return this.publisher.lastEndpoint ?? '';
	}

	/** Store what the core has and send everything it gives (after a batch of commands, a tick, an access change). */
	flush(): void {
		this.send(this.core.flush());
	}

	private tick(): void {
		this.core.tick(Date.now());
		if (this.core.hasWork) this.flush();
	}

	private send(out: Outbox): void {
		for (const r of out.replies) this.commands.reply(r.peer, r.envelope, r.frames);
		for (const {room, events} of out.publish) {
			const topic = roomTopic(room);
			for (let i = 0; i < events.length; i += EVENTS_PER_PUBLISH) {
				this.pubQueue.push([topic, ...events.slice(i, i + EVENTS_PER_PUBLISH)]);
			}
		}
		if (out.revoked) {
			this.commands.closeRevoked();
			void this.reauthenticateFeed().catch(() => {});
		}
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
			await Promise.race([this.pubQueue.idle(), delay(200)]);
			old.linger = 0;
			old.close();
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
	 * Access decisions changed (SIGHUP): end the sessions of keys no longer admitted (they are
	 * told why), close their command connections, and, when keys were taken off the list,
	 * make every subscriber authenticate again.
	 */
	async accessChanged(keysRemoved: boolean): Promise<number> {
		const ended = this.core.revalidate(Date.now());
		this.flush();
		this.commands.closeRevoked();
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
		this.flush();
		await Promise.race([this.pubQueue.idle(), delay(1000)]);
		this.stopped = true;
		await this.rebinding?.catch(() => {});
		// The command port writes what is queued and closes every connection (1 s at most).
		await this.commands.stop();
		// Unbind first and wait: close() alone releases the port some time later, and a hub
		// restarted at once on the same ports would find it in use.
		await this.publisher.unbind(this.pubEndpoint).catch(() => {});
		this.publisher.close();
		await this.zap?.close();
		await this.store.close();
	}
}

/** Listen on the command port, turning a listen error into one line that names the flag to change. */
async function listenCommands(hub: HubServer, options: HubServerOptions): Promise<CommandPort> {
	const port = options.subPort ?? 5555;
	try {
		return await CommandPort.listen({
			host: hub.host,
			port,
			curve: options.curve,
			access: hub.access,
			core: hub.core,
			flush: () => hub.flush(),
			limits: {...(options.handshakeMs === undefined ? {} : {handshakeMs: options.handshakeMs}), ...options.commandLimits},
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

function delay(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms).unref());
}
