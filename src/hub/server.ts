import {roomTopic} from '../protocol/topic.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {Access} from './access.js';
import {CommandPort} from './command-port.js';
import {HubCore, type Outbox} from './core.js';
import {feedMessages} from './feed-messages.js';
import {FeedServer} from './feed/feed-server.js';
import type {FeedLimits} from './feed/limits.js';
import type {FrontDoorLimits} from './front-door/limits.js';
import {listenError} from './listen-error.js';
import type {RateLimit} from './rate-limit.js';
import type {HubStorage} from './storage.js';
import {Store} from './store.js';
import {DiskStore} from './disk-store.js';

export interface HubServerOptions {
	/** Address to listen on. @default "127.0.0.1" */
	readonly host?: string;
	/** Command port (the hub's own ROUTER); 0 picks a free one. @default 5555 */
	readonly subPort?: number;
	/** Feed port (the hub's own PUB); 0 picks a free one. @default 5556 */
	readonly pubPort?: number;
	/** Data directory for history; undefined keeps it in memory. */
	readonly dataDir?: string;
	/** Events kept per room. @default 10000 */
	readonly historyLimit?: number;
	/** Session time to live without traffic. @default 10000 */
	readonly ttlMs?: number;
	readonly maxSessions?: number;
	/**
	 * Feed messages queued per subscriber before the feed drops for that subscriber (who then
	 * repairs the gap from history); the feed's byte bound (feed/limits.ts) holds as well.
	 * @default 1000 (the CLI gives DEFAULT_FEED_HWM)
	 */
	readonly feedHwm?: number;
	/** The feed port's limits per subscriber and in all (feed/limits.ts), for tests. @default DEFAULT_FEED_LIMITS */
	readonly feedLimits?: Partial<FeedLimits>;
	readonly version?: string;
	readonly log?: (line: string) => void;
	/**
	 * The hub's CURVE key pair (Z85): both ports encrypt and authenticate, and `access` decides
	 * who gets in (both ports ask it themselves, at the handshake and again when it changes).
	 * Without it the hub is open and unencrypted.
	 */
	readonly curve?: {readonly publicKey: string; readonly secretKey: string};
	/** Who may connect (with `curve`), reserved nicks, operators, bans. @default anyone, no operators */
	readonly access?: (store: HubStorage) => Access;
	/** The flood limit per session and per sender, with its byte budget; undefined for none. */
	readonly rateLimit?: RateLimit;
	/** An empty room with no event for this long is forgotten; undefined keeps every room. @default 7 days */
	readonly roomIdleMs?: number | undefined;
	/** Most rooms one sender may have made that the hub still keeps. @default 32 */
	readonly roomsPerSender?: number;
	/** A connection must finish its ZMTP handshake within this long. @default 3000 */
	readonly handshakeMs?: number;
	/** The command port's limits per connection and in all (front-door/limits.ts), for tests. @default DEFAULT_LIMITS */
	readonly commandLimits?: Partial<FrontDoorLimits>;
}

/**
 * The hub's transport: its own command port (front door, batches of commands in, one write a
 * connection per flush out) and its own feed port (a PUB on the wire, one write a subscriber
 * per flush). Each batch of commands is flushed as one: the store commits it in one transaction.
 */
export class HubServer {
	readonly core: HubCore;
	readonly store: HubStorage;
	readonly access: Access;
	/** The command port; set once it listens. */
	commands!: CommandPort;
	/** The feed port; set once it listens. */
	feed!: FeedServer;
	private readonly options: HubServerOptions;
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
		this.core = new HubCore(this.store, Date.now(), {
			...(options.ttlMs === undefined ? {} : {ttlMs: options.ttlMs}),
			...(options.maxSessions === undefined ? {} : {maxSessions: options.maxSessions}),
			...(options.version === undefined ? {} : {version: options.version}),
			...(options.rateLimit === undefined ? {} : {rateLimit: options.rateLimit}),
			...('roomIdleMs' in options ? {roomIdleMs: options.roomIdleMs} : {}),
			...(options.roomsPerSender === undefined ? {} : {roomsPerSender: options.roomsPerSender}),
			access: this.access,
			// The command port knows every connection: its source address, and on a hub with keys
			// the key it proved; a connection it no longer has gets nothing served.
			connectionInfo: (peer: Buffer) => this.commands.infoOf(peer),
			transportStats: (peer: Buffer) => this.commands.stats(peer),
			log: this.log,
		});
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
			hub.commands = await listenCommands(hub, options);
			hub.subPort = hub.commands.port;
			hub.feed = await listenFeed(hub, options);
			hub.pubPort = hub.feed.port;
		} catch (err) {
			await hub.commands?.stop();
			await hub.store.close();
			throw err;
		}
		const every = Math.max(100, Math.min(1000, Math.floor(hub.core.ttlMs / 4)));
		hub.timer = setInterval(() => hub.tick(), every);
		return hub;
	}

	/** Where clients connect their DEALER or REQ. */
	get routerEndpoint(): string {
		return tcpEndpoint(this.host, this.subPort);
	}

	/** Where clients connect their SUB. */
	get pubEndpoint(): string {
		return tcpEndpoint(this.host, this.pubPort);
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
			for (const chunk of feedMessages(events)) this.feed.queue(topic, chunk);
		}
		this.feed.flush();
		if (out.revoked) this.closeRevoked();
	}

	/**
	 * Keys lost the right to connect (a ban, SIGHUP with keys removed): close their command and
	 * feed connections at once, and only theirs. Reconnecting, they are refused at the handshake.
	 */
	private closeRevoked(): void {
		this.commands.closeRevoked();
		if (!this.options.curve) return;
		const now = Date.now();
		this.feed.closeWhere(sub => sub.key !== undefined && this.access.refuses(sub.key, now) !== undefined);
	}

	/**
	 * Access decisions changed (SIGHUP): end the sessions of keys no longer admitted (they are
	 * told why) and close their command and feed connections.
	 */
	accessChanged(): number {
		const ended = this.core.revalidate(Date.now());
		this.flush();
		this.closeRevoked();
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
		this.stopped = true;
		// Both ports write what is queued and close every connection (1 s at most).
		await Promise.all([this.commands.stop(), this.feed.stop()]);
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
		throw listenError(err, hub.host, port, '--sub');
	}
}

/** Listen on the feed port, turning a listen error into one line that names the flag to change. */
async function listenFeed(hub: HubServer, options: HubServerOptions): Promise<FeedServer> {
	const port = options.pubPort ?? 5556;
	try {
		return await FeedServer.listen({
			host: hub.host,
			port,
			...(options.curve ? {curve: options.curve, admit: (key: string) => hub.access.refuses(key, Date.now())?.why} : {}),
			limits: {
				...(options.handshakeMs === undefined ? {} : {handshakeMs: options.handshakeMs}),
				...(options.feedHwm === undefined ? {} : {maxQueuedMessages: options.feedHwm}),
				...options.feedLimits,
			},
			onSubscribers: count => (hub.core.connections.pub = count),
			log: line => options.log?.(line),
		});
	} catch (err) {
		throw listenError(err, hub.host, port, '--pub');
	}
}
