import {createServer, connect, type Server, type Socket} from 'node:net';

/**
 * A guard in front of an open hub's ROUTER socket.
 *
 * libzmq's ROUTER names a peer that gives no routing id with a generated one, a zero byte
 * and a 32-bit counter whose start is predictable (libzmq draws it from rand(), which
 * nothing seeds). A peer may also claim its own routing id in the ZMTP handshake. A peer that
 * claims the id the ROUTER will generate next makes libzmq fail an assertion and abort the
 * whole process. libzmq reserves ids starting with a zero byte for itself but does not
 * enforce it.
 *
 * The guard enforces it. It listens on the hub's public port and relays each connection to
 * the real ROUTER on a loopback port, after reading the client's ZMTP 3 greeting and
 * READY command: a connection is refused when it is not ZMTP 3 with a READY (the NULL
 * mechanism), when
 * its READY claims a routing id starting with a zero byte, or when the handshake takes longer
 * than `handshakeMs`. After the READY it only relays bytes.
 *
 * (A hub with keys needs no guard: its ZAP handler gives every connection its routing id.)
 */

export interface GuardOptions {
	readonly host: string;
	/** Public port; 0 picks a free one. */
	readonly port: number;
	/** Port on 127.0.0.1 where the ROUTER listens. */
	readonly backendPort: number;
	/** A connection must finish its handshake within this long. */
	readonly handshakeMs: number;
	/** Connections at once; further ones are closed on arrival. */
	readonly maxConnections: number;
	readonly log: (line: string) => void;
}

/** Longest READY command accepted (a zchat client's is about 40 bytes). */
const MAX_READY_BYTES = 4096;
const GREETING_BYTES = 64;
const MECHANISM_START = 12;
const MECHANISM_END = 32;

function isNullMechanism(greeting: Buffer): boolean {
	const mechanism = greeting.subarray(MECHANISM_START, MECHANISM_END);
	return mechanism.subarray(0, 4).toString('latin1') === 'NULL' && mechanism.subarray(4).every(b => b === 0);
}

export class ZmtpGuard {
	private readonly sockets = new Set<Socket>();
	private lastError = 0;
	readonly counters = {accepted: 0, relayed: 0, refusedReservedId: 0, refusedProtocol: 0, timedOut: 0, backendFailed: 0, overLimit: 0};

	private constructor(
		private readonly server: Server,
		private readonly options: GuardOptions,
	) {}

	/** Listen; rejects with the listen error (EADDRINUSE, EACCES …) for the caller to explain. */
	static listen(options: GuardOptions): Promise<ZmtpGuard> {
		const server = createServer({noDelay: true});
		const guard = new ZmtpGuard(server, options);
		server.maxConnections = options.maxConnections;
		server.on('connection', socket => guard.accept(socket));
		server.on('drop', () => guard.counters.overLimit++);
		return new Promise((resolve, reject) => {
			const fail = (err: Error) => reject(err);
			server.once('error', fail);
			server.listen(options.port, options.host, () => {
				server.off('error', fail);
				// Running out of file descriptors makes accept fail; libuv sheds the connection
				// and keeps listening. Say so now and then, never crash.
				server.on('error', err => guard.error(`accepting a connection failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
				resolve(guard);
			});
		});
	}

	get port(): number {
		const address = this.server.address();
		return typeof address === 'object' && address !== null ? address.port : 0;
	}

	get connections(): number {
		return this.sockets.size;
	}

	private error(line: string): void {
		const now = Date.now();
		if (now - this.lastError < 1000) return;
		this.lastError = now;
		this.options.log(line);
	}

	private accept(client: Socket): void {
		this.counters.accepted++;
		this.sockets.add(client);
		const backend = connect({host: '127.0.0.1', port: this.options.backendPort, noDelay: true});
		this.sockets.add(backend);
		let done = false;
		/** Drop both at once: refusals, errors. */
		const close = () => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			client.destroy();
			backend.destroy();
			this.sockets.delete(client);
			this.sockets.delete(backend);
		};
		const refuse = (counter: 'refusedReservedId' | 'refusedProtocol' | 'timedOut') => {
			this.counters[counter]++;
			close();
		};
		const timer = setTimeout(() => refuse('timedOut'), this.options.handshakeMs);
		client.on('error', close).on('close', close);
		backend.on('error', () => {
			this.counters.backendFailed++;
			close();
		});
		// The ROUTER hung up (a heartbeat timeout, a protocol error it reports in the stream):
		// let what it sent last reach the client, then close.
		backend.on('end', () => {
			clearTimeout(timer);
			client.end();
			setTimeout(close, 1000).unref();
		});
		backend.on('close', () => {
			if (client.writableFinished || client.destroyed) close();
		});
		client.on('finish', () => {
			if (backend.destroyed) close();
		});
		backend.pipe(client);

		let seen = 0; // greeting bytes seen so far
		const greetingBytes = Buffer.alloc(GREETING_BYTES);
		let forwarded = 0; // greeting bytes passed on to the ROUTER
		let wrongMechanism = false;
		let pending: Buffer = Buffer.alloc(0); // bytes after the greeting, until the READY is complete
		const onData = (chunk: Buffer) => {
			if (wrongMechanism) return; // waiting for the client to see the mismatch and hang up
			if (seen < GREETING_BYTES) {
				const take = Math.min(chunk.length, GREETING_BYTES - seen);
				for (let i = 0; i < take; i++) {
					if (!greetingByteOk(seen + i, chunk[i]!)) return refuse('refusedProtocol');
				}
				chunk.copy(greetingBytes, seen, 0, take);
				seen += take;
				chunk = chunk.subarray(take);
				// The signature and version pass at once (the ROUTER answers with its own, which
				// a client waits for); the mechanism only once it is known to be NULL. A client
				// asking for encryption gets the ROUTER's greeting, sees "NULL", and says so itself.
				const upTo = seen < MECHANISM_END ? Math.min(seen, MECHANISM_START) : seen;
				if (seen >= MECHANISM_END && !isNullMechanism(greetingBytes)) {
					wrongMechanism = true;
					this.counters.refusedProtocol++;
					// Let the ROUTER answer the signature and version with the rest of its greeting
					// ("NULL"): the client then knows at once that this hub does not encrypt.
					if (forwarded < MECHANISM_START) backend.write(greetingBytes.subarray(forwarded, MECHANISM_START));
					forwarded = MECHANISM_START;
					return;
				}
				if (upTo > forwarded) {
					backend.write(greetingBytes.subarray(forwarded, upTo));
					forwarded = upTo;
				}
				if (chunk.length === 0) return;
			}
			pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
			const verdict = readyVerdict(pending);
			if (verdict === 'more') return;
			if (verdict !== 'ok') return refuse(verdict === 'reserved' ? 'refusedReservedId' : 'refusedProtocol');
			// Handshake checked: from here on, a plain relay.
			clearTimeout(timer);
			client.off('data', onData);
			backend.write(pending);
			pending = Buffer.alloc(0);
			this.counters.relayed++;
			client.pipe(backend);
		};
		client.on('data', onData);
	}

	/** Stop listening and drop every connection. */
	async close(): Promise<void> {
		for (const s of this.sockets) s.destroy();
		this.sockets.clear();
		await new Promise<void>(resolve => this.server.close(() => resolve()));
	}
}

/**
 * ZMTP 3 greeting: signature 0xFF, 8 bytes of padding, 0x7F (bit 0 set: "versioned"), then
 * the major version, which must be 3 or more (ZMTP 1.0 and 2.0 carry the routing id in a
 * different form, and no current ZeroMQ library needs them). The mechanism is left to libzmq,
 * which tells a client asking for encryption that this hub has none; what such a client
 * sends next is not a READY, and the guard closes it.
 */
function greetingByteOk(index: number, byte: number): boolean {
	if (index === 0) return byte === 0xff;
	if (index === 9) return (byte & 0x01) === 0x01;
	if (index === 10) return byte >= 3;
	return true;
}

/**
 * The client's first command after the greeting, which must be a READY: 'more' until it is
 * complete, 'ok' when it may pass, 'reserved' when it claims a routing id starting with a zero
 * byte, 'bad' when it is not a well-formed READY.
 */
export function readyVerdict(buf: Buffer): 'more' | 'ok' | 'reserved' | 'bad' {
	if (buf.length < 2) return 'more';
	const flags = buf[0]!;
	if ((flags & ~0x06) !== 0 || (flags & 0x04) === 0) return 'bad'; // a command, not "more"
	let size: number;
	let offset: number;
	if (flags & 0x02) {
		if (buf.length < 9) return 'more';
		const big = buf.readBigUInt64BE(1);
		if (big > BigInt(MAX_READY_BYTES)) return 'bad';
		size = Number(big);
		offset = 9;
	} else {
		size = buf[1]!;
		offset = 2;
	}
	if (size > MAX_READY_BYTES) return 'bad';
	if (buf.length < offset + size) return 'more';
	const body = buf.subarray(offset, offset + size);
	if (body.length < 6 || body[0] !== 5 || body.subarray(1, 6).toString('latin1') !== 'READY') return 'bad';
	let at = 6;
	while (at < body.length) {
		const nameLength = body[at]!;
		if (at + 1 + nameLength + 4 > body.length) return 'bad';
		const name = body.subarray(at + 1, at + 1 + nameLength).toString('latin1');
		const valueLength = body.readUInt32BE(at + 1 + nameLength);
		const valueAt = at + 1 + nameLength + 4;
		if (valueAt + valueLength > body.length) return 'bad';
		if (name.toLowerCase() === 'identity' && valueLength > 0 && body[valueAt] === 0) return 'reserved';
		at = valueAt + valueLength;
	}
	return 'ok';
}
