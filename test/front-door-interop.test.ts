/**
 * The front door against real libzmq peers: zeromq.js (libzmq 4.3.5) and Debian's pyzmq
 * (its own libzmq), DEALER and REQ, NULL and CURVE; heartbeats both ways; a peer killed in the
 * middle of a message; reconnects.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {after, describe, it} from 'node:test';
import * as zmq from 'zeromq';
import {z85Decode} from '../src/protocol/z85.js';
import {echoDoor, type EchoDoor} from './helpers/echo-door.js';
import {python} from './helpers/python.js';
import {waitFor} from './helpers/wait.js';
import {frameBytes, readyCommand, RawPeer} from './helpers/zmtp-peer.js';
import {greeting} from '../src/hub/front-door/wire.js';

const sockets: Array<zmq.Dealer | zmq.Request> = [];
after(() => sockets.forEach(s => s.close()));

function dealer(door: EchoDoor, options: Partial<zmq.SocketOptions<zmq.Dealer>> = {}): zmq.Dealer {
	const s = new zmq.Dealer({linger: 0, receiveTimeout: 5000, ...options});
	s.connect(door.endpoint);
	sockets.push(s);
	return s;
}

function request(door: EchoDoor, options: Partial<zmq.SocketOptions<zmq.Request>> = {}): zmq.Request {
	const s = new zmq.Request({linger: 0, receiveTimeout: 5000, ...options});
	s.connect(door.endpoint);
	sockets.push(s);
	return s;
}

async function roundTrip(s: zmq.Dealer | zmq.Request, ...frames: string[]): Promise<string[]> {
	await s.send(frames);
	return (await s.receive()).map(String);
}

const hub = zmq.curveKeyPair();
const member = zmq.curveKeyPair();
const stranger = zmq.curveKeyPair();
const banned = zmq.curveKeyPair();
/** Keys taken off the list while the door runs. */
const removed = new Set<string>();
const admit = (key: string) => (key === banned.publicKey ? 'banned' : key === member.publicKey && !removed.has(key) ? undefined : 'not on the list');
const as = (pair: {publicKey: string; secretKey: string}) => ({curveServerKey: hub.publicKey, curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey});

describe('front door: zeromq.js peers', () => {
	it('NULL: a DEALER and a REQ get their replies; the REQ delimiter is taken off and put back', async () => {
		const door = await echoDoor();
		try {
			const d = dealer(door);
			assert.deepEqual(await roundTrip(d, 'a', 'b', 'c'), ['echo:a', 'echo:b', 'echo:c']);
			const r = request(door);
			assert.deepEqual(await roundTrip(r, 'q'), ['echo:q']);
			assert.deepEqual(await roundTrip(r, 'again'), ['echo:again']);
			const envelopes = door.messages.map(m => `${m.peer.socketType}/${m.envelope}/${m.frames.length}`);
			assert.deepEqual(envelopes, ['DEALER/dealer/3', 'REQ/req/1', 'REQ/req/1']);
			assert.equal(door.messages[0]!.peer.key, undefined);
			assert.equal(door.messages[0]!.peer.address, '127.0.0.1');
		} finally {
			await door.stop();
		}
	});

	it('CURVE: a member key gets in (and the core learns it); wrong server key, unknown and banned keys do not', async () => {
		const door = await echoDoor({curve: hub, admit});
		try {
			const d = dealer(door, as(member));
			assert.deepEqual(await roundTrip(d, 'hi'), ['echo:hi']);
			const r = request(door, as(member));
			assert.deepEqual(await roundTrip(r, 'q'), ['echo:q']);
			assert.deepEqual(
				door.messages.map(m => m.peer.key),
				[member.publicKey, member.publicKey],
			);
			for (const [pair, why] of [
				[stranger, 'not on the list'],
				[banned, 'banned'],
			] as const) {
				const refused = dealer(door, as(pair));
				const auth = new Promise<number>(resolve => refused.events.on('handshake:error:auth', e => resolve(e.error.status)));
				await refused.send('let me in');
				assert.equal(await auth, 400, `libzmq reports the ${why} key as an authentication failure`);
			}
			const wrong = zmq.curveKeyPair();
			const misled = dealer(door, {...as(member), curveServerKey: wrong.publicKey});
			await misled.send('hello?');
			await door.waitCounted('crypto');
			assert.equal(door.door.stats().closed['key-refused']! >= 2, true);
			// Nothing of theirs reached the core, and the member's connection works on.
			assert.equal(door.messages.length, 2);
			assert.deepEqual(await roundTrip(d, 'still here'), ['echo:still here']);
			// The member's key is taken off the list: its open connections go (libzmq reconnects and is refused).
			let refusedAgain = 0;
			d.events.on('handshake:error:auth', () => refusedAgain++);
			removed.add(member.publicKey);
			assert.equal(door.door.closeWhere(p => removed.has(p.key ?? ''), 'key-refused', 'key removed'), 2);
			await waitFor('the member to be refused on reconnecting', () => refusedAgain > 0 || undefined);
		} finally {
			removed.clear();
			await door.stop();
		}
	});

	it('long replies (long frame headers, a megabyte) reach zeromq.js over NULL and CURVE', async () => {
		const sizes = [255, 256, 70_000, 1_500_000];
		for (const curve of [false, true]) {
			const door = await echoDoor({...(curve ? {curve: hub, admit} : {}), reply: m => [m.frames[0]!.toString(), 'y'.repeat(Number(m.frames[0]!.toString()))]});
			try {
				const d = dealer(door, curve ? as(member) : {});
				for (const size of sizes) {
					const [echo, body] = await roundTrip(d, String(size));
					assert.equal(echo, String(size));
					assert.equal(body!.length, size);
					assert.ok(/^y+$/.test(body!));
				}
			} finally {
				await door.stop();
			}
		}
	});

	it('heartbeats both ways: our PONGs keep a pinging peer, a peer that answers our PINGs stays, a silent one is dropped', async () => {
		// PINGs often, timeouts loose enough for a loaded machine's pauses.
		const door = await echoDoor({limits: {heartbeatIntervalMs: 40, heartbeatTimeoutMs: 1500, heartbeatTtlMs: 1500}});
		try {
			const pinging = dealer(door, {heartbeatInterval: 30, heartbeatTimeout: 1500, heartbeatTimeToLive: 3000});
			const quiet = dealer(door);
			let dropped = 0;
			pinging.events.on('disconnect', () => dropped++);
			quiet.events.on('disconnect', () => dropped++);
			assert.deepEqual(await roundTrip(pinging, 'x'), ['echo:x']);
			assert.deepEqual(await roundTrip(quiet, 'x'), ['echo:x']);
			const [pinger, listener] = door.messages.map(m => m.peer);
			// The pinging peer's PINGs (9 bytes each) get PONGs, or libzmq would drop us after 1.5 s.
			const from = pinger!.counters.bytesIn;
			await waitFor('ten PINGs from the pinging peer', () => pinger!.counters.bytesIn >= from + 90, 5000);
			// The quiet one hears our PINGs and answers them, or we would drop it after 1.5 s.
			await waitFor('ten PINGs to the quiet peer', () => listener!.counters.pingsSent >= 10, 5000);
			assert.equal(pinger!.open && listener!.open, true);
			assert.equal(dropped, 0);
			// A peer that completes its handshake and then says nothing, not even PONG.
			const silent = await RawPeer.connect(door.door.port);
			await silent.nullHandshake();
			await silent.waitClosed();
			await door.waitClosed('heartbeat-timeout');
			assert.deepEqual(await roundTrip(pinging, 'y'), ['echo:y']);
		} finally {
			await door.stop();
		}
	});

	it('a peer killed in the middle of a message: its half is dropped, nothing else notices', async () => {
		const door = await echoDoor();
		try {
			const d = dealer(door);
			const script = `
				const net = require('node:net');
				const s = net.connect(${door.door.port}, '127.0.0.1', () => {
					s.write(Buffer.from('${Buffer.concat([greeting('NULL'), readyCommand(), frameBytes(1, 'first'), frameBytes(1, 'second')]).toString('hex')}', 'hex'), () => process.kill(process.pid, 'SIGKILL'));
				});`;
			const child = spawn(process.execPath, ['-e', script], {stdio: 'ignore'});
			const signal = await new Promise(resolve => child.on('exit', (_code, sig) => resolve(sig)));
			assert.equal(signal, 'SIGKILL');
			await door.waitClosed('peer-closed');
			assert.equal(door.messages.length, 0);
			assert.deepEqual(await roundTrip(d, 'ok'), ['echo:ok']);
		} finally {
			await door.stop();
		}
	});

	it('reconnects: a peer the hub closes comes back under a new id; so does one whose hub restarts', async () => {
		let door = await echoDoor();
		const port = door.door.port;
		const d = dealer(door, {reconnectInterval: 20});
		try {
			assert.deepEqual(await roundTrip(d, 'one'), ['echo:one']);
			const first = door.messages[0]!.peer;
			door.door.close(first);
			await door.waitClosed('closed-by-hub');
			assert.deepEqual(await roundTrip(d, 'two'), ['echo:two']);
			assert.notEqual(door.messages[1]!.peer.id, first.id);
			await door.stop();
			door = await echoDoor({port});
			assert.deepEqual(await roundTrip(d, 'three'), ['echo:three']);
		} finally {
			await door.stop();
		}
	});
});

describe('front door: pyzmq peers', () => {
	it('DEALER and REQ, NULL and CURVE, from Debian python3-zmq', async () => {
		for (const curve of [false, true]) {
			const door = await echoDoor(curve ? {curve: hub, admit} : {});
			try {
				const keys = curve ? `s.curve_serverkey = ${pyBytes(hub.publicKey)}; s.curve_publickey = ${pyBytes(member.publicKey)}; s.curve_secretkey = ${pyBytes(member.secretKey)}` : 'pass';
				const out = await python(`
import zmq
ctx = zmq.Context()
for kind, name in ((zmq.DEALER, "dealer"), (zmq.REQ, "req")):
    s = ctx.socket(kind)
    s.linger = 0
    s.rcvtimeo = 5000
    ${keys}
    s.connect("${door.endpoint}")
    for i in range(3):
        s.send_multipart([("%s-%d" % (name, i)).encode()])
        print(b"|".join(s.recv_multipart()).decode())
    s.close()
ctx.term()
`);
				assert.deepEqual(out.trim().split('\n'), ['echo:dealer-0', 'echo:dealer-1', 'echo:dealer-2', 'echo:req-0', 'echo:req-1', 'echo:req-2'], curve ? 'CURVE' : 'NULL');
				if (curve) assert.ok(door.messages.every(m => m.peer.key === member.publicKey));
				assert.deepEqual([...new Set(door.messages.map(m => `${m.peer.socketType}/${m.envelope}`))], ['DEALER/dealer', 'REQ/req']);
			} finally {
				await door.stop();
			}
		}
	});
});

function pyBytes(z85: string): string {
	assert.equal(z85Decode(z85)?.length, 32);
	return `b"${z85.replace(/[\\"]/g, c => '\\' + c)}"`;
}
