/**
 * The front door's budgets that are not attacks on the protocol: connections per source
 * address and in all, the core's hold on a connection with questions unanswered, ZMTP 3.0
 * peers (served, never sent a PING).
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {greeting} from '../src/hub/front-door/wire.js';
import {echoDoor} from './helpers/echo-door.js';
import {waitFor} from './helpers/wait.js';
import {frameBytes, RawPeer, readyCommand} from './helpers/zmtp-peer.js';

describe('front door budgets', () => {
	it('connections per source address and in all: the one over is closed on arrival', async () => {
		const door = await echoDoor({limits: {maxConnectionsPerAddress: 2, maxConnections: 3}});
		try {
			const a = await Promise.all([RawPeer.connect(door.door.port), RawPeer.connect(door.door.port)]);
			await Promise.all(a.map(p => p.nullHandshake()));
			const third = await RawPeer.connect(door.door.port);
			await third.waitClosed();
			assert.equal(door.door.stats().refusedPerAddress, 1);
			// Another address (all of 127/8 is loopback on Linux) still gets in, up to the total.
			const other = await RawPeer.connect(door.door.port, '127.0.0.2');
			await other.nullHandshake();
			const over = await RawPeer.connect(door.door.port, '127.0.0.3');
			await over.waitClosed();
			assert.equal(door.door.stats().refusedOverLimit, 1);
			// A place freed is a place to take.
			a[0]!.destroy();
			await waitFor('the door to count the close', () => door.door.stats().connections === 2);
			const again = await RawPeer.connect(door.door.port);
			await again.nullHandshake();
			for (const p of [...a, other, again]) p.destroy();
		} finally {
			await door.stop();
		}
	});

	it('the core can stop reading a connection (questions in flight) and let it go on', async () => {
		let door: Awaited<ReturnType<typeof echoDoor>>;
		const held: number[] = [];
		door = await echoDoor({
			// The core answers nothing, and holds a connection once it has two questions open.
			reply: m => {
				const open = door.messages.filter(x => x.peer === m.peer).length;
				if (open === 2) {
					door.door.holdReading(m.peer, true);
					held.push(m.peer.id);
				}
				return undefined;
			},
		});
		try {
			const p = await RawPeer.connect(door.door.port);
			await p.nullHandshake();
			p.write(Buffer.concat([frameBytes(0, 'q1'), frameBytes(0, 'q2')]));
			await waitFor('the hold', () => held.length === 1);
			// What it sends from now on waits unread, while others are served.
			p.write(Buffer.concat([3, 4, 5, 6].map(i => frameBytes(0, `q${i}`))));
			const bystander = await RawPeer.connect(door.door.port);
			await bystander.nullHandshake();
			bystander.write(frameBytes(0, 'hi'));
			await waitFor('the bystander’s message', () => door.messages.some(m => m.frames[0]?.toString() === 'hi'));
			assert.deepEqual(door.messages.filter(m => m.peer.id === held[0]).map(m => m.frames[0]!.toString()), ['q1', 'q2']);
			door.door.holdReading(held[0]!, false);
			await waitFor('the rest, in order', () => door.messages.filter(m => m.peer.id === held[0]).length === 6);
			assert.deepEqual(door.messages.filter(m => m.peer.id === held[0]).map(m => m.frames[0]!.toString()), ['q1', 'q2', 'q3', 'q4', 'q5', 'q6']);
			p.destroy();
			bystander.destroy();
		} finally {
			await door.stop();
		}
	});

	it('a peer whose replies stay unread past the heartbeat timeout is closed as a slow consumer', async () => {
		// Each question is answered with 64 KiB, one question a batch: the unsent replies pass
		// pauseAboveBytes a little at a time, never maxUnsentBytes at once. Until loopback's
		// buffers are full the peer is not held, so its silence counts: the heartbeat timeout must
		// outlast answering the first few MB, which took over 200 ms on a busy machine (the peer
		// was closed as silent, not as a slow consumer).
		const answer = 'a'.repeat(64 * 1024);
		const door = await echoDoor({limits: {heartbeatIntervalMs: 50, heartbeatTimeoutMs: 1000, maxMessagesPerBatch: 1}, reply: () => [answer]});
		try {
			const p = await RawPeer.connect(door.door.port);
			await p.nullHandshake();
			p.socket.pause();
			// 1000 questions, 64 MB of answers: far more than loopback's buffers hold.
			p.write(Buffer.concat(Array.from({length: 1000}, () => frameBytes(0, 'history?'))));
			const closed = await door.waitClosed('slow-consumer', 15_000);
			assert.match(closed.detail, /replies unread for \d+ ms/);
			assert.ok(closed.peer.counters.stalls > 0);
			p.destroy();
		} finally {
			await door.stop();
		}
	});

	it('a ZMTP 3.0 peer is served, and not sent PINGs it could not answer', async () => {
		const door = await echoDoor({limits: {heartbeatIntervalMs: 20, heartbeatTimeoutMs: 100}});
		try {
			const old = await RawPeer.connect(door.door.port);
			const g = greeting('NULL');
			g[11] = 0;
			old.write(Buffer.concat([g, readyCommand()]));
			await old.command('READY');
			old.write(frameBytes(0, 'hello'));
			assert.deepEqual(await old.receive(), ['echo:hello']);
			// A 3.1 peer that stays silent is dropped by heartbeat; the 3.0 one is still there then.
			const silent = await RawPeer.connect(door.door.port);
			await silent.nullHandshake();
			await door.waitClosed('heartbeat-timeout');
			const peer = door.messages[0]!.peer;
			assert.equal(peer.zmtpMinor, 0);
			assert.equal(peer.open, true);
			assert.equal(peer.counters.pingsSent, 0);
			old.destroy();
		} finally {
			await door.stop();
		}
	});
});
