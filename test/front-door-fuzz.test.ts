/**
 * Fuzz of the front door, seeded and bounded in time. In memory, well over 100k mutated
 * greetings, handshakes (NULL and CURVE) and frames go through a connection's parser and state
 * machine, cut into random chunks; then a few thousand over real TCP against a running door,
 * while a bystander DEALER keeps getting its replies. Nothing may throw; every budget holds.
 */
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import type {Socket} from 'node:net';
import {describe, it} from 'node:test';
import * as zmq from 'zeromq';
import {Connection, type DoorSide} from '../src/hub/front-door/connection.js';
import {DEFAULT_LIMITS} from '../src/hub/front-door/limits.js';
import {z85Decode} from '../src/protocol/z85.js';
import {greeting, commandBody} from '../src/hub/front-door/wire.js';
import {echoDoor} from './helpers/echo-door.js';
import {waitFor} from './helpers/wait.js';
import {commandFrameBytes, CurveClient, frameBytes, keyPair, readyCommand, RawPeer} from './helpers/zmtp-peer.js';

/** mulberry32: a small seeded generator, so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function mutate(input: Buffer, random: () => number, from = 0): Buffer {
	let b = Buffer.from(input);
	const int = (n: number) => Math.floor(random() * n);
	const at = () => from + int(Math.max(1, b.length - from));
	for (let k = 1 + int(3); k > 0; k--) {
		switch (int(7)) {
			case 0: {
				const i = at();
				if (i < b.length) b[i]! ^= 1 << int(8);
				break;
			}
			case 1: {
				const i = at();
				if (i < b.length) b[i] = [0, 0xff, 0x7f, 0x01, 0x04, 0x06, int(256)][int(7)]!;
				break;
			}
			case 2:
				b = b.subarray(0, at());
				break;
			case 3: {
				const i = at();
				const junk = Buffer.alloc(1 + int(40));
				for (let j = 0; j < junk.length; j++) junk[j] = int(256);
				b = Buffer.concat([b.subarray(0, i), junk, b.subarray(i)]);
				break;
			}
			case 4: {
				const i = at();
				b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + int(20))]);
				break;
			}
			case 5: {
				const i = at();
				b = Buffer.concat([b.subarray(0, i), b.subarray(i, i + 1 + int(30)), b.subarray(i)]);
				break;
			}
			default: {
				// a frame of empty "more" parts spliced in: the never-ending message in small
				const i = at();
				b = Buffer.concat([b.subarray(0, i), Buffer.alloc(2 * int(40)).fill(Buffer.from([1, 0])), b.subarray(i)]);
			}
		}
	}
	return b;
}

/** Stands in for a TCP socket under one Connection: what it writes, whether it was closed. */
class MemorySocket extends EventEmitter {
	written = 0;
	writableLength = 0;
	destroyed = false;
	lastWrite: Buffer | undefined;
	write(data: Buffer): boolean {
		this.written += data.length;
		this.lastWrite = data;
		return true;
	}
	end(): void {
		this.destroyed = true;
	}
	destroy(): void {
		this.destroyed = true;
	}
	pause(): void {}
	resume(): void {}
}

const hub = keyPair();
const member = keyPair();

interface Tally {
	cases: number;
	delivered: number;
	closed: number;
}

function side(tally: Tally, curve: boolean): DoorSide {
	return {
		limits: DEFAULT_LIMITS,
		curve: curve ? hub : undefined,
		admit: key => (key.length === 40 ? undefined : 'bad key'),
		deliver: (_conn, _envelope, frames) => {
			assert.ok(frames.length <= DEFAULT_LIMITS.maxFrames);
			for (const f of frames) assert.ok(f.length <= DEFAULT_LIMITS.maxFrameBytes);
			tally.delivered++;
			return true;
		},
		ended: () => {
			tally.closed++;
		},
		log: () => {},
	};
}

/** Pour bytes into a connection's socket in random chunks, until it is closed. */
function pour(socket: MemorySocket, bytes: Buffer, random: () => number): void {
	let at = 0;
	while (at < bytes.length && !socket.destroyed) {
		const n = 1 + Math.floor(random() * (random() < 0.1 ? 8 : 600));
		socket.emit('data', bytes.subarray(at, at + n));
		at += n;
	}
}

/** A fresh connection fed these bytes; returns it and its socket. */
function feed(door: DoorSide, bytes: Buffer, random: () => number): {conn: Connection; socket: MemorySocket} {
	const socket = new MemorySocket();
	const conn = new Connection(1, '127.0.0.1', 1, socket as unknown as Socket, door, Date.now());
	pour(socket, bytes, random);
	return {conn, socket};
}

const NULL_SEED = Buffer.concat([
	greeting('NULL'),
	readyCommand('DEALER', 'me'),
	frameBytes(1, ''),
	frameBytes(0, '{"type":"who"}'),
	frameBytes(1, 'a'),
	frameBytes(1, 'x'.repeat(300)),
	frameBytes(0, 'c'),
	commandFrameBytes(commandBody('PING', Buffer.from([0, 30]), Buffer.from('ctx'))),
	frameBytes(0, '{"type":"ping"}'),
]);

const HANDSHAKE = Buffer.concat([greeting('NULL'), readyCommand('DEALER')]);
/** Frames to mutate one at a time. */
const FRAMES = [
	frameBytes(1, ''),
	frameBytes(0, '{"type":"who"}'),
	frameBytes(1, 'a'),
	frameBytes(0, 'x'.repeat(300)),
	commandFrameBytes(commandBody('PING', Buffer.from([0, 30]), Buffer.from('ctx'))),
	commandFrameBytes(commandBody('PONG')),
	commandFrameBytes(commandBody('SUBSCRIBE', Buffer.from('x'))),
];

describe('front door fuzz', () => {
	it('in memory: ≥ 100k mutated greetings, handshakes and frames, nothing throws, every budget holds', t => {
		const random = rng(0x5eed);
		// Each family has its own cap of CPU time (not wall time: a machine shared with other
		// work still runs every case), reached only if the counts are not reached first.
		const cpuMs = () => {
			const u = process.cpuUsage();
			return (u.user + u.system) / 1000;
		};
		const cap = (ms: number) => cpuMs() + ms;
		const tally: Tally = {cases: 0, delivered: 0, closed: 0};
		const plain = side(tally, false);
		const curve = side(tally, true);
		const counts = {stream: 0, frame: 0, hello: 0, initiate: 0, message: 0};
		// NULL: the whole stream mutated (greeting, READY, messages, PING).
		let until = cap(1500);
		for (let i = 0; i < 20_000 && cpuMs() < until; i++, counts.stream++) feed(plain, mutate(NULL_SEED, random), random);
		// NULL: after a good handshake, one mutated frame after another until the connection is closed.
		until = cap(2000);
		let socket = feed(plain, HANDSHAKE, random).socket;
		for (let i = 0; i < 100_000 && cpuMs() < until; i++, counts.frame++) {
			if (socket.destroyed) socket = feed(plain, HANDSHAKE, random).socket;
			pour(socket, mutate(FRAMES[Math.floor(random() * FRAMES.length)]!, random), random);
		}
		// CURVE HELLO: one valid HELLO, mutated (the server keeps no state for it but the connection).
		const helloClient = new CurveClient(hub.publicKey, member);
		const hello = Buffer.concat([greeting('CURVE'), helloClient.hello()]);
		until = cap(1000);
		for (let i = 0; i < 5000 && cpuMs() < until; i++, counts.hello++) feed(curve, mutate(hello, random), random);
		// CURVE INITIATE and MESSAGE: a real handshake each time, the rest mutated.
		until = cap(1000);
		for (let i = 0; i < 1500 && cpuMs() < until; i++) {
			const client = new CurveClient(hub.publicKey, member);
			const {conn, socket} = feed(curve, Buffer.concat([greeting('CURVE'), client.hello()]), random);
			const initiate = client.initiate(socket.lastWrite!.subarray(2));
			if (i % 2 === 0) {
				counts.initiate++;
				pour(socket, mutate(initiate, random), random);
				continue;
			}
			counts.message++;
			socket.emit('data', initiate);
			assert.equal(conn.isReady, true);
			const messages = Buffer.concat([client.message('a', true), client.message('b'), client.message(commandBody('PING', Buffer.from([0, 1])), false, undefined, true), client.message('c')]);
			pour(socket, mutate(messages, random), random);
		}
		tally.cases = counts.stream + counts.frame + counts.hello + counts.initiate + counts.message;
		t.diagnostic(`${tally.cases} cases (${JSON.stringify(counts)}): ${tally.delivered} messages delivered, ${tally.closed} connections closed`);
		assert.ok(tally.cases >= 100_000, `${tally.cases} cases: the CPU caps came first`);
		assert.ok(tally.closed > 0 && tally.delivered > 0);
	});

	it('over TCP: mutated streams against a running door (NULL and CURVE); a bystander keeps its replies', async t => {
		for (const mechanism of ['NULL', 'CURVE'] as const) {
			const hubZ85 = zmq.curveKeyPair();
			const door = await echoDoor(mechanism === 'CURVE' ? {curve: hubZ85} : {});
			const member = zmq.curveKeyPair();
			const bystander = new zmq.Dealer({
				linger: 0,
				receiveTimeout: 5000,
				...(mechanism === 'CURVE' ? {curveServerKey: hubZ85.publicKey, curvePublicKey: member.publicKey, curveSecretKey: member.secretKey} : {}),
			});
			bystander.connect(door.endpoint);
			try {
				const random = rng(mechanism === 'NULL' ? 1 : 2);
				const seed = mechanism === 'NULL' ? NULL_SEED : Buffer.concat([greeting('CURVE'), new CurveClient(Buffer.from(z85Decode(hubZ85.publicKey)!), keyPair()).hello()]);
				const cases = 800;
				for (let batch = 0; batch < cases; batch += 100) {
					const peers = await Promise.all(Array.from({length: 100}, () => RawPeer.connect(door.door.port)));
					for (const p of peers) {
						p.write(mutate(seed, random));
						p.socket.end();
					}
					await Promise.all(peers.map(p => p.waitClosed(10_000)));
					await bystander.send(`after ${batch}`);
					assert.deepEqual((await bystander.receive()).map(String), [`echo:after ${batch}`]);
				}
				await waitFor('every fuzz connection gone', () => door.door.stats().connections <= 1);
				t.diagnostic(`${mechanism}: ${cases} mutated streams over TCP, closes ${JSON.stringify(door.door.stats().closed)}`);
			} finally {
				bystander.close();
				await door.stop();
			}
		}
	});
});
