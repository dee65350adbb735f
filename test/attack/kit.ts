/**
 * What every attacker program shares: JSON lines on stdout, phases read from stdin, CURVE
 * options from key files, endpoints from a chosen source address, and raw ZMTP framing
 * (long frames and a small reader) beside test/helpers/zmtp.ts.
 */
import {createInterface} from 'node:readline';
import type {Socket} from 'node:net';
import {readKeyPair} from '../../src/keys.js';
import {greeting, rawConnect, ready} from '../helpers/zmtp.js';

/** One JSON object on its own line: progress (`event`) or the final result (`done: true`). */
export function emit(obj: Record<string, unknown>): void {
	process.stdout.write(JSON.stringify(obj) + '\n');
}

/** Print the result and end the program once stdout has taken it (await it: it never resolves). */
export function finish(result: Record<string, unknown>): Promise<never> {
	process.stdout.write(JSON.stringify({done: true, ...result}) + '\n', () => process.exit(0));
	return new Promise<never>(() => {});
}

/** Lines from stdin, one at a time: how the parent steps an attacker through its phases. */
export function stdinLines(): {next(timeoutMs?: number): Promise<string | undefined>} {
	const queue: string[] = [];
	const waiting: Array<(line: string | undefined) => void> = [];
	let ended = false;
	const rl = createInterface({input: process.stdin});
	rl.on('line', line => {
		const w = waiting.shift();
		if (w) w(line);
		else queue.push(line);
	});
	rl.on('close', () => {
		ended = true;
		for (const w of waiting.splice(0)) w(undefined);
	});
	return {
		next(timeoutMs = 60_000) {
			const line = queue.shift();
			if (line !== undefined || ended) return Promise.resolve(line);
			return new Promise(resolve => {
				const timer = setTimeout(() => resolve(undefined), timeoutMs);
				waiting.push(l => {
					clearTimeout(timer);
					resolve(l);
				});
			});
		},
	};
}

/** A number argument, or the default. */
export function num(value: string | undefined, fallback: number): number {
	if (value === undefined) return fallback;
	const n = Number(value);
	if (!Number.isFinite(n)) throw new Error(`not a number: ${value}`);
	return n;
}

/** A ZeroMQ TCP endpoint, connecting from `from` (an address of this machine, e.g. 127.0.0.2) when given. */
export function zmqEndpoint(host: string, port: number | string, from?: string): string {
	return from ? `tcp://${from}:0;${host}:${port}` : `tcp://${host}:${port}`;
}

/** CURVE client options for zeromq.js from a key file and the hub's public key, or none. */
export function curveFromFiles(keyFile: string | undefined, serverKey: string | undefined): {curveServerKey: string; curvePublicKey: string; curveSecretKey: string} | Record<string, never> {
	if (!keyFile || !serverKey) return {};
	const pair = readKeyPair(keyFile);
	return {curveServerKey: serverKey, curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey};
}

/** The CLI options every attacker takes for where it connects: host, ports, source address. */
export const WHERE_OPTIONS = {
	host: {type: 'string', default: '127.0.0.1'},
	sub: {type: 'string'},
	pub: {type: 'string'},
	from: {type: 'string'},
} as const;

/** The CLI options every raw ZMTP attacker takes: where it connects, and how long it holds on. */
export const RAW_OPTIONS = {...WHERE_OPTIONS, 'hold-ms': {type: 'string', default: '1000'}} as const;

/** The CLI options every zeromq.js attacker takes for where and as whom it connects. */
export const CONNECT_OPTIONS = {...WHERE_OPTIONS, key: {type: 'string'}, 'server-key': {type: 'string'}} as const;

/** One ZMTP message frame, short or long form as its size needs. */
export function zmtpFrame(body: Buffer, more = false): Buffer {
	const flags = more ? 0x01 : 0x00;
	if (body.length <= 255) return Buffer.concat([Buffer.from([flags, body.length]), body]);
	const head = Buffer.alloc(9);
	head[0] = flags | 0x02;
	head.writeBigUInt64BE(BigInt(body.length), 1);
	return Buffer.concat([head, body]);
}

/**
 * Reads what a ZMTP 3 peer sends: skips the 64-byte greeting and commands (READY, PING),
 * hands over each whole message as its frames.
 */
export class ZmtpReader {
	private buffer: Buffer = Buffer.alloc(0);
	private parts: Buffer[] = [];
	bytes = 0;

	/** `greeted`: attached after zmtpConnect, so what comes is frames. */
	constructor(
		private readonly onMessage: (frames: Buffer[]) => void,
		private greeted = false,
	) {}

	attach(socket: Socket): this {
		socket.on('data', chunk => this.push(chunk));
		return this;
	}

	push(chunk: Buffer): void {
		this.bytes += chunk.length;
		this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
		if (!this.greeted) {
			if (this.buffer.length < 64) return;
			this.buffer = this.buffer.subarray(64);
			this.greeted = true;
		}
		for (;;) {
			if (this.buffer.length < 2) return;
			const flags = this.buffer[0]!;
			const long = (flags & 0x02) !== 0;
			const headLength = long ? 9 : 2;
			if (this.buffer.length < headLength) return;
			const size = long ? Number(this.buffer.readBigUInt64BE(1)) : this.buffer[1]!;
			if (this.buffer.length < headLength + size) return;
			const body = this.buffer.subarray(headLength, headLength + size);
			this.buffer = this.buffer.subarray(headLength + size);
			if ((flags & 0x04) !== 0) continue; // a command
			this.parts.push(body);
			if ((flags & 0x01) === 0) {
				const frames = this.parts;
				this.parts = [];
				this.onMessage(frames);
			}
		}
	}
}

/** Text of the JSON replies in a message's frames that parse, skipping a REQ delimiter. */
export function jsonFrames(frames: readonly Buffer[]): Array<Record<string, unknown>> {
	const out: Array<Record<string, unknown>> = [];
	for (const f of frames) {
		if (f.length === 0) continue;
		try {
			const v = JSON.parse(f.toString('utf8')) as unknown;
			if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
		} catch {
			// not JSON: not ours to read
		}
	}
	return out;
}

/** A fresh session secret, as the spec asks (16+ random bytes in base64). */
export function secret(): string {
	return Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64url');
}

/** Resolve after `ms` (for pacing an attacker's own sends, never for waiting on the hub). */
export function pause(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Write, and when the socket's buffer is full wait until it drains, the connection closes, or
 * `stallMs` passes with the peer reading nothing (a hub that stops reading a connection
 * without closing it): 'ok', 'closed' or 'stalled'.
 */
export function writeOrStall(socket: Socket, data: Buffer, closed: Promise<void>, stallMs = 3000): Promise<'ok' | 'closed' | 'stalled'> {
	if (socket.destroyed) return Promise.resolve('closed');
	if (socket.write(data)) return Promise.resolve('ok');
	return new Promise(resolve => {
		const timer = setTimeout(() => resolve('stalled'), stallMs);
		const done = (v: 'ok' | 'closed') => {
			clearTimeout(timer);
			resolve(v);
		};
		socket.once('drain', () => done('ok'));
		void closed.then(() => done('closed'));
	});
}

export interface RawZmtp {
	readonly socket: Socket;
	/** Resolves when the connection is closed (by either side). */
	readonly closed: Promise<void>;
	/** Bytes received so far. */
	received(): number;
	/** The peer's READY came: messages may be sent now. False when it closed or did not answer in time. */
	readonly handshaken: boolean;
}

/**
 * A raw ZMTP 3.0 connection with the NULL mechanism, as `socketType` (DEALER, SUB), that
 * waits for the peer's greeting and READY before it resolves: libzmq drops a connection whose
 * first message arrives in the same read as the handshake (measured on 4.3.5), so a sender
 * that wants its messages judged waits, as ZeroMQ libraries do.
 */
export async function zmtpConnect(options: {port: number; host: string; from?: string; socketType: string; timeoutMs?: number}): Promise<RawZmtp> {
	const {socket, closed, received} = await rawConnect(options.port, options.host, options.from);
	let seen = Buffer.alloc(0);
	let isClosed = false;
	void closed.then(() => (isClosed = true));
	const ok = await new Promise<boolean>(resolve => {
		const timer = setTimeout(() => done(false), options.timeoutMs ?? 5000);
		const onData = (d: Buffer) => {
			seen = Buffer.concat([seen, d]);
			if (seen.length > 64 && seen.subarray(64).includes('READY')) done(true);
		};
		const done = (v: boolean) => {
			clearTimeout(timer);
			socket.off('data', onData);
			resolve(v);
		};
		socket.on('data', onData);
		void closed.then(() => done(false));
		socket.write(Buffer.concat([greeting('NULL'), ready(Buffer.alloc(0), options.socketType)]));
	});
	return {socket, closed, received, handshaken: ok && !isClosed};
}
