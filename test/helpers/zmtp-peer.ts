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

export class RawPeer {
	readonly frames: Frame[] = [];
	greetingIn: Buffer | undefined;
	private buffered = Buffer.alloc(0);
	ended = false;
	readonly closed: Promise<void>;
	/** CURVE state once the handshake is done. */
	private key: Buffer | undefined;
	private serverTransient: Buffer | undefined;
	clientNonce = 1;
	/** The raw handshake commands sent, to replay them. */
	readonly sent: {hello?: Buffer; initiate?: Buffer; cookie?: Buffer} = {};

	private constructor(readonly socket: Socket) {
		this.closed = new Promise(resolve => socket.on('close', () => resolve()));
		socket.on('error', () => {});
		socket.on('data', chunk => this.take(chunk));
		socket.on('end', () => (this.ended = true));
	}

	static connect(port: number): Promise<RawPeer> {
		return new Promise((resolve, reject) => {
			const socket = connect({port, host: '127.0.0.1'});
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
	async curveHandshake(
		serverKey: Buffer,
		client: KeyPair,
		spoil: {vouchServerKey?: Buffer; vouchTransient?: Buffer; cookie?: Buffer; initiateNonce?: number; socketType?: string} = {},
	): Promise<Buffer> {
		const transient = keyPair();
		this.write(greeting('CURVE'));
		const hello = Buffer.alloc(200);
		hello.write('\x05HELLO', 0, 'latin1');
		hello[6] = 1;
		transient.publicKey.copy(hello, 80);
		hello.writeBigUInt64BE(BigInt(this.clientNonce), 112);
		sodium.crypto_box_easy(hello.subarray(120), Buffer.alloc(64), nonce('CurveZMQHELLO---', this.clientNonce++), serverKey, transient.secretKey);
		this.sent.hello = commandFrameBytes(hello);
		this.write(this.sent.hello);
		const welcome = await this.command('WELCOME');
		const plain = Buffer.alloc(128);
		if (!sodium.crypto_box_open_easy(plain, welcome.subarray(24), nonce('WELCOME-', welcome.subarray(8, 24)), serverKey, transient.secretKey)) throw new Error('WELCOME does not open');
		this.serverTransient = Buffer.from(plain.subarray(0, 32));
		const cookie = spoil.cookie ?? Buffer.from(plain.subarray(32));
		this.sent.cookie = Buffer.from(plain.subarray(32));
		const vouchNonce = Buffer.alloc(16);
		sodium.randombytes_buf(vouchNonce);
		const vouch = Buffer.alloc(80);
		sodium.crypto_box_easy(
			vouch,
			Buffer.concat([spoil.vouchTransient ?? transient.publicKey, spoil.vouchServerKey ?? serverKey]),
			nonce('VOUCH---', vouchNonce),
			this.serverTransient,
			client.secretKey,
		);
		const metadata = Buffer.concat([property('Socket-Type', spoil.socketType ?? 'DEALER'), property('Identity', '')]);
		const inner = Buffer.concat([client.publicKey, vouchNonce, vouch, metadata]);
		const initiate = Buffer.alloc(113 + 16 + inner.length);
		initiate.write('\x08INITIATE', 0, 'latin1');
		cookie.copy(initiate, 9);
		const n = spoil.initiateNonce ?? this.clientNonce++;
		initiate.writeBigUInt64BE(BigInt(n), 105);
		sodium.crypto_box_easy(initiate.subarray(113), inner, nonce('CurveZMQINITIATE', n), this.serverTransient, transient.secretKey);
		this.sent.initiate = commandFrameBytes(initiate);
		this.write(this.sent.initiate);
		this.key = boxKey(this.serverTransient, transient.secretKey);
		const ready = await this.command('READY');
		const meta = Buffer.alloc(ready.length - 14 - 16);
		if (!sodium.crypto_secretbox_open_easy(meta, ready.subarray(14), nonce('CurveZMQREADY---', ready.subarray(6, 14)), this.key)) throw new Error('READY does not open');
		return meta;
	}

	/** CURVE: one frame as a MESSAGE box (libzmq's framing); `at` overrides the nonce. */
	message(data: Buffer | string, more = false, at?: number, command = false): Buffer {
		const payload = typeof data === 'string' ? Buffer.from(data) : data;
		const n = at ?? this.clientNonce++;
		const body = Buffer.alloc(16 + 16 + 1 + payload.length);
		body.write('\x07MESSAGE', 0, 'latin1');
		body.writeBigUInt64BE(BigInt(n), 8);
		const plain = Buffer.concat([Buffer.from([(more ? MORE : 0) | (command ? 0x02 : 0)]), payload]);
		sodium.crypto_secretbox_easy(body.subarray(16), plain, nonce('CurveZMQMESSAGEC', n), this.key!);
		return frameBytes(0, body);
	}

	/** CURVE: open a MESSAGE from the server: [flags, data]. */
	open(body: Buffer): [number, Buffer] {
		const plain = Buffer.alloc(body.length - 32);
		if (!sodium.crypto_secretbox_open_easy(plain, body.subarray(16), nonce('CurveZMQMESSAGES', body.subarray(8, 16)), this.key!)) throw new Error('server MESSAGE does not open');
		return [plain[0]!, plain.subarray(1)];
	}

	/** The next whole message from the server, as strings (NULL or CURVE). */
	async receive(timeoutMs = 5000): Promise<string[]> {
		const parts: string[] = [];
		for (;;) {
			const f = await this.next('a message frame', f => (f.flags & COMMAND) === 0 || (this.key !== undefined && commandName(f.body) === 'MESSAGE'), timeoutMs);
			if (this.key) {
				const [flags, data] = this.open(f.body);
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
