/**
 * Z85 (ZeroMQ RFC 32): how CURVE keys are written as text. 32 bytes become 40 printable
 * characters, none of them a quote, backslash, space or control character.
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Encode bytes (a multiple of 4 long) as Z85. */
export function z85Encode(bytes: Uint8Array): string {
	if (bytes.length % 4 !== 0) throw new RangeError('z85 encodes a multiple of 4 bytes');
	let out = '';
	for (let i = 0; i < bytes.length; i += 4) {
		let value = ((bytes[i]! << 24) >>> 0) + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) + bytes[i + 3]!;
		let chunk = '';
		for (let j = 0; j < 5; j++) {
			chunk = ALPHABET[value % 85]! + chunk;
			value = Math.floor(value / 85);
		}
		out += chunk;
	}
	return out;
}

/** Decode Z85 text, or undefined when it is not valid Z85 (wrong length, a character outside the alphabet, a value over 32 bits). */
export function z85Decode(text: string): Uint8Array | undefined {
	if (text.length % 5 !== 0) return undefined;
	const out = new Uint8Array((text.length / 5) * 4);
	for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
		let value = 0;
		for (let j = 0; j < 5; j++) {
			const code = text.charCodeAt(i + j);
			const digit = code < 128 ? DECODE[code]! : -1;
			if (digit < 0) return undefined;
			value = value * 85 + digit;
		}
		if (value > 0xffffffff) return undefined;
		out[o] = value >>> 24;
		out[o + 1] = (value >>> 16) & 0xff;
		out[o + 2] = (value >>> 8) & 0xff;
		out[o + 3] = value & 0xff;
	}
	return out;
}

/** Whether a string is a CURVE public key in Z85: 40 characters that decode to 32 bytes. */
export function isZ85Key(text: string): boolean {
	return text.length === 40 && z85Decode(text) !== undefined;
}
