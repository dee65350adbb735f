/**
 * The hub's command port: a ZMTP 3 server that is a ROUTER on the wire (NULL or CURVE), takes
 * DEALER and REQ peers, hands the core one batch of whole messages per turn of the event loop,
 * and writes each connection's replies in one piece per flush. (Its listener and connection
 * counts are listener.ts's, shared with the feed port.)
 */
import {Connection, type DoorSide} from './connection.js';
import {curveKeys} from './curve.js';
import {DEFAULT_LIMITS, type FrontDoorLimits} from './limits.js';
import {Listener} from './listener.js';
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
	/** CURVE: whether a key (Z85) is a relay's the hub trusts, asked once when its handshake completes. @default none is */
	readonly isRelay?: (key: string) => boolean;
	/** Everything read since the last batch, once per turn of the event loop. */
	readonly onBatch: (batch: Batch) => void;
	/** A connection completed its handshake (its messages come in later batches). */
	readonly onOpen?: (peer: Peer) => void;
	/** A connection's replies written so far have all been taken by the kernel (called soon after the write). */
	readonly onDrained?: (peer: Peer) => void;
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
	/** Reply bytes written and not yet taken by the kernel, over all connections. */
	readonly unsentBytes: number;
	/** Connections whose reading is held (replies not drained, or the hub's hold). */
	readonly held: number;
	readonly messagesIn: number;
	/** Turns that handed the core at least one message. */
	readonly batches: number;
}

export class FrontDoor {
	readonly limits: FrontDoorLimits;
	private readonly side: DoorSide;
	private readonly listener: Listener<CloseReason, Connection>;
	/** The listener's open connections. */
	private readonly conns: ReadonlyMap<number, Connection>;
	private inbox: Inbound[] = [];
	private closedList: Closed[] = [];
	private batchScheduled = false;
	private flushScheduled = false;
	private inBatch = false;
	/** Connections with replies queued since the last flush. */
	private dirty = new Set<Connection>();
	/** Connections that gave a batch all it takes and wait to read on. */
	private full: Connection[] = [];
	/** Connections with replies written that the kernel has not taken yet (for maxUnsentBytesTotal). */
	private readonly unsent = new Set<Connection>();
	private readonly counts = {messagesIn: 0, batches: 0};

	private constructor(private readonly options: FrontDoorOptions) {
		this.limits = {...DEFAULT_LIMITS, ...options.limits};
		const curve = options.curve ? curveKeys(options.curve) : undefined;
		const log = options.log ?? (() => {});
		this.side = {
			limits: this.limits,
			curve,
			admit: options.admit,
			deliver: (conn, envelope, frames) => this.deliver(conn, envelope, frames),
			ended: (conn, reason, detail) => this.ended(conn, reason, detail),
			opened: conn => {
				if (conn.key !== undefined && options.isRelay?.(conn.key)) conn.relay = true;
				options.onOpen?.(conn);
			},
			drained: conn => {
				this.unsent.delete(conn);
				options.onDrained?.(conn);
			},
			log,
		};
		this.listener = new Listener({
			limits: this.limits,
			// A write returns false (and reading pauses until 'drain') once this much waits unsent.
			highWaterMark: options.limits?.pauseAboveBytes ?? DEFAULT_LIMITS.pauseAboveBytes,
			connect: (id, address, socket) => new Connection(id, address, socket.remotePort ?? 0, socket, this.side, Date.now()),
			acceptFailed: code => log(`accepting a connection failed: ${code}`),
		});
		this.conns = this.listener.conns;
	}

	/** Listen; rejects with the listen error (EADDRINUSE, EACCES …) for the caller to explain. */
	static async listen(options: FrontDoorOptions): Promise<FrontDoor> {
		const door = new FrontDoor(options);
		await door.listener.listen(options.port, options.host);
		return door;
	}

	get port(): number {
		return this.listener.port;
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
		for (const conn of dirty) {
			conn.flush();
			if (conn.unsentBytes > 0 && conn.open) this.unsent.add(conn);
		}
		this.keepUnsentUnderTotal();
	}

	/** Past maxUnsentBytesTotal, close the connections holding the most until the rest is under it. */
	private keepUnsentUnderTotal(): void {
		let total = 0;
		for (const conn of this.unsent) {
			if (conn.open) total += conn.unsentBytes;
			else this.unsent.delete(conn);
		}
		if (total <= this.limits.maxUnsentBytesTotal) return;
		const largest = [...this.unsent].sort((a, b) => b.unsentBytes - a.unsentBytes);
		for (const conn of largest) {
			if (total <= this.limits.maxUnsentBytesTotal) break;
			total -= conn.unsentBytes;
			conn.end('slow-consumer', `${conn.unsentBytes} bytes of replies unread while all connections together held over ${this.limits.maxUnsentBytesTotal}`);
		}
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
		return this.listener.endWhere(pick, reason, detail, true);
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
		let unsentBytes = 0;
		let held = 0;
		for (const conn of this.conns.values()) {
			unsentBytes += conn.unsentBytes;
			if (conn.held) held++;
		}
		const {connections, handshaking, accepted, refusedFull, refusedPerAddress, closed} = this.listener.stats();
		return {connections, handshaking, unsentBytes, held, accepted, refusedOverLimit: refusedFull, refusedPerAddress, ...this.counts, closed};
	}

	/** Stop listening; write what is queued, close every connection, and wait for them (1 s at most). */
	async stop(): Promise<void> {
		if (this.listener.stopping) return;
		const closed = this.listener.close();
		this.flush();
		for (const conn of [...this.conns.values()]) conn.end('shutdown', 'the hub is stopping', true);
		// A ref'd timer: connections that neither read nor write keep no event loop alive.
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([closed, new Promise(resolve => (timer = setTimeout(resolve, this.limits.closeGraceMs)))]);
		clearTimeout(timer);
		for (const conn of [...this.conns.values()]) conn.end('shutdown', 'the hub is stopping');
		await closed;
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
		if (!this.listener.forget(conn, reason)) return;
		this.dirty.delete(conn);
		this.unsent.delete(conn);
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
		if (batch.messages.length > 0) this.counts.batches++;
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
}
