/**
 * The listening socket of any of the hub's ZMTP ports, shared by the command port and the feed
 * port: connections counted in all and per source address as they arrive and leave, closes
 * counted by reason, and one timer that ticks every connection.
 */
import {createServer, type Server, type Socket} from 'node:net';
import {plainAddress} from './address.js';
import type {ZmtpLimits} from './limits.js';
import type {ZmtpCloseReason} from './types.js';
import type {ZmtpConnection} from './zmtp-connection.js';

export interface ListenerOptions<C> {
	readonly limits: ZmtpLimits;
	/** A write returns false once this much waits unsent. @default Node's */
	readonly highWaterMark?: number;
	/** Make the connection for a socket let in. */
	readonly connect: (id: number, address: string, socket: Socket) => C;
	/** Accepting a connection failed (out of file descriptors …): its code, for the log. */
	readonly acceptFailed: (code: string) => void;
}

/** The figures every port shows. */
export interface ListenerStats<Reason extends string> {
	readonly connections: number;
	/** Of those, still in their greeting or handshake. */
	readonly handshaking: number;
	readonly accepted: number;
	/** Turned away on arrival: the port had all the connections it takes, or it is stopping. */
	readonly refusedFull: number;
	/** Turned away on arrival: their source address had all it may. */
	readonly refusedPerAddress: number;
	/** Connections closed since the port started, by reason. */
	readonly closed: Readonly<Partial<Record<Reason, number>>>;
}

export class Listener<Reason extends string, C extends ZmtpConnection<Reason>> {
	/** Every open connection by id, in the order they came. */
	readonly conns = new Map<number, C>();
	private readonly perAddress = new Map<string, number>();
	private readonly server: Server;
	private readonly sweep: NodeJS.Timeout;
	private readonly counts = {accepted: 0, refusedFull: 0, refusedPerAddress: 0};
	private readonly closes: Partial<Record<Reason | ZmtpCloseReason, number>> = {};
	private nextId = 1;
	private closing = false;

	constructor(private readonly options: ListenerOptions<C>) {
		const {limits, highWaterMark} = options;
		this.server = createServer(highWaterMark === undefined ? {noDelay: true} : {noDelay: true, highWaterMark});
		this.server.on('connection', socket => this.accept(socket));
		// One timer for every connection: handshake deadlines and heartbeats, to a quarter of the shortest.
		const every = Math.max(10, Math.floor(Math.min(limits.handshakeMs, limits.heartbeatIntervalMs) / 4));
		this.sweep = setInterval(() => this.tick(), every);
		this.sweep.unref();
	}

	/** Listen; rejects with the listen error (EADDRINUSE, EACCES …) for the caller to explain. */
	listen(port: number, host = '127.0.0.1'): Promise<void> {
		const server = this.server;
		return new Promise((resolve, reject) => {
			server.once('error', err => {
				clearInterval(this.sweep);
				reject(err);
			});
			server.listen(port, host, () => {
				server.removeAllListeners('error');
				// Out of file descriptors: libuv sheds the connection and keeps listening.
				server.on('error', err => this.options.acceptFailed((err as NodeJS.ErrnoException).code ?? err.message));
				resolve();
			});
		});
	}

	get port(): number {
		const address = this.server.address();
		return typeof address === 'object' && address !== null ? address.port : 0;
	}

	/** Whether close() was called: no connection is let in any more. */
	get stopping(): boolean {
		return this.closing;
	}

	stats(): ListenerStats<Reason | ZmtpCloseReason> {
		let handshaking = 0;
		for (const conn of this.conns.values()) if (!conn.isReady) handshaking++;
		return {connections: this.conns.size, handshaking, ...this.counts, closed: {...this.closes}};
	}

	/** Every ready connection `pick` chooses is ended (gracefully or not); returns how many. */
	endWhere(pick: (conn: C) => boolean, reason: Reason, detail: string, graceful: boolean): number {
		let ended = 0;
		for (const conn of [...this.conns.values()]) {
			if (conn.isReady && pick(conn)) {
				conn.end(reason, detail, graceful);
				ended++;
			}
		}
		return ended;
	}

	/**
	 * A connection ended: forget it, count the reason, and give its source address its place
	 * back. False when it was already forgotten.
	 */
	forget(conn: C, reason: Reason | ZmtpCloseReason): boolean {
		if (!this.conns.delete(conn.id)) return false;
		this.closes[reason] = (this.closes[reason] ?? 0) + 1;
		const left = (this.perAddress.get(conn.address) ?? 1) - 1;
		if (left > 0) this.perAddress.set(conn.address, left);
		else this.perAddress.delete(conn.address);
		return true;
	}

	/** Stop listening and ticking; resolves once the server has closed (when every connection has). */
	close(): Promise<void> {
		this.closing = true;
		clearInterval(this.sweep);
		return new Promise<void>(resolve => this.server.close(() => resolve()));
	}

	private accept(socket: Socket): void {
		const address = plainAddress(socket.remoteAddress ?? '');
		const limits = this.options.limits;
		if (this.closing || this.conns.size >= limits.maxConnections) {
			this.counts.refusedFull++;
			socket.destroy();
			return;
		}
		const here = this.perAddress.get(address) ?? 0;
		if (here >= limits.maxConnectionsPerAddress) {
			this.counts.refusedPerAddress++;
			socket.destroy();
			return;
		}
		this.perAddress.set(address, here + 1);
		this.counts.accepted++;
		socket.setKeepAlive(true, 30_000);
		const conn = this.options.connect(this.nextId++, address, socket);
		this.conns.set(conn.id, conn);
	}

	private tick(): void {
		const now = Date.now();
		for (const conn of [...this.conns.values()]) conn.tick(now);
	}
}
