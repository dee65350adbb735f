/**
 * HSalsa20 (the core of XSalsa20, from DJB's "Extending the Salsa20 nonce"), and with it the
 * precomputed key of NaCl's crypto_box: sodium-native 5 has neither crypto_box_beforenm nor
 * crypto_core_hsalsa20, so the front door computes the key here, once per CURVE connection.
 */
import sodium from 'sodium-native';

const rotl = (v: number, n: number) => (v << n) | (v >>> (32 - n));

/** The 16-byte constant "expand 32-byte k" as four little-endian words. */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const;

/** HSalsa20 of a 32-byte key and a 16-byte input: 32 bytes, written to `out`. */
export function hsalsa20(out: Uint8Array, key: Uint8Array, input: Uint8Array): void {
	const k = new DataView(key.buffer, key.byteOffset, 32);
	const n = new DataView(input.buffer, input.byteOffset, 16);
	let x0 = SIGMA[0],
		x5 = SIGMA[1],
		x10 = SIGMA[2],
		x15 = SIGMA[3];
	let x1 = k.getUint32(0, true),
		x2 = k.getUint32(4, true),
		x3 = k.getUint32(8, true),
		x4 = k.getUint32(12, true);
	let x11 = k.getUint32(16, true),
		x12 = k.getUint32(20, true),
		x13 = k.getUint32(24, true),
		x14 = k.getUint32(28, true);
	let x6 = n.getUint32(0, true),
		x7 = n.getUint32(4, true),
		x8 = n.getUint32(8, true),
		x9 = n.getUint32(12, true);
	for (let i = 0; i < 10; i++) {
		// columns
		x4 ^= rotl((x0 + x12) | 0, 7);
		x8 ^= rotl((x4 + x0) | 0, 9);
		x12 ^= rotl((x8 + x4) | 0, 13);
		x0 ^= rotl((x12 + x8) | 0, 18);
		x9 ^= rotl((x5 + x1) | 0, 7);
		x13 ^= rotl((x9 + x5) | 0, 9);
		x1 ^= rotl((x13 + x9) | 0, 13);
		x5 ^= rotl((x1 + x13) | 0, 18);
		x14 ^= rotl((x10 + x6) | 0, 7);
		x2 ^= rotl((x14 + x10) | 0, 9);
		x6 ^= rotl((x2 + x14) | 0, 13);
		x10 ^= rotl((x6 + x2) | 0, 18);
		x3 ^= rotl((x15 + x11) | 0, 7);
		x7 ^= rotl((x3 + x15) | 0, 9);
		x11 ^= rotl((x7 + x3) | 0, 13);
		x15 ^= rotl((x11 + x7) | 0, 18);
		// rows
		x1 ^= rotl((x0 + x3) | 0, 7);
		x2 ^= rotl((x1 + x0) | 0, 9);
		x3 ^= rotl((x2 + x1) | 0, 13);
		x0 ^= rotl((x3 + x2) | 0, 18);
		x6 ^= rotl((x5 + x4) | 0, 7);
		x7 ^= rotl((x6 + x5) | 0, 9);
		x4 ^= rotl((x7 + x6) | 0, 13);
		x5 ^= rotl((x4 + x7) | 0, 18);
		x11 ^= rotl((x10 + x9) | 0, 7);
		x8 ^= rotl((x11 + x10) | 0, 9);
		x9 ^= rotl((x8 + x11) | 0, 13);
		x10 ^= rotl((x9 + x8) | 0, 18);
		x12 ^= rotl((x15 + x14) | 0, 7);
		x13 ^= rotl((x12 + x15) | 0, 9);
		x14 ^= rotl((x13 + x12) | 0, 13);
		x15 ^= rotl((x14 + x13) | 0, 18);
	}
	const o = new DataView(out.buffer, out.byteOffset, 32);
	[x0, x5, x10, x15, x6, x7, x8, x9].forEach((word, i) => o.setUint32(i * 4, word >>> 0, true));
}

const ZERO_INPUT = new Uint8Array(16);

/**
 * crypto_box_beforenm: the key two parties share, HSalsa20 of their X25519 secret. With it,
 * crypto_secretbox_easy is crypto_box_easy_afternm byte for byte (test/front-door-wire.test.ts
 * checks it against crypto_box_easy). Throws when the peer's key is a low-order point (the
 * shared secret would be all zeros), as libsodium's crypto_box_beforenm refuses it.
 */
export function boxKey(theirPublic: Uint8Array, mySecret: Uint8Array): Buffer {
	const shared = Buffer.alloc(32);
	try {
		// libsodium refuses (throws here) when the result is all zeros.
		sodium.crypto_scalarmult(shared, mySecret, theirPublic);
	} catch {
		throw new RangeError('the peer key is a low-order point');
	}
	const key = Buffer.alloc(32);
	hsalsa20(key, shared, ZERO_INPUT);
	sodium.sodium_memzero(shared);
	return key;
}
