/**
 * The hub's command port: a ZMTP 3 server that is a ROUTER on the wire (NULL or CURVE), takes
 * DEALER and REQ peers, hands the core one batch of whole messages per turn of the event loop,
 * and writes each connection's replies in one piece per flush.
 */
import {createServer, type Server, type Socket} from 'node:net';
import {z85Decode} from '../../protocol/z85.js';
import {Connection, type DoorSide} from './connection.js';
import type {CurveKeys} from './curve.js';
import {DEFAULT_LIMITS, type FrontDoorLimits} from './limits.js';
import type {Batch, CloseReason, Closed, Envelope, Inbound, Peer} from './types.js';

export interface FrontDoorOptions {
	/** Address to listen on. @default "127.0.0.1" */
	readonly host?: string;
	/** Port; 0 picks a free one. */
	readonly port: number;
	/** CURVE with this key pair (Z85); without it the door speaks NULL (no encryption). */
	readonly curve?: {readonly publicKey: string; readonly secretKey: string};
	/**
	 * CURVE: whether a client's long-term key (Z85) may connect, asked once per handshake after
	 * its vouch is checked. Return undefined to admit, or why not (for the log); the client is
	 * told "400", which libzmq reports as an authentication failure. @default admit everyone
	 */
	readonly admit?: (key: string, address: string) => string | undefined;
	/** Everything read since the last batch, once per turn of the event loop. */
	readonly onBatch: (batch: Batch) => void;
	readonly limits?: Partial<FrontDoorLimits>;
	readonly log?: (line: string) => void;
}

/** Door-wide counters: connections refused on arrival, and closes by reason. */
export interface FrontDoorStats {
	readonly connections: number;
	/** Of those, still in their greeting or handshake. */
	readonly handshaking: number;
	readonly accepted: number;
	readonly refusedOverLimit: number;
	readonly refusedPerAddress: number;
	readonly closed: Readonly<Partial<Record<CloseReason, number>>>;
	readonly messagesIn: number;
	readonly batches: number;
}

export class FrontDoor {
	readonly limits: FrontDoorLimits;
	private readonly conns = new Map<number, Connection>();
	private readonly perAddress = new Map<string, number>();
	private readonly side: DoorSide;
	private nextId = 1;
	private inbox: Inbound[] = [];
	private closedList: Closed[] = [];
	private batchScheduled = false;
	private flushScheduled = false;
	private inBatch = false;
	/** Connections with replies queued since the last flush. */
	private dirty = new Set<Connection>();
	/** Connections that gave a batch all it takes and wait to read on. */
	private full: Connection[] = [];
	private readonly counts = {accepted: 0, refusedOverLimit: 0, refusedPerAddress: 0, messagesIn: 0, batches: 0};
	private readonly closes: Partial<Record<CloseReason, number>> = {};
	private readonly sweep: NodeJS.Timeout;
	private stopping = false;

	private constructor(
		private readonly server: Server,
		private readonly options: FrontDoorOptions,
	) {
		this.limits = {...DEFAULT_LIMITS, ...options.limits};
		const curve = options.curve ? rawKeys(options.curve) : undefined;
		const log = options.log ?? (() => {});
		this.side = {
			limits: this.limits,
			curve,
			admit: options.admit,
			deliver: (conn, envelope, frames) => this.deliver(conn, envelope, frames),
			ended: (conn, reason, detail) => this.ended(conn, reason, detail),
			log,
		};
		// One timer for every connection: handshake deadlines and heartbeats, to a quarter of the shortest.
		const every = Math.max(10, Math.floor(Math.min(this.limits.handshakeMs, this.limits.heartbeatIntervalMs) / 4));
		this.sweep = setInterval(() => this.tick(), every);
		this.sweep.unref();
	}

	/** Listen; rejects with the listen error (EADDRINUSE, EACCES …) for the caller to explain. */
	static listen(options: FrontDoorOptions): Promise<FrontDoor> {
		// A write returns false (and reading pauses until 'drain') once this much waits unsent.
		const server = createServer({noDelay: true, highWaterMark: options.limits?.pauseAboveBytes ?? DEFAULT_LIMITS.pauseAboveBytes});
		const door = new FrontDoor(server, options);
		server.on('connection', socket => door.accept(socket));
		return new Promise((resolve, reject) => {
			server.once('error', err => {
				clearInterval(door.sweep);
				reject(err);
			});
			server.listen(options.port, options.host ?? '127.0.0.1', () => {
				server.removeAllListeners('error');
				// Out of file descriptors: libuv sheds the connection and keeps listening.
				server.on('error', err => door.side.log(`accepting a connection failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
				resolve(door);
			});
		});
	}

	get port(): number {
		const address = this.server.address();
		return typeof address === 'object' && address !== null ? address.port : 0;
	}

	/** A connection that has completed its handshake, while it is open. */
	peer(id: number): Peer | undefined {
		const conn = this.conns.get(id);
		return conn?.isReady ? conn : undefined;
	}

	/** Every connection whose handshake completed. */
	*peers(): IterableIterator<Peer> {
		for (const conn of this.conns.values()) if (conn.isReady) yield conn;
	}

	/** Queue a reply (frames after the envelope); false when the peer is gone. Written at flush(), or at the latest on the next turn of the event loop. */
	send(peer: Peer | number, envelope: Envelope, frames: readonly (string | Uint8Array)[]): boolean {
		const conn = this.conns.get(typeof peer === 'number' ? peer : peer.id);
		if (!conn?.isReady) return false;
		conn.send(envelope, frames);
		this.dirty.add(conn);
		// Inside onBatch the door flushes right after; otherwise at the latest on the next turn.
		if (!this.flushScheduled && !this.inBatch) {
			this.flushScheduled = true;
			setImmediate(() => this.flush());
		}
		return true;
	}

	/** Write what send() queued: one socket write per connection. */
	flush(): void {
		this.flushScheduled = false;
		if (this.dirty.size === 0) return;
		const dirty = this.dirty;
		this.dirty = new Set();
		for (const conn of dirty) conn.flush();
	}

	/**
	 * Close a connection (a revoked or banned key): what was queued for it is written first,
	 * within closeGraceMs. It appears in the next batch's `closed`.
	 */
	close(peer: Peer | number, reason: CloseReason = 'closed-by-hub', detail = 'closed by the hub'): void {
		this.conns.get(typeof peer === 'number' ? peer : peer.id)?.end(reason, detail, true);
	}

	/**
	 * Close every connection a test picks (say, whose key the admission callback would now
	 * refuse, after SIGHUP or a ban); returns how many. Their queued replies go first.
	 */
	closeWhere(pick: (peer: Peer) => boolean, reason: CloseReason = 'closed-by-hub', detail = 'closed by the hub'): number {
		let closed = 0;
		for (const conn of [...this.conns.values()]) {
			if (conn.isReady && pick(conn)) {
				conn.end(reason, detail, true);
				closed++;
			}
		}
		return closed;
	}

	/**
	 * The core's cap on a connection's unanswered questions: stop reading its commands (true) or
	 * read on. It takes effect from the next read: what was already read from the same chunk (at
	 * most maxMessagesPerBatch messages) still comes in this batch.
	 */
	holdReading(peer: Peer | number, hold: boolean): void {
		this.conns.get(typeof peer === 'number' ? peer : peer.id)?.holdByCore(hold);
	}

	stats(): FrontDoorStats {
		let handshaking = 0;
		for (const conn of this.conns.values()) if (!conn.isReady) handshaking++;
		return {connections: this.conns.size, handshaking, ...this.counts, closed: {...this.closes}};
	}

	/** Stop listening; write what is queued, close every connection, and wait for them (1 s at most). */
	async stop(): Promise<void> {
		if (this.stopping) return;
		this.stopping = true;
		clearInterval(this.sweep);
		const closed = new Promise<void>(resolve => this.server.close(() => resolve()));
		this.flush();
		for (const conn of [...this.conns.values()]) conn.end('shutdown', 'the hub is stopping', true);
		// A ref'd timer: connections that neither read nor write keep no event loop alive.
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([closed, new Promise(resolve => (timer = setTimeout(resolve, this.limits.closeGraceMs)))]);
		clearTimeout(timer);
		for (const conn of [...this.conns.values()]) conn.end('shutdown', 'the hub is stopping');
		await closed;
	}

	private accept(socket: Socket): void {
		const address = plainAddress(socket.remoteAddress ?? '');
		if (this.stopping || this.conns.size >= this.limits.maxConnections) {
			this.counts.refusedOverLimit++;
			socket.destroy();
			return;
		}
		const here = this.perAddress.get(address) ?? 0;
		if (here >= this.limits.maxConnectionsPerAddress) {
			this.counts.refusedPerAddress++;
			socket.destroy();
			return;
		}
		this.perAddress.set(address, here + 1);
		this.counts.accepted++;
		socket.setKeepAlive(true, 30_000);
		const conn = new Connection(this.nextId++, address, socket.remotePort ?? 0, socket, this.side, Date.now());
		this.conns.set(conn.id, conn);
	}

	private deliver(conn: Connection, envelope: Envelope, frames: Buffer[]): boolean {
		this.inbox.push({peer: conn, envelope, frames});
		this.counts.messagesIn++;
		this.scheduleBatch();
		if (++conn.batchCount < this.limits.maxMessagesPerBatch) return true;
		this.full.push(conn);
		return false;
	}

	private ended(conn: Connection, reason: CloseReason, detail: string): void {
		if (!this.conns.delete(conn.id)) return;
		this.closes[reason] = (this.closes[reason] ?? 0) + 1;
		const left = (this.perAddress.get(conn.address) ?? 1) - 1;
		if (left > 0) this.perAddress.set(conn.address, left);
		else this.perAddress.delete(conn.address);
		this.dirty.delete(conn);
		if (conn.wasReady) {
			this.closedList.push({peer: conn, reason, detail});
			this.scheduleBatch();
		}
	}

	private scheduleBatch(): void {
		if (this.batchScheduled) return;
		this.batchScheduled = true;
		setImmediate(() => this.handOver());
	}

	private handOver(): void {
		this.batchScheduled = false;
		const batch: Batch = {messages: this.inbox, closed: this.closedList, now: Date.now()};
		this.inbox = [];
		this.closedList = [];
		for (const m of batch.messages) (m.peer as Connection).batchCount = 0;
		this.counts.batches++;
		this.inBatch = true;
		try {
			this.options.onBatch(batch);
		} catch (err) {
			this.side.log(`the hub core failed on a batch: ${(err as Error).stack ?? String(err)}`);
		} finally {
			this.inBatch = false;
		}
		this.flush();
		// Those that filled the last batch read on (into the next).
		const full = this.full;
		this.full = [];
		for (const conn of full) conn.nextBatch();
	}

	private tick(): void {
		const now = Date.now();
		for (const conn of [...this.conns.values()]) conn.tick(now);
	}
}

/** IPv4 peers on a dual-stack socket show as "::ffff:1.2.3.4": count them as 1.2.3.4. */
function plainAddress(address: string): string {
	return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function rawKeys(curve: {readonly publicKey: string; readonly secretKey: string}): CurveKeys {
	const publicKey = z85Decode(curve.publicKey);
	const secretKey = z85Decode(curve.secretKey);
	if (publicKey?.length !== 32 || secretKey?.length !== 32) throw new RangeError('the CURVE keys must be 40 characters of Z85 each');
	return {publicKey: Buffer.from(publicKey), secretKey: Buffer.from(secretKey)};
}
