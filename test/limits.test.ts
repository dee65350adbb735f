import assert from 'node:assert/strict';
import {afterEach, beforeEach, describe, test} from 'node:test';
import Database from 'better-sqlite3';
import {Access} from '../src/hub/access.js';
import {PEOPLE_PER_ADDRESS} from '../src/hub/flood.js';
import {addressId} from '../src/hub/identity.js';
import {feedMessages, FEED_MESSAGE_BYTES} from '../src/hub/feed-messages.js';
import {Store} from '../src/hub/store.js';
import {generateKeyPair} from '../src/keys.js';
import {cutToBytes} from '../src/protocol/charges.js';
import type {FeedEvent, Reply} from '../src/protocol/types.js';
import {CoreHarness, type Peer} from './helpers/core-harness.js';
import {tempDir} from './helpers/hub.js';

/**
 * Issue 12's limits in the hub core, with the transport telling the core each connection's
 * source address (as the hub's own front door does; libzmq's ROUTER does not): flood limits
 * and mutes that follow the person, bans that find the keys behind a nick, rooms that come
 * and go, and what the store keeps.
 */

const code = (r: Reply | undefined) => (r?.type === 'error' ? r.code : r?.type);
const RATE = {burst: 5, seconds: 5, bytesPerMinute: 64 * 1024};

let dir: ReturnType<typeof tempDir>;
let store: Store;
beforeEach(() => {
	dir = tempDir();
	store = new Store({dataDir: dir.path});
});
afterEach(() => {
	store.close();
	dir.remove();
});

/** Says `count` lines on a fresh session each time, on fresh connections from one address; returns how many were acked. */
function cycle(h: CoreHarness, address: string | undefined, count: number, tag: string): number {
	let acked = 0;
	for (let i = 0; i < count; i++) {
		const p = h.peer(`${tag}${i}`, undefined, address);
		if (code(h.hello(p, `${tag}${i}`, ['lobby'], `secret-${tag}-${i}-0123456789`)) !== 'welcome') continue;
		for (let k = 0; k < 5; k++) if (code(h.ask(p, {type: 'say', room: 'lobby', text: 'x'})) === 'ack') acked++;
	}
	return acked;
}

describe('a flood limit that follows the person', () => {
	test('on an open hub that knows addresses, each connection has a person\'s allowance and one address at most PEOPLE_PER_ADDRESS people\'s; another address has its own', () => {
		const h = new CoreHarness(store, {rateLimit: RATE, addresses: true});
		h.hello(h.peer('host', undefined, '10.0.0.1'), 'host', ['lobby']); // #lobby exists
		const acked = cycle(h, '10.0.0.9', 5 * PEOPLE_PER_ADDRESS, 'm');
		// Each connection: 5 tokens, a hello and 4 lines; the address's 5 × 16 tokens last 16 connections.
		assert.equal(acked, 4 * PEOPLE_PER_ADDRESS);
		assert.equal(cycle(h, '10.0.0.9', 1, 'late'), 0, 'the address has spent its share');
		assert.equal(cycle(h, '10.0.0.10', 1, 'n'), 4, 'another address');
		h.advance(1000);
		// The address refills at 16 people's pace (16 tokens a second); one connection still gets one person's 5.
		assert.equal(cycle(h, '10.0.0.9', 1, 'o'), 4);
	});

	test('IPv6 addresses of one /64 are one sender; an IPv4-mapped address is the IPv4 one', () => {
		assert.equal(addressId('2001:db8:1:2::5'), '2001:db8:1:2::/64');
		assert.equal(addressId('2001:db8:1:2:ffff:1:2:3'), '2001:db8:1:2::/64');
		assert.equal(addressId('[2001:0db8:0001:0002::9]'), '2001:db8:1:2::/64');
		assert.notEqual(addressId('2001:db8:1:3::5'), addressId('2001:db8:1:2::5'));
		assert.equal(addressId('::ffff:192.0.2.7'), '192.0.2.7');
		const h = new CoreHarness(store, {rateLimit: RATE, addresses: true});
		h.hello(h.peer('host', undefined, '10.0.0.1'));
		const n = PEOPLE_PER_ADDRESS;
		assert.equal(cycle(h, '2001:db8:1:2::1', n, 'a') + cycle(h, '2001:db8:1:2::2', n, 'b'), 4 * n, 'two addresses of one prefix, one allowance');
	});

	test('on a hub with keys, every session of a key shares the key’s allowance', () => {
		const key = generateKeyPair().publicKey;
		const h = new CoreHarness(store, {rateLimit: RATE, keyed: true});
		h.hello(h.peer('host', generateKeyPair().publicKey));
		let acked = 0;
		for (let i = 0; i < 10; i++) {
			const p = h.peer(`k${i}`, key);
			if (code(h.hello(p, `k${i}`, ['lobby'], `secret-k-${i}-0123456789`)) !== 'welcome') continue;
			for (let k = 0; k < 5; k++) if (code(h.ask(p, {type: 'say', room: 'lobby', text: 'x'})) === 'ack') acked++;
		}
		assert.equal(acked, 4);
	});

	test('the byte budget follows the sender too, and the welcome says what is left of both', () => {
		const h = new CoreHarness(store, {rateLimit: {burst: 100, seconds: 1, bytesPerMinute: 10_000}, addresses: true});
		const a = h.peer('a', undefined, '10.0.0.5');
		h.hello(a);
		const text = 'x'.repeat(4000);
		assert.equal(code(h.ask(a, {type: 'say', room: 'lobby', text})), 'ack');
		assert.equal(code(h.ask(a, {type: 'say', room: 'lobby', text})), 'ack');
		assert.equal(code(h.ask(a, {type: 'say', room: 'lobby', text})), 'rate_limited', 'the connection has spent its 10,000 bytes');
		// The address holds PEOPLE_PER_ADDRESS people's bytes: new connections from it spend it.
		let sent = 8000;
		for (let i = 0; sent + 4000 <= 10_000 * PEOPLE_PER_ADDRESS; i++) {
			const p = h.peer(`b${i}`, undefined, '10.0.0.5');
			h.hello(p);
			for (let k = 0; k < 2 && sent + 4000 <= 10_000 * PEOPLE_PER_ADDRESS; k++) {
				assert.equal(code(h.ask(p, {type: 'say', room: 'lobby', text})), 'ack');
				sent += 4000;
			}
		}
		const last = h.peer('last', undefined, '10.0.0.5');
		const w = h.hello(last);
		assert.ok(w.type === 'welcome');
		assert.equal(w.limits.rate?.left?.bytes, 10_000 * PEOPLE_PER_ADDRESS - sent, 'a new connection from the address: what the address has left');
		assert.equal(code(h.ask(last, {type: 'say', room: 'lobby', text})), 'rate_limited');
	});

	test('a refused flood is logged once as it starts and once as it stops, not a line a refusal', () => {
		const lines: string[] = [];
		const h = new CoreHarness(store, {rateLimit: RATE, addresses: true, log: line => lines.push(line)});
		h.hello(h.peer('host', undefined, '10.0.0.1'));
		const before = lines.length;
		cycle(h, '10.0.0.9', 50, 'f');
		h.advance(1500);
		h.core.tick(h.now);
		const flood = lines.slice(before).filter(l => /flood/.test(l));
		assert.deepEqual(flood.map(l => l.replace(/refused \d+/, 'refused N')), [
			'address 10.0.0.9 is over the flood limit: refusing what goes over it (one line when it stops)',
			'address 10.0.0.9 stopped flooding: refused N commands in 0.1 s',
		]);
		const others = lines.slice(before).filter(l => !/ connected \(#lobby\)$/.test(l));
		assert.ok(others.length <= 6, `${others.length} lines besides the sessions let in: ${others.join(' | ')}`);
		assert.ok(lines.length - before - others.length <= PEOPLE_PER_ADDRESS, 'a line for each session let in, no more');
	});
});

describe('mutes that hold', () => {
	/** Operator alice and a member bob from an address; bob is muted. */
	function setup(keyed = false): {h: CoreHarness; alice: Peer; bob: Peer; bobKey: string} {
		const bobKey = generateKeyPair().publicKey;
		const h = new CoreHarness(store, {access: s => new Access(s, {opNicks: ['alice']}), addresses: true, keyed});
		const alice = h.peer('alice', keyed ? generateKeyPair().publicKey : undefined, '10.0.0.1');
		const bob = h.peer('bob', keyed ? bobKey : undefined, '10.0.0.66');
		h.hello(alice);
		h.hello(bob);
		assert.equal(code(h.ask(alice, {type: 'mute', nick: 'bob', reason: 'calm down'})), 'ok');
		return {h, alice, bob, bobKey};
	}

	test("a muted member's away text is refused; its part and bye reasons are dropped; its nick stays", () => {
		const {h, bob} = setup();
		h.published = [];
		assert.equal(code(h.ask(bob, {type: 'away', text: 'buy cheap pills'})), 'muted');
		assert.equal(code(h.ask(bob, {type: 'nick', nick: 'bobby'})), 'muted');
		assert.equal(code(h.ask(bob, {type: 'part', room: 'lobby', reason: 'buy cheap pills'})), 'ok', 'the part happens');
		assert.equal(code(h.ask(bob, {type: 'join', room: 'lobby'})), 'joined');
		assert.equal(code(h.ask(bob, {type: 'bye', reason: 'buy cheap pills'})), 'ok');
		assert.deepEqual(
			h.published.filter(e => e.type === 'part').map(e => (e as Extract<FeedEvent, {type: 'part'}>).reason),
			[undefined, undefined],
			'both part events, without the words',
		);
	});

	test('on an open hub the mute binds the address: back under another nick, on another connection, still muted', () => {
		const {h} = setup();
		const again = h.peer('bob-again', undefined, '10.0.0.66');
		assert.equal(code(h.hello(again, 'robert')), 'welcome');
		assert.equal(code(h.ask(again, {type: 'say', room: 'lobby', text: 'hi'})), 'muted');
		const elsewhere = h.peer('carol', undefined, '10.0.0.77');
		h.hello(elsewhere);
		assert.equal(code(h.ask(elsewhere, {type: 'say', room: 'lobby', text: 'hi'})), 'ack', 'another address is not muted');
		h.ask(h.peers.get('bob')!, {type: 'bye'});
		const lookalike = h.peer('b0b', undefined, '10.0.0.88');
		assert.equal(code(h.hello(lookalike, 'B0B_')), 'welcome');
		assert.equal(code(h.ask(lookalike, {type: 'say', room: 'lobby', text: 'hi'})), 'muted', 'a look-alike of the nick, from anywhere');
	});

	test('on a hub with keys it binds the key; mutes outlast a restart; unmute lifts everything the mute bound', () => {
		const {h, alice, bobKey} = setup(true);
		const restarted = new CoreHarness(store, {access: s => new Access(s, {opNicks: ['alice']}), keyed: true, addresses: true});
		const bob = restarted.peer('bob2', bobKey, '10.0.0.99');
		assert.equal(code(restarted.hello(bob, 'robert')), 'welcome');
		assert.equal(code(restarted.ask(bob, {type: 'say', room: 'lobby', text: 'hi'})), 'muted', 'by key, after a restart, under another nick and address');
		const op = restarted.peer('alice2', h.peers.get('alice')!.key, '10.0.0.1');
		restarted.hello(op, 'alice');
		assert.equal(code(restarted.ask(op, {type: 'unmute', nick: 'robert'})), 'ok');
		assert.equal(code(restarted.ask(bob, {type: 'say', room: 'lobby', text: 'hi'})), 'ack');
		assert.equal(code(restarted.ask(op, {type: 'unmute', nick: 'bob'})), 'bad_field', 'the nick was lifted with it');
		void alice;
	});

	test('part and bye reasons are capped at 512 bytes, as kick, ban and mute reasons; the client cuts longer ones', () => {
		const h = new CoreHarness(store);
		const p = h.peer('p');
		h.hello(p);
		assert.equal(code(h.ask(p, {type: 'part', room: 'lobby', reason: 'r'.repeat(513)})), 'text_too_long');
		assert.equal(code(h.ask(p, {type: 'bye', reason: 'r'.repeat(513)})), 'text_too_long');
		assert.equal(code(h.ask(p, {type: 'part', room: 'lobby', reason: 'r'.repeat(512)})), 'ok');
		assert.equal(cutToBytes('é'.repeat(300), 512), 'é'.repeat(256), 'never inside a character');
		assert.equal(cutToBytes('short', 512), 'short');
	});
});

describe('bans that hold', () => {
	test('a ban of an offline nick bans the keys it was last seen with, says which, and keeps them out under any nick', () => {
		const bobKey = generateKeyPair().publicKey;
		const aliceKey = generateKeyPair().publicKey;
		const h = new CoreHarness(store, {access: s => new Access(s, {opNicks: ['alice']}), keyed: true});
		const alice = h.peer('alice', aliceKey);
		h.hello(alice);
		const bob = h.peer('bob', bobKey);
		h.hello(bob);
		h.ask(bob, {type: 'nick', nick: 'bobby'});
		h.ask(bob, {type: 'bye'});
		const ok = h.ask(alice, {type: 'ban', target: 'bob', reason: 'spam'});
		assert.ok(ok?.type === 'ok');
		assert.deepEqual(ok.keys, [bobKey]);
		const back = h.peer('bob-back', bobKey);
		assert.equal(code(h.hello(back, 'dave')), 'banned');
		assert.deepEqual(
			store.bans(h.now).map(b => [b.kind, b.target]),
			[
				['nick', 'bob'],
				['key', bobKey],
			],
		);
		const ok2 = h.ask(alice, {type: 'ban', target: 'alice'});
		assert.equal(code(ok2), 'bad_field', 'not oneself');
		assert.equal(code(h.ask(alice, {type: 'ban', target: 'bobby'})), 'ok', 'its other nick');
	});

	test('the keys a nick was seen with: the most recent four, kept in the store', () => {
		for (let i = 0; i < 6; i++) store.sawKey('bob', `KEY${i}`, i);
		store.sawKey('bob', 'KEY3', 10);
		assert.deepEqual(store.keysOf('bob'), ['KEY3', 'KEY5', 'KEY4', 'KEY2']);
		store.close();
		store = new Store({dataDir: dir.path});
		assert.deepEqual(store.keysOf('bob'), ['KEY3', 'KEY5', 'KEY4', 'KEY2'], 'across a restart');
	});
});

describe('rooms that come and go', () => {
	test('rooms made by one sender are capped; a full hub says so to the one asking and frees up as empty rooms are forgotten', () => {
		const h = new CoreHarness(store, {maxRooms: 40, roomsPerSender: 32, roomIdleMs: 3_600_000, addresses: true, ttlMs: 4_000_000});
		const grabber = h.peer('grabber', undefined, '10.0.0.9');
		const w = h.hello(grabber, 'grabber', Array.from({length: 32}, (_, i) => `g${i}`));
		assert.equal(code(w), 'welcome');
		const more = h.peer('grabber2', undefined, '10.0.0.9');
		const refused = h.hello(more, 'grabber2', ['g-more']);
		assert.equal(code(refused), 'too_many_rooms');
		assert.match((refused as {message: string}).message, /your address made 32 rooms that the hub still keeps/);
		const other = h.peer('other', undefined, '10.0.0.10');
		h.hello(other, 'other', Array.from({length: 8}, (_, i) => `o${i}`));
		const full = h.ask(other, {type: 'join', room: 'one-more'});
		assert.equal(code(full), 'too_many_rooms');
		assert.match((full as {message: string}).message, /the hub has its maximum of 40 rooms: .*forgotten 1 h after its last event/);
		h.ask(grabber, {type: 'bye'});
		h.advance(3_600_001);
		h.ask(other, {type: 'ping'}); // still here: its rooms stay
		h.core.tick(h.now);
		assert.equal(code(h.ask(other, {type: 'join', room: 'one-more'})), 'joined', 'the grabber’s rooms were forgotten');
		assert.equal(store.has('g0'), false);
		assert.equal(store.has('o0'), true, 'rooms with someone in them stay');
	});

	test('hellos handled in one batch are counted against the cap before they are stored (the grab took 10,007–10,208 of 10,000)', () => {
		const h = new CoreHarness(store, {maxRooms: 64, addresses: true});
		const peers = Array.from({length: 4}, (_, i) => h.peer(`g${i}`, undefined, `10.0.1.${i}`));
		peers.forEach((p, i) => h.core.receive(p.id, [Buffer.from(JSON.stringify({type: 'hello', v: 1, id: 'h', nick: `g${i}`, session: `secret-${i}-0123456789`, rooms: Array.from({length: 32}, (_, j) => `r${i}-${j}`)}))], h.now));
		h.flush();
		assert.deepEqual(peers.map(p => code(p.replies[0])), ['welcome', 'welcome', 'too_many_rooms', 'too_many_rooms']);
		assert.equal(store.roomCount, 64);
	});

	test('a forgotten room made again goes on from its last seq, so a client that knew it sees a gap, not old numbers again', () => {
		const h = new CoreHarness(store, {roomIdleMs: 60_000});
		const p = h.peer('p');
		h.hello(p, 'p', ['lobby', 'old']);
		for (let i = 0; i < 3; i++) h.ask(p, {type: 'say', room: 'old', text: `${i}`});
		const head = store.head('old');
		h.ask(p, {type: 'part', room: 'old'});
		h.advance(60_001);
		h.ask(p, {type: 'ping'});
		h.core.tick(h.now);
		assert.equal(store.has('old'), false);
		const joined = h.ask(p, {type: 'join', room: 'old'});
		assert.ok(joined?.type === 'joined');
		assert.equal(joined.seq, head + 1, 'its part, then nothing: the seq it goes on from');
		h.ask(p, {type: 'say', room: 'old', text: 'again'});
		assert.ok(store.head('old') > head + 1);
	});

	test('a restart keeps who made which room (by key or address), so the cap holds across it', () => {
		const h = new CoreHarness(store, {roomsPerSender: 2, addresses: true});
		h.hello(h.peer('a', undefined, '10.0.0.9'), 'a', ['r1', 'r2']);
		const again = new CoreHarness(store, {roomsPerSender: 2, addresses: true});
		assert.equal(code(again.hello(again.peer('b', undefined, '10.0.0.9'), 'b', ['r3'])), 'too_many_rooms');
		assert.equal(code(again.hello(again.peer('c'), 'c', ['r3'])), 'welcome', 'a connection with no address made nothing kept');
	});
});

describe('storage and the feed bounded in bytes', () => {
	test('text is stored as it came: 4 KB of control characters take 4 KB, and history gives back exactly what was published', () => {
		store.close();
		store = new Store({dataDir: dir.path, exclusive: false}); // so that the test can read the database beside it
		const h = new CoreHarness(store);
		const p = h.peer('p');
		h.hello(p);
		const text = 'x' + Array.from({length: 4095}, (_, k) => String.fromCharCode(1 + (k % 31))).join('');
		h.ask(p, {type: 'say', room: 'lobby', text});
		h.ask(p, {type: 'part', room: 'lobby', reason: '\x1b[2J bye'});
		const reader = new Database(store.path, {readonly: true});
		const row = reader.prepare("SELECT length(CAST(json AS BLOB)) j, length(CAST(text AS BLOB)) t FROM log WHERE json LIKE '%message%'").get() as {j: number; t: number};
		reader.close();
		assert.equal(row.t, 4096);
		assert.ok(row.j < 200, `the rest of the event: ${row.j} bytes`);
		const published = h.published.filter(e => e.type === 'message' || e.type === 'part').map(e => JSON.stringify(e));
		const page = store.history('lobby', {limit: 10}).events.filter(e => /"type":"(message|part)"/.test(e));
		assert.deepEqual(page.map(e => JSON.parse(e) as unknown), published.map(e => JSON.parse(e) as unknown));
		assert.equal((JSON.parse(page[0]!) as {text: string}).text, text);
	});

	test('text with a lone surrogate (which UTF-8 cannot hold) stays in the JSON, escaped, and comes back the same', () => {
		const h = new CoreHarness(store);
		const p = h.peer('p');
		h.hello(p);
		h.ask(p, {type: 'say', room: 'lobby', text: 'a\ud800b'});
		const e = store.history('lobby', {limit: 1}).events[0]!;
		assert.equal((JSON.parse(e) as {text: string}).text, 'a\ud800b');
	});

	test('feed messages hold at most 64 events and 32 KiB; a larger event goes alone', () => {
		const small = Array.from({length: 200}, (_, i) => `{"type":"message","seq":${i},"text":"${'x'.repeat(100)}"}`);
		assert.deepEqual(feedMessages(small).map(m => m.length), [64, 64, 64, 8]);
		const big = Array.from({length: 5}, () => `{"text":"${'\\u0001'.repeat(4096)}"}`);
		const chunks = feedMessages([...big, ...small.slice(0, 3)]);
		assert.ok(chunks.every(c => c.length === 1 || c.reduce((n, e) => n + Buffer.byteLength(e), 0) <= FEED_MESSAGE_BYTES));
		assert.equal(chunks.length, 6);
	});
});
