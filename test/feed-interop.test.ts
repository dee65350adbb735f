/**
 * The feed port against real libzmq subscribers: zeromq.js (libzmq 4.3.5) and Debian's pyzmq
 * (libzmq 4.3.4), NULL and CURVE; every subscriber gets every message of its topics, in order;
 * ZeroMQ's prefix matching; heartbeats both ways; reconnects; a key that is refused or revoked.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import * as zmq from 'zeromq';
import {RecordingSub, startFeed, subscriptionsReach} from './helpers/feed.js';
import {python} from './helpers/python.js';
import {waitFor} from './helpers/wait.js';
import {RawPeer} from './helpers/zmtp-peer.js';

const hub = zmq.curveKeyPair();
const member = zmq.curveKeyPair();
const stranger = zmq.curveKeyPair();
const as = (pair: {publicKey: string; secretKey: string}) => ({curveServerKey: hub.publicKey, curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey});

/** `count` messages over rooms a and b (in turn), each [topic, '{"room":…,"seq":n}'] with its own seq per room. */
function publishRooms(feed: {publish(topic: string, events: readonly string[]): void; flush(): void}, count: number, perFlush = 7): void {
	const seq = {a: 0, b: 0};
	for (let i = 0; i < count; i++) {
		const room = i % 2 === 0 ? 'a' : 'b';
		feed.publish(`#${room}:`, [JSON.stringify({room, seq: ++seq[room]})]);
		if (i % perFlush === perFlush - 1) feed.flush();
	}
	feed.flush();
}

/** The seqs a subscriber got for a room, in the order it got them. */
function seqs(sub: RecordingSub, room: string): number[] {
	return sub.messages.filter(m => m[0] === `#${room}:`).map(m => (JSON.parse(m[1]!) as {seq: number}).seq);
}

const upTo = (n: number) => Array.from({length: n}, (_, i) => i + 1);

describe('feed port: zeromq.js subscribers', () => {
	it('NULL: 24 subscribers each get every message of their rooms, once, in order, whatever they subscribed to', async () => {
		const feed = await startFeed();
		const everything = Array.from({length: 8}, () => new RecordingSub(feed.endpoint, ['']));
		const roomA = Array.from({length: 8}, () => new RecordingSub(feed.endpoint, ['#a:']));
		// Everything and room b again (a message goes once), and a room that has no messages.
		const overlapping = Array.from({length: 8}, () => new RecordingSub(feed.endpoint, ['', '#b:', '#zzz:']));
		try {
			await subscriptionsReach(feed, 8 + 8 + 24);
			publishRooms(feed, 2000);
			// 40,000 messages into 24 sockets of this process: give a loaded machine time.
			await waitFor('every message to arrive', () => [...everything, ...overlapping].every(s => s.messages.length === 2000) && roomA.every(s => s.messages.length === 1000), 60_000);
			for (const s of [...everything, ...overlapping]) {
				assert.deepEqual(seqs(s, 'a'), upTo(1000));
				assert.deepEqual(seqs(s, 'b'), upTo(1000));
			}
			for (const s of roomA) assert.deepEqual(seqs(s, 'a'), upTo(1000));
			assert.equal(feed.stats().dropped, 0);
			// A cancel stops its room, and only that.
			roomA[0]!.socket.unsubscribe('#a:');
			roomA[0]!.socket.subscribe('#b:');
			await waitFor('the cancel', () => feed.stats().subscriptions === 8 + 8 + 24);
			await waitFor('the new subscription', async () => {
				feed.publish('#b:', ['{"room":"b","seq":0}']);
				feed.flush();
				await new Promise(resolve => setTimeout(resolve, 20));
				return roomA[0]!.messages.some(m => m[0] === '#b:');
			});
			feed.publish('#a:', ['{"room":"a","seq":1001}']);
			feed.flush();
			await waitFor('room a to reach the others', () => roomA[1]!.messages.length === 1001);
			assert.equal(seqs(roomA[0]!, 'a').length, 1000, 'nothing more of room a after the cancel');
		} finally {
			await Promise.all([...everything, ...roomA, ...overlapping].map(s => s.close()));
			await feed.stop();
		}
	});

	it('CURVE: a member reads (multi-event messages too); an unknown key is refused; a revoked key is closed at once and refused on reconnecting', async () => {
		const revoked = new Set<string>();
		const feed = await startFeed({curve: hub, admit: key => (key === member.publicKey && !revoked.has(key) ? undefined : 'not on the list')});
		const reader = new RecordingSub(feed.endpoint, ['#a:'], as(member));
		const other = new RecordingSub(feed.endpoint, [''], as(member));
		const refused = new zmq.Subscriber({linger: 0, ...as(stranger)});
		const auth = new Promise<number>(resolve => refused.events.on('handshake:error:auth', e => resolve(e.error.status)));
		refused.connect(feed.endpoint);
		refused.subscribe('');
		try {
			assert.equal(await auth, 400, 'libzmq reports the refusal as an authentication failure');
			await subscriptionsReach(feed, 2);
			feed.publish('#a:', ['{"seq":1}', '{"seq":2}', '{"seq":3}']);
			publishRooms(feed, 200);
			await waitFor('the member to read', () => reader.messages.length === 101 && other.messages.length === 201);
			assert.deepEqual(reader.messages[0], ['#a:', '{"seq":1}', '{"seq":2}', '{"seq":3}']);
			assert.deepEqual(seqs(other, 'b'), upTo(100));
			let refusedAgain = 0;
			reader.socket.events.on('handshake:error:auth', () => refusedAgain++);
			revoked.add(member.publicKey);
			assert.equal(feed.closeWhere(sub => sub.key === member.publicKey), 2);
			assert.equal(feed.stats().closed.revoked, 2);
			feed.publish('#a:', ['{"seq":"after"}']);
			feed.flush();
			await waitFor('the revoked key to be refused on reconnecting', () => refusedAgain > 0);
			assert.equal(reader.messages.length, 101, 'nothing reached it after the revocation');
		} finally {
			refused.close();
			await Promise.all([reader.close(), other.close()]);
			await feed.stop();
		}
	});

	it("queue(): held for the caller's flush, in order with publish(), each once; refused once the port stops", async () => {
		const feed = await startFeed();
		const sub = new RecordingSub(feed.endpoint, ['#a:']);
		try {
			await subscriptionsReach(feed, 1);
			assert.equal(feed.queue('#a:', ['{"seq":1}']), true);
			// Two turns of the event loop first: what queue() holds waits for the caller's flush, and goes out before what is published after it.
			for (let turn = 0; turn < 2; turn++) await new Promise(resolve => setImmediate(resolve));
			feed.publish('#a:', ['{"seq":2}']);
			assert.equal(feed.queue('#a:', ['{"seq":3}', '{"seq":4}']), true);
			feed.flush();
			await waitFor('the four events', () => sub.messages.flatMap(m => m.slice(1)).length === 4);
			assert.deepEqual(
				sub.messages.flatMap(m => m.slice(1)).map(e => (JSON.parse(e) as {seq: number}).seq),
				[1, 2, 3, 4],
			);
		} finally {
			await sub.close();
			await feed.stop();
		}
		assert.equal(feed.queue('#a:', ['{"seq":5}']), false, 'a stopped port queues nothing');
	});

	it('heartbeats: a pinging SUB gets our PONGs; a SUB answers our PINGs and stays; a peer that answers nothing is dropped', async () => {
		const feed = await startFeed({limits: {heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400, heartbeatTtlMs: 400}});
		const pinging = new RecordingSub(feed.endpoint, ['#a:'], {heartbeatInterval: 100, heartbeatTimeout: 300, heartbeatTimeToLive: 300});
		const quiet = new RecordingSub(feed.endpoint, ['#a:']);
		let disconnects = 0;
		for (const s of [pinging, quiet]) s.socket.events.on('disconnect', () => disconnects++);
		const silent = await RawPeer.connect(feed.port);
		try {
			await silent.nullHandshake('SUB');
			await subscriptionsReach(feed, 2);
			await silent.waitClosed(3000);
			assert.equal(feed.stats().closed['heartbeat-timeout'], 1);
			// Many heartbeat periods later the libzmq subscribers are still there, and still read.
			await new Promise(resolve => setTimeout(resolve, 1500));
			feed.publish('#a:', ['{"seq":1}']);
			feed.flush();
			await waitFor('both to read', () => pinging.messages.length === 1 && quiet.messages.length === 1);
			assert.equal(disconnects, 0);
			assert.equal(feed.stats().subscribers, 2);
		} finally {
			silent.destroy();
			await Promise.all([pinging.close(), quiet.close()]);
			await feed.stop();
		}
	});

	it('reconnects: subscribers the feed closed come back with their subscriptions and read on', async () => {
		const feed = await startFeed();
		const subs = [new RecordingSub(feed.endpoint, ['#a:'], {reconnectInterval: 50}), new RecordingSub(feed.endpoint, ['#a:', '#b:'], {reconnectInterval: 50})];
		try {
			await subscriptionsReach(feed, 3);
			feed.publish('#a:', ['before']);
			feed.flush();
			await waitFor('the first message', () => subs.every(s => s.messages.length === 1));
			assert.equal(feed.closeWhere(() => true, 'shutdown'), 2);
			await waitFor('both to be back', () => feed.stats().subscribers === 2 && feed.stats().subscriptions === 3);
			feed.publish('#a:', ['after']);
			feed.publish('#b:', ['after b']);
			feed.flush();
			await waitFor('the message after', () => subs[0]!.messages.length === 2 && subs[1]!.messages.length === 3);
			assert.deepEqual(subs[0]!.messages[1], ['#a:', 'after']);
		} finally {
			await Promise.all(subs.map(s => s.close()));
			await feed.stop();
		}
	});
});

describe('feed port: pyzmq subscribers (Debian python3-zmq)', () => {
	for (const curve of [false, true]) {
		it(`${curve ? 'CURVE' : 'NULL'}: a pyzmq SUB reads every message of its room, in order`, async () => {
			const feed = await startFeed(curve ? {curve: hub, admit: key => (key === member.publicKey ? undefined : 'no')} : {});
			try {
				const keys = curve ? `s.curve_secretkey = b'${member.secretKey}'; s.curve_publickey = b'${member.publicKey}'; s.curve_serverkey = b'${hub.publicKey}'` : 'pass';
				const run = python(
					[
						'import zmq, json',
						'c = zmq.Context(); s = c.socket(zmq.SUB); s.linger = 0; s.rcvtimeo = 10000',
						keys,
						`s.connect('${feed.endpoint}'); s.setsockopt(zmq.SUBSCRIBE, b'#a:')`,
						'got = []',
						'while len(got) < 100:',
						'    topic, *events = s.recv_multipart()',
						'    got += [json.loads(e)["seq"] for e in events] if topic == b"#a:" else ["wrong topic"]',
						'print(json.dumps(got))',
					].join('\n'),
				);
				await subscriptionsReach(feed, 1);
				publishRooms(feed, 200);
				assert.deepEqual(JSON.parse(await run), upTo(100));
			} finally {
				await feed.stop();
			}
		});
	}
});
