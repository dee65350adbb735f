/**
 * A ZMTP 3 client written by hand over a raw TCP socket, NULL or CURVE: what a hostile peer can
 * send that no ZeroMQ library would (a bad vouch, a replayed cookie, a nonce going backwards, a
 * message that never ends), and a reader for what the server answers.
 */
import {connect, type Socket} from 'node:net';
import sodium from 'sodium-native';
import {boxKey} from '../../src/hub/front-door/hsalsa20.js';
import {commandBody, commandName, greeting, headerBytes, property, writeHeader, COMMAND, MORE} from '../../src/hub/front-door/wire.js';
import {waitFor} from './wait.js';

export interface KeyPair {
	readonly publicKey: Buffer;
	readonly secretKey: Buffer;
}

export function keyPair(): KeyPair {
	const publicKey = Buffer.alloc(32);
	const secretKey = Buffer.alloc(32);
	sodium.crypto_box_keypair(publicKey, secretKey);
	return {publicKey, secretKey};
}

/** One frame (header and body). */
export function frameBytes(flags: number, body: Buffer | string): Buffer {
	const b = typeof body === 'string' ? Buffer.from(body) : body;
	const out = Buffer.alloc(headerBytes(b.length) + b.length);
	b.copy(out, writeHeader(out, 0, flags, b.length));
	return out;
}

export const commandFrameBytes = (body: Buffer) => frameBytes(COMMAND, body);

export function readyCommand(socketType = 'DEALER', identity = ''): Buffer {
	return commandFrameBytes(commandBody('READY', property('Socket-Type', socketType), property('Identity', identity)));
}

function nonce(prefix: string, tail?: Buffer | number): Buffer {
	const n = Buffer.alloc(24);
	n.write(prefix, 0, 'latin1');
	if (typeof tail === 'number') n.writeBigUInt64BE(BigInt(tail), 16);
	else if (tail) tail.copy(n, prefix.length);
	return n;
}

/** A received frame. */
export interface Frame {
	readonly flags: number;
	readonly body: Buffer;
}

export interface Spoil {
	vouchServerKey?: Buffer;
	vouchTransient?: Buffer;
	cookie?: Buffer;
	initiateNonce?: number;
	socketType?: string;
}

/** The client's side of CurveZMQ, without a socket: the commands to send, and what the server's mean. */
export class CurveClient {
	readonly transient = keyPair();
	nonce = 1;
	serverTransient: Buffer | undefined;
	cookie: Buffer | undefined;
	key: Buffer | undefined;

	constructor(
		readonly serverKey: Buffer,
		readonly client: KeyPair,
	) {}

	/** The HELLO command frame. */
	hello(): Buffer {
		const hello = Buffer.alloc(200);
		hello.write('\x05HELLO', 0, 'latin1');
		hello[6] = 1;
		this.transient.publicKey.copy(hello, 80);
		hello.writeBigUInt64BE(BigInt(this.nonce), 112);
		sodium.crypto_box_easy(hello.subarray(120), Buffer.alloc(64), nonce('CurveZMQHELLO---', this.nonce++), this.serverKey, this.transient.secretKey);
		return commandFrameBytes(hello);
	}

	/** The INITIATE command frame answering a WELCOME body. */
	initiate(welcome: Buffer, spoil: Spoil = {}): Buffer {
		const plain = Buffer.alloc(128);
		if (!sodium.crypto_box_open_easy(plain, welcome.subarray(24), nonce('WELCOME-', welcome.subarray(8, 24)), this.serverKey, this.transient.secretKey)) throw new Error('WELCOME does not open');
		this.serverTransient = Buffer.from(plain.subarray(0, 32));
		this.cookie = Buffer.from(plain.subarray(32));
		const vouchNonce = Buffer.alloc(16);
		sodium.randombytes_buf(vouchNonce);
		const vouch = Buffer.alloc(80);
		const vouched = Buffer.concat([spoil.vouchTransient ?? this.transient.publicKey, spoil.vouchServerKey ?? this.serverKey]);
		sodium.crypto_box_easy(vouch, vouched, nonce('VOUCH---', vouchNonce), this.serverTransient, this.client.secretKey);
		const metadata = Buffer.concat([property('Socket-Type', spoil.socketType ?? 'DEALER'), property('Identity', '')]);
		const inner = Buffer.concat([this.client.publicKey, vouchNonce, vouch, metadata]);
		const initiate = Buffer.alloc(113 + 16 + inner.length);
		initiate.write('\x08INITIATE', 0, 'latin1');
		(spoil.cookie ?? this.cookie).copy(initiate, 9);
		const n = spoil.initiateNonce ?? this.nonce++;
		initiate.writeBigUInt64BE(BigInt(n), 105);
		sodium.crypto_box_easy(initiate.subarray(113), inner, nonce('CurveZMQINITIATE', n), this.serverTransient, this.transient.secretKey);
		this.key = boxKey(this.serverTransient, this.transient.secretKey);
		return commandFrameBytes(initiate);
	}

	/** The server's metadata from its READY body. */
	ready(body: Buffer): Buffer {
		const meta = Buffer.alloc(body.length - 14 - 16);
		if (!sodium.crypto_secretbox_open_easy(meta, body.subarray(14), nonce('CurveZMQREADY---', body.subarray(6, 14)), this.key!)) throw new Error('READY does not open');
		return meta;
	}

	/** One frame as a MESSAGE box; `at` overrides the nonce. */
	message(data: Buffer | string, more = false, at?: number, command = false): Buffer {
		const payload = typeof data === 'string' ? Buffer.from(data) : data;
		const n = at ?? this.nonce++;
		const body = Buffer.alloc(16 + 16 + 1 + payload.length);
		body.write('\x07MESSAGE', 0, 'latin1');
		body.writeBigUInt64BE(BigInt(n), 8);
		const plain = Buffer.concat([Buffer.from([(more ? MORE : 0) | (command ? 0x02 : 0)]), payload]);
		sodium.crypto_secretbox_easy(body.subarray(16), plain, nonce('CurveZMQMESSAGEC', n), this.key!);
		return frameBytes(0, body);
	}

	/** Open a MESSAGE from the server: [flags, data]. */
	open(body: Buffer): [number, Buffer] {
		const plain = Buffer.alloc(body.length - 32);
		if (!sodium.crypto_secretbox_open_easy(plain, body.subarray(16), nonce('CurveZMQMESSAGES', body.subarray(8, 16)), this.key!)) throw new Error('server MESSAGE does not open');
		return [plain[0]!, plain.subarray(1)];
	}
}

export class RawPeer {
	readonly frames: Frame[] = [];
	greetingIn: Buffer | undefined;
	private buffered = Buffer.alloc(0);
	ended = false;
	readonly closed: Promise<void>;
	/** CURVE state once the handshake has begun. */
	private curve: CurveClient | undefined;
	/** The raw handshake commands sent, to replay them. */
	readonly sent: {hello?: Buffer; initiate?: Buffer; cookie?: Buffer} = {};

	private constructor(readonly socket: Socket) {
		this.closed = new Promise(resolve => socket.on('close', () => resolve()));
		socket.on('error', () => {});
		socket.on('data', chunk => this.take(chunk));
		socket.on('end', () => (this.ended = true));
	}

	static connect(port: number, localAddress?: string): Promise<RawPeer> {
		return new Promise((resolve, reject) => {
			const socket = connect({port, host: '127.0.0.1', ...(localAddress ? {localAddress} : {})});
			socket.once('error', reject);
			socket.once('connect', () => resolve(new RawPeer(socket)));
		});
	}

	get isClosed(): boolean {
		return this.socket.destroyed || this.socket.readyState === 'closed';
	}

	write(data: Buffer | string): boolean {
		if (this.socket.destroyed) return false;
		return this.socket.write(data);
	}

	destroy(): void {
		this.socket.destroy();
	}

	private take(chunk: Buffer): void {
		this.buffered = Buffer.concat([this.buffered, chunk]);
		if (!this.greetingIn) {
			if (this.buffered.length < 64) return;
			this.greetingIn = this.buffered.subarray(0, 64);
			this.buffered = this.buffered.subarray(64);
		}
		for (;;) {
			if (this.buffered.length < 2) return;
			const flags = this.buffered[0]!;
			const long = (flags & 0x02) !== 0;
			const head = long ? 9 : 2;
			if (this.buffered.length < head) return;
			const size = long ? Number(this.buffered.readBigUInt64BE(1)) : this.buffered[1]!;
			if (this.buffered.length < head + size) return;
			this.frames.push({flags, body: Buffer.from(this.buffered.subarray(head, head + size))});
			this.buffered = this.buffered.subarray(head + size);
		}
	}

	/** Wait for a frame matching, taking it off the list. */
	async next(what = 'a frame', match: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
		return waitFor(`${what} from the server`, () => {
			const i = this.frames.findIndex(match);
			if (i >= 0) return this.frames.splice(i, 1)[0];
			if (this.isClosed || this.ended) throw new Error(`the server closed the connection before ${what}`);
			return undefined;
		}, timeoutMs, 2);
	}

	async command(name: string): Promise<Buffer> {
		return (await this.next(`a ${name} command`, f => (f.flags & COMMAND) !== 0 && commandName(f.body) === name)).body;
	}

	/** NULL: greeting and READY, then wait for the server's READY. */
	async nullHandshake(socketType = 'DEALER', identity = ''): Promise<Buffer> {
		this.write(Buffer.concat([greeting('NULL'), readyCommand(socketType, identity)]));
		return this.command('READY');
	}

	/** CURVE, step by step, with hooks to spoil it. */
	async curveHandshake(serverKey: Buffer, client: KeyPair, spoil: Spoil = {}): Promise<Buffer> {
		this.curve = new CurveClient(serverKey, client);
		this.write(greeting('CURVE'));
		this.sent.hello = this.curve.hello();
		this.write(this.sent.hello);
		this.sent.initiate = this.curve.initiate(await this.command('WELCOME'), spoil);
		this.sent.cookie = this.curve.cookie;
		this.write(this.sent.initiate);
		return this.curve.ready(await this.command('READY'));
	}

	/** CURVE: one frame as a MESSAGE box (libzmq's framing); `at` overrides the nonce. */
	message(data: Buffer | string, more = false, at?: number, command = false): Buffer {
		return this.curve!.message(data, more, at, command);
	}

	/** The next whole message from the server, as strings (NULL or CURVE). */
	async receive(timeoutMs = 5000): Promise<string[]> {
		const parts: string[] = [];
		for (;;) {
			const f = await this.next('a message frame', f => (f.flags & COMMAND) === 0 || (this.curve !== undefined && commandName(f.body) === 'MESSAGE'), timeoutMs);
			if (this.curve) {
				const [flags, data] = this.curve.open(f.body);
				if (flags & 0x02) continue;
				parts.push(data.toString());
				if (!(flags & MORE)) return parts;
			} else {
				parts.push(f.body.toString());
				if (!(f.flags & MORE)) return parts;
			}
		}
	}

	async waitClosed(timeoutMs = 5000): Promise<void> {
		await waitFor('the server to close the connection', () => this.isClosed || this.ended, timeoutMs, 2);
	}
}
