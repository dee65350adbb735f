/** The front door's pieces on their own: the box key, the frame reader's budget, metadata. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import sodium from 'sodium-native';
import {FrameError, FrameReader} from '../src/hub/front-door/frame-reader.js';
import {boxKey} from '../src/hub/front-door/hsalsa20.js';
import {parseProperties, peerSocketType, property} from '../src/hub/front-door/wire.js';
import {frameBytes, keyPair} from './helpers/zmtp-peer.js';

describe('front door: CurveZMQ box key', () => {
	it('crypto_secretbox_easy keyed with boxKey is crypto_box_easy, byte for byte, both ways', () => {
		for (let i = 0; i < 20; i++) {
			const a = keyPair();
			const b = keyPair();
			const n = Buffer.alloc(24);
			sodium.randombytes_buf(n);
			const m = Buffer.alloc(i * 37);
			sodium.randombytes_buf(m);
			const boxed = Buffer.alloc(m.length + 16);
			sodium.crypto_box_easy(boxed, m, n, b.publicKey, a.secretKey);
			const sealed = Buffer.alloc(m.length + 16);
			sodium.crypto_secretbox_easy(sealed, m, n, boxKey(b.publicKey, a.secretKey));
			assert.deepEqual(sealed, boxed);
			assert.deepEqual(boxKey(a.publicKey, b.secretKey), boxKey(b.publicKey, a.secretKey));
		}
	});

	it('refuses a low-order public key (all-zero shared secret)', () => {
		assert.throws(() => boxKey(Buffer.alloc(32), keyPair().secretKey), RangeError);
	});
});

/** A sink that takes frames under a budget, as a connection does. */
function reader(maxFrames = 16, maxBytes = 100) {
	const frames: Array<{flags: number; body: string}> = [];
	let pending = 0;
	const r = new FrameReader({
		limit: () => {
			if (pending >= maxFrames) throw new FrameError(`more than ${maxFrames} frames in one message`);
			return maxBytes;
		},
		frame: (flags, body) => {
			frames.push({flags, body: body.toString()});
			pending = flags & 1 ? pending + 1 : 0;
			return true;
		},
	});
	return {r, frames};
}

describe('front door: frame reader', () => {
	it('reads the same frames whatever the chunk boundaries', () => {
		const stream = Buffer.concat([frameBytes(1, 'a'), frameBytes(0, 'x'.repeat(300)), frameBytes(4, '\x04PING\x00\x00'), frameBytes(0, '')]);
		const whole = reader(16, 1000);
		whole.r.read(stream);
		for (let cut = 1; cut < stream.length; cut++) {
			const split = reader(16, 1000);
			split.r.read(stream.subarray(0, cut));
			split.r.read(stream.subarray(cut));
			assert.deepEqual(split.frames, whole.frames, `cut at ${cut}`);
		}
		assert.equal(whole.frames.length, 4);
		assert.equal(whole.frames[1]!.body.length, 300);
	});

	it('refuses the 17th frame of a message at its header', () => {
		const {r, frames} = reader();
		const parts = Buffer.concat(Array.from({length: 17}, () => frameBytes(1, '')));
		assert.throws(() => r.read(parts), /more than 16 frames/);
		assert.equal(frames.length, 16);
	});

	it('refuses an oversized frame from its header alone, before any of its body', () => {
		const {r, frames} = reader(16, 100);
		const header = Buffer.from([0x02, 0, 0, 0, 0, 0, 0, 0, 101]);
		assert.throws(() => r.read(header), /101 bytes over the 100-byte limit/);
		const huge = reader(16, 100);
		assert.throws(() => huge.r.read(Buffer.from([0x02, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), /over the size limit/);
		assert.equal(frames.length, 0);
	});

	it('refuses reserved flag bits and commands flagged "more"', () => {
		assert.throws(() => reader().r.read(Buffer.from([0x08, 0])), FrameError);
		assert.throws(() => reader().r.read(Buffer.from([0x05, 0])), FrameError);
	});
});

describe('front door: metadata', () => {
	it('parses properties case-insensitively and refuses malformed ones', () => {
		const props = parseProperties(Buffer.concat([property('socket-TYPE', 'REQ'), property('Identity', 'me')]))!;
		assert.equal(peerSocketType(props), 'REQ');
		assert.equal(props.get('identity')!.toString(), 'me');
		assert.equal(parseProperties(Buffer.from([0, 0, 0, 0, 0])), undefined);
		assert.equal(parseProperties(Buffer.concat([property('A', 'b'), Buffer.from([1])])), undefined);
		const long = property('A', 'b');
		long.writeUInt32BE(0xffffffff, 2);
		assert.equal(parseProperties(long), undefined);
	});

	it('serves DEALER and REQ only', () => {
		for (const type of ['ROUTER', 'SUB', 'PUB', 'REP', 'PAIR']) {
			assert.notEqual(typeof peerSocketType(new Map([['socket-type', Buffer.from(type)]])), 'string', type);
		}
		assert.notEqual(typeof peerSocketType(new Map()), 'string');
	});
});
