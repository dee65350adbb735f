/**
 * What a hostile peer can do to the front door, by hand over raw TCP: each attempt closes that
 * connection and nothing else (a bystander DEALER keeps getting its replies).
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import * as zmq from 'zeromq';
import {z85Decode, z85Encode} from '../src/protocol/z85.js';
import {greeting} from '../src/hub/front-door/wire.js';
import {echoDoor, type EchoDoor} from './helpers/echo-door.js';
import {waitFor} from './helpers/wait.js';
import {commandFrameBytes, frameBytes, keyPair, readyCommand, RawPeer, type KeyPair} from './helpers/zmtp-peer.js';

const hubZ85 = zmq.curveKeyPair();
const hub: KeyPair = {publicKey: Buffer.from(z85Decode(hubZ85.publicKey)!), secretKey: Buffer.from(z85Decode(hubZ85.secretKey)!)};
const member = keyPair();
const admit = (key: string) => (key === z85Encode(member.publicKey) ? undefined : 'not on the list');

/** A door and a bystander on it that must keep working through every attack. */
function arena(curve: boolean) {
	const state: {door?: EchoDoor; bystander?: zmq.Dealer} = {};
	before(async () => {
		state.door = await echoDoor(curve ? {curve: hubZ85, admit} : {});
		const memberZ85 = {curvePublicKey: z85Encode(member.publicKey), curveSecretKey: z85Encode(member.secretKey), curveServerKey: hubZ85.publicKey};
		state.bystander = new zmq.Dealer({linger: 0, receiveTimeout: 5000, ...(curve ? memberZ85 : {})});
		state.bystander.connect(state.door.endpoint);
	});
	after(async () => {
		state.bystander?.close();
		await state.door?.stop();
	});
	return {
		get door() {
			return state.door!;
		},
		/** The bystander still gets answers, and the attacker's connection is gone. */
		async unharmed(attacker?: RawPeer) {
			if (attacker) await attacker.waitClosed();
			await state.bystander!.send('still there?');
			assert.deepEqual((await state.bystander!.receive()).map(String), ['echo:still there?']);
		},
	};
}

describe('front door under attack: NULL', () => {
	const a = arena(false);

	it('a message frame before READY', async () => {
		const p = await RawPeer.connect(a.door.door.port);
		p.write(Buffer.concat([greeting('NULL'), frameBytes(0, 'sneak')]));
		await a.unharmed(p);
		await a.door.waitCounted('protocol');
	});

	it('ZMTP 1.0 and 2.0 greetings, and the other mechanism', async () => {
		for (const bytes of [Buffer.from([0x01, 0x00]), Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1]), greeting('CURVE')]) {
			const p = await RawPeer.connect(a.door.door.port);
			p.write(bytes);
			await p.waitClosed();
		}
		await a.unharmed();
	});

	it('a socket type a ROUTER does not serve gets ERROR, then the door closes', async () => {
		const p = await RawPeer.connect(a.door.door.port);
		p.write(Buffer.concat([greeting('NULL'), readyCommand('SUB')]));
		const error = await p.command('ERROR');
		assert.match(error.toString('latin1'), /SUB.*cannot talk to this ROUTER/);
		await a.unharmed(p);
	});

	it('the 17th frame of a message closes the connection; nothing of it reaches the core', async () => {
		const before = a.door.messages.length;
		const p = await RawPeer.connect(a.door.door.port);
		await p.nullHandshake();
		p.write(Buffer.concat(Array.from({length: 17}, (_, i) => frameBytes(i < 16 ? 1 : 0, 'x'))));
		await a.unharmed(p);
		await a.door.waitClosed('too-many-frames');
		assert.equal(a.door.messages.length, before + 1, 'only the bystander’s message');
	});

	it('a frame one byte over the limit is refused from its header, its body never sent', async () => {
		const p = await RawPeer.connect(a.door.door.port);
		await p.nullHandshake();
		const header = Buffer.from([0x02, 0, 0, 0, 0, 0, 1, 0, 1]); // 65537 bytes, the body never comes
		p.write(header);
		await a.unharmed(p);
		await a.door.waitClosed('frame-too-big');
	});

	it('an oversized or truncated command, a malformed PING, an unfinished handshake', async () => {
		const big = await RawPeer.connect(a.door.door.port);
		big.write(Buffer.concat([greeting('NULL'), Buffer.from([0x06, 0, 0, 0, 0, 0, 0, 0x10, 0x01])]));
		await big.waitClosed();
		const ping = await RawPeer.connect(a.door.door.port);
		await ping.nullHandshake();
		ping.write(commandFrameBytes(Buffer.from('\x04PING\x00')));
		await ping.waitClosed();
		await a.unharmed();
		// A handshake left unfinished, on a door with a short deadline.
		const quick = await echoDoor({limits: {handshakeMs: 100}});
		try {
			const slow = await RawPeer.connect(quick.door.port);
			slow.write(greeting('NULL').subarray(0, 30));
			await slow.waitClosed();
			await quick.waitCounted('handshake-timeout');
		} finally {
			await quick.stop();
		}
	});

	it('a REQ message without its delimiter', async () => {
		const p = await RawPeer.connect(a.door.door.port);
		await p.nullHandshake('REQ');
		p.write(frameBytes(0, '{"type":"who"}'));
		await a.unharmed(p);
	});

	it('a never-ending message (millions of empty "more" parts) is cut at the 17th and memory stays flat', async t => {
		global.gc?.();
		const rssBefore = process.memoryUsage().rss;
		const p = await RawPeer.connect(a.door.door.port);
		await p.nullHandshake();
		const chunk = Buffer.alloc(64 * 1024);
		for (let i = 0; i < chunk.length; i += 2) chunk[i] = 0x01; // [more, size 0] again and again
		let sent = 0;
		// Up to 8 MiB (4 million parts), as fast as the socket takes it, until the door hangs up.
		while (sent < 8 * 1024 * 1024 && !p.isClosed) {
			if (!p.write(chunk)) await new Promise(resolve => p.socket.once('drain', resolve).once('close', resolve));
			sent += chunk.length;
		}
		await a.unharmed(p);
		await a.door.waitClosed('too-many-frames');
		const grew = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
		t.diagnostic(`sent ${(sent / 2 ** 20).toFixed(2)} MiB of empty parts before the door hung up; RSS grew ${grew.toFixed(1)} MiB`);
		assert.ok(grew < 50, `RSS grew ${grew.toFixed(1)} MiB`);
	});
});

describe('front door under attack: peers that do not read their replies', () => {
	it('a peer that never reads: its commands wait while its replies are unread, then it gets them all', async () => {
		// 1000 questions of 8 bytes, 64 KiB answers: 64 MB, more than loopback's buffers can take.
		// A few questions a batch, as the core's cap on questions in flight will make it.
		const answer = 'a'.repeat(64 * 1024);
		const door = await echoDoor({reply: () => [answer], limits: {maxMessagesPerBatch: 4}});
		const bystander = new zmq.Dealer({linger: 0, receiveTimeout: 5000});
		bystander.connect(door.endpoint);
		try {
			const p = await RawPeer.connect(door.door.port);
			await p.nullHandshake();
			p.socket.pause();
			p.write(Buffer.concat(Array.from({length: 1000}, () => frameBytes(0, 'history'))));
			const peer = await waitFor('its first message', () => door.messages[0]?.peer);
			await waitFor('the door to stop reading it', () => peer.counters.stalls > 0, 10_000);
			assert.ok(peer.unsentBytes <= door.door.limits.maxUnsentBytes, `${peer.unsentBytes} bytes unsent`);
			assert.ok(door.messages.length < 1000, 'its questions wait unread');
			await bystander.send('hello');
			assert.equal((await bystander.receive()).length, 1);
			p.socket.resume();
			await waitFor('all 1000 answers', () => p.frames.length >= 1000, 20_000);
			assert.equal(peer.open, true);
			p.destroy();
		} finally {
			bystander.close();
			await door.stop();
		}
	});

	it('one whose replies pass maxUnsentBytes at once is closed as a slow consumer; the others go on', async () => {
		const big = 'y'.repeat(256 * 1024);
		const door = await echoDoor({limits: {maxUnsentBytes: 1024 * 1024}, reply: m => (m.frames[0]!.toString() === 'history' ? [big, big] : ['ok'])});
		const bystander = new zmq.Dealer({linger: 0, receiveTimeout: 5000});
		bystander.connect(door.endpoint);
		try {
			const p = await RawPeer.connect(door.door.port);
			await p.nullHandshake();
			p.socket.pause();
			p.write(Buffer.concat(Array.from({length: 40}, () => frameBytes(0, 'history'))));
			await door.waitClosed('slow-consumer');
			await bystander.send('history?');
			assert.deepEqual((await bystander.receive()).map(String), ['ok']);
		} finally {
			bystander.close();
			await door.stop();
		}
	});
});

describe('front door under attack: CURVE', () => {
	const a = arena(true);

	it('a member gets through the hand-made handshake (the baseline for what follows)', async () => {
		const p = await RawPeer.connect(a.door.door.port);
		await p.curveHandshake(hub.publicKey, member);
		p.write(p.message('hello'));
		assert.deepEqual(await p.receive(), ['echo:hello']);
		p.destroy();
	});

	it('a wrong server key: the HELLO box does not open', async () => {
		const p = await RawPeer.connect(a.door.door.port);
		await assert.rejects(p.curveHandshake(keyPair().publicKey, member));
		await a.unharmed(p);
		await a.door.waitCounted('crypto');
	});

	it('a bad vouch: for another server, or another connection', async () => {
		for (const spoil of [{vouchServerKey: keyPair().publicKey}, {vouchTransient: keyPair().publicKey}]) {
			const p = await RawPeer.connect(a.door.door.port);
			await assert.rejects(p.curveHandshake(hub.publicKey, member, spoil));
			await a.unharmed(p);
		}
	});

	it('a replayed cookie, a replayed INITIATE, an INITIATE nonce not above HELLO’s', async () => {
		const first = await RawPeer.connect(a.door.door.port);
		await first.curveHandshake(hub.publicKey, member);
		// The cookie of one connection on another.
		const second = await RawPeer.connect(a.door.door.port);
		await assert.rejects(second.curveHandshake(hub.publicKey, member, {cookie: first.sent.cookie!}));
		await a.unharmed(second);
		// The same INITIATE again on the connection it opened.
		first.write(first.sent.initiate!);
		await a.unharmed(first);
		// An INITIATE whose nonce repeats HELLO's.
		const third = await RawPeer.connect(a.door.door.port);
		await assert.rejects(third.curveHandshake(hub.publicKey, member, {initiateNonce: 1}));
		await a.unharmed(third);
	});

	it('a MESSAGE nonce reused, or going backwards', async () => {
		for (const nonces of [[5, 5], [9, 7]]) {
			const p = await RawPeer.connect(a.door.door.port);
			await p.curveHandshake(hub.publicKey, member);
			p.write(p.message('one', false, nonces[0]));
			assert.deepEqual(await p.receive(), ['echo:one']);
			p.write(p.message('two', false, nonces[1]));
			await a.unharmed(p);
		}
		await a.door.waitClosed('crypto');
	});

	it('a MESSAGE before READY, and one that does not open', async () => {
		const early = await RawPeer.connect(a.door.door.port);
		early.write(Buffer.concat([greeting('CURVE'), frameBytes(0, Buffer.concat([Buffer.from('\x07MESSAGE'), Buffer.alloc(40)]))]));
		await a.unharmed(early);
		const forged = await RawPeer.connect(a.door.door.port);
		await forged.curveHandshake(hub.publicKey, member);
		const box = forged.message('tampered');
		box[box.length - 1]! ^= 1;
		forged.write(box);
		await a.unharmed(forged);
	});

	it('truncated HELLO and INITIATE, an oversized MESSAGE, 17 frames', async () => {
		const short = await RawPeer.connect(a.door.door.port);
		short.write(Buffer.concat([greeting('CURVE'), commandFrameBytes(Buffer.concat([Buffer.from('\x05HELLO\x01\x00'), Buffer.alloc(191)]))]));
		await a.unharmed(short);
		const big = await RawPeer.connect(a.door.door.port);
		await big.curveHandshake(hub.publicKey, member);
		big.write(big.message(Buffer.alloc(64 * 1024 + 1)));
		await a.unharmed(big);
		await a.door.waitClosed('frame-too-big');
		const many = await RawPeer.connect(a.door.door.port);
		await many.curveHandshake(hub.publicKey, member);
		many.write(Buffer.concat(Array.from({length: 17}, (_, i) => many.message('x', i < 16))));
		await a.unharmed(many);
		await a.door.waitClosed('too-many-frames');
	});

	it('an admission callback that throws refuses the key and is logged; the door goes on', async () => {
		const lines: string[] = [];
		const door = await echoDoor({
			curve: hubZ85,
			admit: () => {
				throw new Error('the list is unreadable');
			},
			log: line => lines.push(line),
		});
		try {
			const p = await RawPeer.connect(door.door.port);
			await assert.rejects(p.curveHandshake(hub.publicKey, member));
			assert.equal((await p.command('ERROR')).subarray(7).toString(), '400');
			assert.match(lines.join('\n'), /admission check failed.*the list is unreadable/);
			await door.waitCounted('key-refused');
		} finally {
			await door.stop();
		}
	});

	it('a key the admission callback refuses gets ERROR "400" and nothing else', async () => {
		const p = await RawPeer.connect(a.door.door.port);
		await assert.rejects(p.curveHandshake(hub.publicKey, keyPair()));
		assert.equal((await p.command('ERROR')).subarray(7).toString(), '400');
		await a.unharmed(p);
		await a.door.waitCounted('key-refused');
	});
});
