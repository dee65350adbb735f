/** The few sodium-native 5 functions the hub's front door uses (the package ships no types). */
declare module 'sodium-native' {
	type Bytes = Uint8Array;
	const sodium: {
		crypto_box_keypair(publicKey: Bytes, secretKey: Bytes): void;
		crypto_box_easy(c: Bytes, m: Bytes, n: Bytes, pk: Bytes, sk: Bytes): void;
		crypto_box_open_easy(m: Bytes, c: Bytes, n: Bytes, pk: Bytes, sk: Bytes): boolean;
		crypto_secretbox_easy(c: Bytes, m: Bytes, n: Bytes, k: Bytes): void;
		crypto_secretbox_open_easy(m: Bytes, c: Bytes, n: Bytes, k: Bytes): boolean;
		crypto_scalarmult(q: Bytes, n: Bytes, p: Bytes): void;
		crypto_scalarmult_base(q: Bytes, n: Bytes): void;
		randombytes_buf(buf: Bytes): void;
		sodium_memzero(buf: Bytes): void;
	};
	export default sodium;
}
