/**
 * How the front door puts a flush's replies on the wire: a DEALER's joined into messages of at
 * most `replyFramesPerMessage` frames, in order (NULL and CURVE); a REQ's one message each.
 * Read by a hand-made peer (the frames as written) and by a real libzmq DEALER.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import * as zmq from 'zeromq';
import {DEFAULT_LIMITS} from '../src/hub/front-door/limits.js';
import {z85Decode, z85Encode} from '../src/protocol/z85.js';
import {echoDoor} from './helpers/echo-door.js';
import {frameBytes, keyPair, RawPeer, type KeyPair} from './helpers/zmtp-peer.js';

const PER = DEFAULT_LIMITS.replyFramesPerMessage;
const N = PER + 36;
const names = (from: number, to: number) => Array.from({length: to - from}, (_, i) => `echo:q${from + i}`);

describe('front door: replies on the wire', () => {
	it(`NULL: ${N} one-frame commands read in one batch come back as messages of ${PER} and ${N - PER} frames, in order`, async () => {
		const door = await echoDoor();
		try {
			const p = await RawPeer.connect(door.door.port);
			await p.nullHandshake();
			p.write(Buffer.concat(Array.from({length: N}, (_, i) => frameBytes(0, `q${i}`))));
			assert.deepEqual(await p.receive(), names(0, PER));
			assert.deepEqual(await p.receive(), names(PER, N));
			p.destroy();
		} finally {
			await door.stop();
		}
	});

	it('CURVE: the same, each frame its own MESSAGE box', async () => {
		const hubZ85 = zmq.curveKeyPair();
		const hub: KeyPair = {publicKey: Buffer.from(z85Decode(hubZ85.publicKey)!), secretKey: Buffer.from(z85Decode(hubZ85.secretKey)!)};
		const member = keyPair();
		const door = await echoDoor({curve: hubZ85, admit: key => (key === z85Encode(member.publicKey) ? undefined : 'not on the list')});
		try {
			const p = await RawPeer.connect(door.door.port);
			await p.curveHandshake(hub.publicKey, member);
			p.write(Buffer.concat(Array.from({length: N}, (_, i) => p.message(`q${i}`))));
			assert.deepEqual(await p.receive(), names(0, PER));
			assert.deepEqual(await p.receive(), names(PER, N));
			p.destroy();
		} finally {
			await door.stop();
		}
	});

	it("a reply of several frames is never cut between two messages, and a REQ's replies stay one message each", async () => {
		// Each command is answered with three frames: 21 replies fill 63 frames, the 22nd starts a new message.
		const door = await echoDoor({reply: m => [1, 2, 3].map(k => `${m.frames[0]!.toString()}.${k}`)});
		try {
			const p = await RawPeer.connect(door.door.port);
			await p.nullHandshake();
			p.write(Buffer.concat(Array.from({length: 30}, (_, i) => frameBytes(0, `c${i}`))));
			const first = await p.receive();
			const second = await p.receive();
			assert.equal(first.length, 63);
			assert.equal(second.length, 27);
			assert.deepEqual([...first, ...second], Array.from({length: 30}, (_, i) => [1, 2, 3].map(k => `c${i}.${k}`)).flat());
			p.destroy();

			// A peer that says it is a REQ (two requests in one write, which a REQ would not do, to
			// put both replies in one flush): each reply is a message of its own, after its delimiter.
			const r = await RawPeer.connect(door.door.port);
			await r.nullHandshake('REQ');
			r.write(Buffer.concat([frameBytes(1, ''), frameBytes(0, 'a'), frameBytes(1, ''), frameBytes(0, 'b')]));
			assert.deepEqual(await r.receive(), ['', 'a.1', 'a.2', 'a.3']);
			assert.deepEqual(await r.receive(), ['', 'b.1', 'b.2', 'b.3']);
			r.destroy();
		} finally {
			await door.stop();
		}
	});

	it('a libzmq DEALER sending a command a message reads every reply, in order, in fewer messages than it sent', async () => {
		const door = await echoDoor();
		const d = new zmq.Dealer({linger: 0, receiveTimeout: 5000});
		try {
			d.connect(door.endpoint);
			const n = 2000;
			for (let i = 0; i < n; i++) await d.send(`q${i}`);
			const got: string[] = [];
			let messages = 0;
			while (got.length < n) {
				const frames = await d.receive();
				assert.ok(frames.length <= PER, `a message of ${frames.length} frames`);
				got.push(...frames.map(String));
				messages++;
			}
			assert.deepEqual(got, names(0, n));
			assert.ok(messages < n, `${messages} messages for ${n} replies`);
		} finally {
			d.close();
			await door.stop();
		}
	});
});
