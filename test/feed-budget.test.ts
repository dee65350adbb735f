/**
 * The feed port's budgets against hostile raw ZMTP peers (NULL and CURVE): what a subscriber may
 * subscribe to and how many, the frames it may send, and what a subscriber that never reads may
 * hold in the hub, in bytes; each breach closes that connection and nothing else.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import * as zmq from 'zeromq';
import {z85Decode} from '../src/protocol/z85.js';
import {RecordingSub, startFeed, subscriptionsReach} from './helpers/feed.js';
import {waitFor} from './helpers/wait.js';
import {commandFrameBytes, frameBytes, keyPair, RawPeer} from './helpers/zmtp-peer.js';
import {COMMAND, commandBody, MORE, pingBody} from '../src/hub/front-door/wire.js';

const subscribe = (topic: string) => frameBytes(0, Buffer.concat([Buffer.from([1]), Buffer.from(topic, 'latin1')]));

/** A raw SUB past its handshake (NULL). */
async function rawSub(port: number): Promise<RawPeer> {
	const peer = await RawPeer.connect(port);
	await peer.nullHandshake('SUB');
	return peer;
}

describe('feed port budgets (NULL)', () => {
	it('subscriptions: everything or a room topic only, at most maxSubscriptions; a breach closes that connection alone', async () => {
		const feed = await startFeed({limits: {maxSubscriptions: 4}});
		const bystander = new RecordingSub(feed.endpoint, ['#a:']);
		try {
			await subscriptionsReach(feed, 1);
			// Four room topics and the same again (no new ones): kept.
			const fine = await rawSub(feed.port);
			for (const t of ['', '#a:', '#b-2:', '#c_3:', '#a:', '']) fine.write(subscribe(t));
			await subscriptionsReach(feed, 5);
			// A fifth distinct one: closed.
			const greedy = await rawSub(feed.port);
			for (const t of ['#a:', '#b:', '#c:', '#d:', '#e:']) greedy.write(subscribe(t));
			await greedy.waitClosed();
			// Forms no client needs: a bare "#", a prefix, a name with a capital or a space, no "#".
			for (const bad of ['#', '#lob', '#Lobby:', '#a b:', 'lobby:', '#a:b:']) {
				const peer = await rawSub(feed.port);
				peer.write(subscribe(bad));
				await peer.waitClosed();
			}
			// ZMTP 3.1's SUBSCRIBE command is held to the same rules.
			const command = await rawSub(feed.port);
			command.write(frameBytes(COMMAND, commandBody('SUBSCRIBE', Buffer.from('#'))));
			await command.waitClosed();
			const closed = feed.stats().closed;
			assert.equal(closed['too-many-subscriptions'], 1);
			assert.equal(closed.subscription, 7);
			assert.equal(feed.stats().subscriptions, 5, "the closed ones' subscriptions are gone, the others kept");
			assert.ok(!fine.isClosed);
			feed.publish('#a:', ['{"seq":1}']);
			feed.flush();
			assert.deepEqual(await fine.receive(), ['#a:', '{"seq":1}']);
			await waitFor('the bystander to read', () => bystander.messages.length === 1);
			fine.destroy();
		} finally {
			await bystander.close();
			await feed.stop();
		}
	});

	it('a 4 KB subscription is refused on its header; a message that never ends on its first "more"; a flood of frames on its budget', async () => {
		const feed = await startFeed({limits: {frameBurst: 50, framesPerSecond: 10}});
		try {
			const long = await rawSub(feed.port);
			// Only the header and the first bytes of a 4096-byte frame: closed before the rest comes.
			long.write(frameBytes(0, Buffer.alloc(4096, 'x')).subarray(0, 20));
			await long.waitClosed();
			const endless = await rawSub(feed.port);
			endless.write(Buffer.concat(Array.from({length: 1000}, () => frameBytes(MORE, Buffer.alloc(0)))));
			await endless.waitClosed();
			const flood = await rawSub(feed.port);
			flood.write(Buffer.concat(Array.from({length: 200}, () => subscribe('#a:'))));
			await flood.waitClosed();
			const closed = feed.stats().closed;
			assert.deepEqual([closed['frame-too-big'], closed['too-many-frames'], closed.flood], [1, 1, 1]);
			assert.equal(feed.stats().subscriptions, 0);
		} finally {
			await feed.stop();
		}
	});

	it('a subscriber that never reads holds at most its byte budget (and one message); the one that reads gets everything', async () => {
		const maxQueuedBytes = 256 * 1024;
		const feed = await startFeed({limits: {maxQueuedBytes, maxQueuedMessages: 100_000}});
		const reader = new RecordingSub(feed.endpoint, ['#a:']);
		const stalled = await rawSub(feed.port);
		try {
			stalled.socket.pause();
			stalled.write(subscribe('#a:'));
			await subscriptionsReach(feed, 2);
			const event = JSON.stringify({text: 'x'.repeat(24 * 1024)});
			let peak = 0;
			for (let i = 0; i < 400; i++) {
				feed.publish('#a:', [event]);
				if (i % 10 === 9) {
					feed.flush();
					peak = Math.max(peak, feed.stats().queuedBytes);
					await new Promise(resolve => setImmediate(resolve));
				}
			}
			feed.flush();
			await waitFor('the reader to get all 400', () => reader.messages.length === 400, 20_000);
			peak = Math.max(peak, feed.stats().queuedBytes);
			assert.ok(peak <= maxQueuedBytes + event.length + 64, `queued ${peak} bytes, budget ${maxQueuedBytes}`);
			assert.ok(feed.stats().dropped > 0, 'the stalled one had messages dropped');
			assert.ok(!stalled.isClosed);
		} finally {
			stalled.destroy();
			await reader.close();
			await feed.stop();
		}
	});

	it('a subscriber that takes nothing of its queue for heartbeatTimeoutMs is closed as a slow consumer; a reading one stays', async () => {
		const feed = await startFeed({limits: {heartbeatIntervalMs: 200, heartbeatTimeoutMs: 800, heartbeatTtlMs: 800}});
		const reader = new RecordingSub(feed.endpoint, ['#a:']);
		const stalled = await rawSub(feed.port);
		// Alive but not reading: it sends PINGs (so it is not closed for silence) and reads none of the PONGs.
		const pings = setInterval(() => stalled.write(commandFrameBytes(pingBody(0))), 100);
		try {
			stalled.socket.pause();
			stalled.write(subscribe('#a:'));
			await subscriptionsReach(feed, 2);
			const event = JSON.stringify({text: 'z'.repeat(24 * 1024)});
			await waitFor('something to stay queued for the stalled one', async () => {
				for (let i = 0; i < 20; i++) feed.publish('#a:', [event]);
				feed.flush();
				await new Promise(resolve => setImmediate(resolve));
				return feed.stats().queuedBytes > 0;
			}, 20_000, 0);
			await waitFor('the stalled one to be closed', () => feed.stats().closed['slow-consumer'] === 1, 10_000);
			assert.equal(feed.stats().subscribers, 1, 'the reader stays');
			assert.equal(feed.stats().queuedBytes, 0);
			assert.equal(feed.stats().closed['heartbeat-timeout'], undefined);
		} finally {
			clearInterval(pings);
			stalled.destroy();
			await reader.close();
			await feed.stop();
		}
	});

	it('past the budget over all subscribers, the ones holding the most are closed as slow consumers', async () => {
		const feed = await startFeed({limits: {maxQueuedBytes: 512 * 1024, maxQueuedBytesTotal: 600 * 1024, maxQueuedMessages: 100_000}});
		const stalled = await Promise.all([rawSub(feed.port), rawSub(feed.port), rawSub(feed.port)]);
		try {
			for (const s of stalled) {
				s.socket.pause();
				s.write(subscribe(''));
			}
			await subscriptionsReach(feed, 3);
			const event = JSON.stringify({text: 'y'.repeat(24 * 1024)});
			await waitFor('slow consumers to be closed', async () => {
				for (let i = 0; i < 10; i++) feed.publish('#a:', [event]);
				feed.flush();
				await new Promise(resolve => setImmediate(resolve));
				return (feed.stats().closed['slow-consumer'] ?? 0) > 0;
			}, 20_000, 0);
			assert.ok(feed.stats().queuedBytes <= 600 * 1024, `${feed.stats().queuedBytes} bytes queued in all`);
		} finally {
			for (const s of stalled) s.destroy();
			await feed.stop();
		}
	});
});

describe('feed port budgets (CURVE)', () => {
	it('a member key is held to the same subscriptions and frames; a breach closes it alone', async () => {
		const hub = zmq.curveKeyPair();
		const feed = await startFeed({curve: hub, limits: {maxSubscriptions: 2}});
		const serverKey = Buffer.from(z85Decode(hub.publicKey)!);
		const peers: RawPeer[] = [];
		const connect = async () => {
			const p = await RawPeer.connect(feed.port);
			peers.push(p);
			await p.curveHandshake(serverKey, keyPair(), {socketType: 'SUB'});
			return p;
		};
		try {
			const greedy = await connect();
			for (const t of ['#a:', '#b:', '#c:']) greedy.write(greedy.message(Buffer.from(`\x01${t}`, 'latin1')));
			await greedy.waitClosed();
			const badForm = await connect();
			badForm.write(badForm.message(Buffer.from('\x01#', 'latin1')));
			await badForm.waitClosed();
			const endless = await connect();
			endless.write(Buffer.concat(Array.from({length: 10}, () => endless.message(Buffer.alloc(0), true))));
			await endless.waitClosed();
			const fine = await connect();
			fine.write(fine.message(Buffer.from('\x01#a:', 'latin1')));
			await subscriptionsReach(feed, 1);
			feed.publish('#a:', ['{"seq":1}']);
			feed.flush();
			assert.deepEqual(await fine.receive(), ['#a:', '{"seq":1}']);
			const closed = feed.stats().closed;
			assert.deepEqual([closed['too-many-subscriptions'], closed.subscription, closed['too-many-frames']], [1, 1, 1]);
		} finally {
			for (const p of peers) p.destroy();
			await feed.stop();
		}
	});
});
