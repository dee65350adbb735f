/**
 * CurveZMQ (ZeroMQ RFC 26) for the server side, on sodium-native: the handshake (HELLO →
 * WELCOME, INITIATE → READY) and the MESSAGE boxes after it. Every box uses a key computed
 * once (boxKey); a box is then one crypto_secretbox call, which is crypto_box_afternm.
 */
import sodium from 'sodium-native';
import {boxKey} from './hsalsa20.js';
import {headerBytes, writeHeader} from './wire.js';

/** The hub's long-term key pair, 32 bytes each. */
export interface CurveKeys {
	readonly publicKey: Buffer;
	readonly secretKey: Buffer;
}

const MAC = 16;
const HELLO_BYTES = 200;
const MIN_INITIATE_BYTES = 257;
const MIN_MESSAGE_BYTES = 33;
/** "\x07MESSAGE", nonce, MAC, flags: what a MESSAGE command adds to a frame's body. */
export const MESSAGE_OVERHEAD = 8 + 8 + MAC + 1;

function nonce(prefix: string): Buffer {
	const n = Buffer.alloc(24);
	n.write(prefix, 0, 'latin1');
	return n;
}

function startsWith(body: Buffer, name: string): boolean {
	if (body.length < name.length + 1 || body[0] !== name.length) return false;
	for (let i = 0; i < name.length; i++) if (body[1 + i] !== name.charCodeAt(i)) return false;
	return true;
}

/** A short nonce (8 bytes, big-endian) as two 32-bit halves, for comparing without BigInt. */
class PeerNonce {
	private hi = 0;
	private lo = 0;
	private seen = false;

	/** Take the nonce at `at` if it is above every nonce seen on this connection. */
	advance(body: Buffer, at: number): boolean {
		const hi = body.readUInt32BE(at);
		const lo = body.readUInt32BE(at + 4);
		if (this.seen && (hi < this.hi || (hi === this.hi && lo <= this.lo))) return false;
		this.seen = true;
		this.hi = hi;
		this.lo = lo;
		return true;
	}
}

/** After the handshake: MESSAGE boxes both ways on one connection. */
export class CurveCodec {
	private readonly sendNonce = nonce('CurveZMQMESSAGES');
	private readonly recvNonce = nonce('CurveZMQMESSAGEC');
	/** Our short nonces: 1 went on READY, messages count on from 2. */
	private sent = 1;
	private static scratch = Buffer.allocUnsafe(64 * 1024);

	constructor(
		private readonly key: Buffer,
		private readonly peerNonce: PeerNonce,
	) {}

	/** Bytes a MESSAGE command carrying `size` bytes takes on the wire, header included. */
	static sealedBytes(size: number): number {
		const body = MESSAGE_OVERHEAD + size;
		return headerBytes(body) + body;
	}

	/** Write one frame as a MESSAGE command at `at` (room for sealedBytes(size)); returns the end. */
	seal(out: Buffer, at: number, flags: number, data: string | Uint8Array, size: number): number {
		if (CurveCodec.scratch.length < size + 1) CurveCodec.scratch = Buffer.allocUnsafe(size + 1024);
		const plain = CurveCodec.scratch;
		plain[0] = flags;
		if (typeof data === 'string') plain.write(data, 1, 'utf8');
		else plain.set(data, 1);
		// As libzmq 4.3.5 writes it: a message frame without flags (the "more" flag is in the box).
		const bodyAt = writeHeader(out, at, 0, MESSAGE_OVERHEAD + size);
		out.write('\x07MESSAGE', bodyAt, 'latin1');
		const n = ++this.sent;
		this.sendNonce.writeUInt32BE(Math.floor(n / 0x1_0000_0000), 16);
		this.sendNonce.writeUInt32BE(n >>> 0, 20);
		this.sendNonce.copy(out, bodyAt + 8, 16, 24);
		const boxAt = bodyAt + 16;
		sodium.crypto_secretbox_easy(out.subarray(boxAt, boxAt + MAC + 1 + size), plain.subarray(0, 1 + size), this.sendNonce, this.key);
		return boxAt + MAC + 1 + size;
	}

	/** A command (PING, PONG …) as a MESSAGE with the command flag set: a whole frame. */
	sealCommand(body: Buffer): Buffer {
		const out = Buffer.allocUnsafe(CurveCodec.sealedBytes(body.length));
		this.seal(out, 0, 0x02, body, body.length);
		return out;
	}

	/**
	 * Open a MESSAGE command: its plaintext (flags byte, then the frame), or why it is refused:
	 * another command, too short, a nonce not above the last one, a box that does not open.
	 */
	open(body: Buffer): Buffer | string {
		if (!startsWith(body, 'MESSAGE')) return 'a command other than MESSAGE after the handshake';
		if (body.length < MIN_MESSAGE_BYTES) return 'malformed MESSAGE';
		if (!this.peerNonce.advance(body, 8)) return 'MESSAGE nonce not above the last one (replayed or reordered)';
		body.copy(this.recvNonce, 16, 8, 16);
		const plain = Buffer.allocUnsafe(body.length - 16 - MAC);
		if (!sodium.crypto_secretbox_open_easy(plain, body.subarray(16), this.recvNonce, this.key)) return 'MESSAGE box does not open';
		return plain;
	}

	/** The READY command body: our metadata, boxed, with short nonce 1. */
	ready(metadata: Buffer): Buffer {
		const out = Buffer.allocUnsafe(14 + MAC + metadata.length);
		out.write('\x05READY', 0, 'latin1');
		const n = nonce('CurveZMQREADY---');
		n.writeUInt32BE(1, 20);
		n.copy(out, 6, 16, 24);
		sodium.crypto_secretbox_easy(out.subarray(14), metadata, n, this.key);
		return out;
	}
}

/** What a completed handshake gives: the client's long-term key, its metadata, the codec. */
export interface CurveSession {
	readonly clientKey: Buffer;
	readonly metadata: Buffer;
	readonly codec: CurveCodec;
}

/**
 * The server's side of one handshake. Keeps what CurveCP keeps in the cookie (C' and s') in
 * memory for this connection, and a cookie key made for this connection alone: a cookie or
 * INITIATE replayed on another connection does not open, and one INITIATE is all a connection
 * may send.
 */
export class CurveHandshake {
	private readonly peerNonce = new PeerNonce();
	private clientTransient: Buffer | undefined;
	private transientPublic: Buffer | undefined;
	private transientSecret: Buffer | undefined;
	private cookieKey: Buffer | undefined;
	private cookie: Buffer | undefined;

	constructor(private readonly keys: CurveKeys) {}

	/** A HELLO body: the WELCOME body to answer it, or why it is refused. */
	hello(body: Buffer): Buffer | string {
		if (!startsWith(body, 'HELLO')) return 'expected HELLO';
		if (this.clientTransient) return 'a second HELLO';
		if (body.length !== HELLO_BYTES) return 'malformed HELLO';
		if (body[6] !== 1 || body[7] !== 0) return 'unknown CurveZMQ version';
		for (let i = 8; i < 80; i++) if (body[i] !== 0) return 'malformed HELLO (padding)';
		const clientTransient = Buffer.from(body.subarray(80, 112));
		this.peerNonce.advance(body, 112);
		let key: Buffer;
		try {
			key = boxKey(clientTransient, this.keys.secretKey);
		} catch {
			return 'HELLO from a low-order key';
		}
		const n = nonce('CurveZMQHELLO---');
		body.copy(n, 16, 112, 120);
		const signature = Buffer.alloc(64);
		if (!sodium.crypto_secretbox_open_easy(signature, body.subarray(120, 200), n, key) || !signature.every(b => b === 0)) {
			return 'HELLO box does not open (the client has another server key)';
		}
		this.clientTransient = clientTransient;
		this.transientPublic = Buffer.alloc(32);
		this.transientSecret = Buffer.alloc(32);
		sodium.crypto_box_keypair(this.transientPublic, this.transientSecret);
		// The cookie: Box[C' + s'](K), K a key for this connection only.
		this.cookieKey = Buffer.alloc(32);
		sodium.randombytes_buf(this.cookieKey);
		const cookieNonce = nonce('COOKIE--');
		sodium.randombytes_buf(cookieNonce.subarray(8));
		this.cookie = Buffer.alloc(96);
		cookieNonce.copy(this.cookie, 0, 8, 24);
		sodium.crypto_secretbox_easy(this.cookie.subarray(16), Buffer.concat([clientTransient, this.transientSecret]), cookieNonce, this.cookieKey);
		// WELCOME: Box[S' + cookie](S → C').
		const welcome = Buffer.alloc(168);
		welcome.write('\x07WELCOME', 0, 'latin1');
		const welcomeNonce = nonce('WELCOME-');
		sodium.randombytes_buf(welcomeNonce.subarray(8));
		welcomeNonce.copy(welcome, 8, 8, 24);
		sodium.crypto_secretbox_easy(welcome.subarray(24), Buffer.concat([this.transientPublic, this.cookie]), welcomeNonce, key);
		sodium.sodium_memzero(key);
		return welcome;
	}

	/** An INITIATE body: the session, or why it is refused. */
	initiate(body: Buffer): CurveSession | string {
		if (!startsWith(body, 'INITIATE')) return 'expected INITIATE';
		const clientTransient = this.clientTransient;
		const cookieKey = this.cookieKey;
		const secret = this.transientSecret;
		if (!clientTransient || !cookieKey || !secret || !this.cookie) return 'INITIATE before HELLO';
		// One INITIATE per connection: forget the cookie key whatever happens next.
		this.cookieKey = undefined;
		if (body.length < MIN_INITIATE_BYTES) return 'malformed INITIATE';
		const cookieNonce = nonce('COOKIE--');
		body.copy(cookieNonce, 8, 9, 25);
		const cookiePlain = Buffer.alloc(64);
		if (!sodium.crypto_secretbox_open_easy(cookiePlain, body.subarray(25, 105), cookieNonce, cookieKey)) return 'INITIATE cookie does not open';
		if (!cookiePlain.subarray(0, 32).equals(clientTransient) || !cookiePlain.subarray(32).equals(secret)) return 'INITIATE cookie is not this connection\'s';
		if (!this.peerNonce.advance(body, 105)) return 'INITIATE nonce not above HELLO\'s';
		let key: Buffer;
		try {
			key = boxKey(clientTransient, secret);
		} catch {
			return 'INITIATE from a low-order key';
		}
		const n = nonce('CurveZMQINITIATE');
		body.copy(n, 16, 105, 113);
		const plain = Buffer.alloc(body.length - 113 - MAC);
		if (!sodium.crypto_secretbox_open_easy(plain, body.subarray(113), n, key)) return 'INITIATE box does not open';
		const clientKey = Buffer.from(plain.subarray(0, 32));
		// The vouch: Box[C' + S](C → S'), proof that the holder of C made this connection.
		const vouchNonce = nonce('VOUCH---');
		plain.copy(vouchNonce, 8, 32, 48);
		const vouch = Buffer.alloc(64);
		let vouched = false;
		try {
			vouched = sodium.crypto_box_open_easy(vouch, plain.subarray(48, 128), vouchNonce, clientKey, secret);
		} catch {
			vouched = false;
		}
		if (!vouched) return 'INITIATE vouch does not open';
		if (!vouch.subarray(0, 32).equals(clientTransient) || !vouch.subarray(32).equals(this.keys.publicKey)) return 'INITIATE vouch is for another connection or server';
		sodium.sodium_memzero(secret);
		this.transientSecret = undefined;
		return {clientKey, metadata: plain.subarray(128), codec: new CurveCodec(key, this.peerNonce)};
	}
}
