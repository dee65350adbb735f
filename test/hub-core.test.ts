import assert from 'node:assert/strict';
import {afterEach, beforeEach, describe, test} from 'node:test';
import type {Outbox} from '../src/hub/core.js';
import {Store} from '../src/hub/store.js';
import {CoreHarness, type Peer} from './helpers/core-harness.js';
import {tempDir} from './helpers/hub.js';

/** The shared core harness, with raw frames and a hello by peer name, as these tests use them. */
class Harness extends CoreHarness {
	constructor(store: Store, options: ConstructorParameters<typeof CoreHarness>[1] = {}) {
		super(store, {ttlMs: 10_000, ...options});
	}
	/** Send raw frames from a peer, then flush as the transport would. */
	raw(peer: Peer, frames: Array<string | Buffer>): Outbox {
		this.core.receive(peer.id, frames.map(f => (typeof f === 'string' ? Buffer.from(f) : f)), this.now);
		return this.flush();
	}
	/** A peer named `name` says hello as `nick`; returns the peer. */
	enter(name: string, nick = name, rooms = ['lobby']): Peer {
		const p = this.peer(name);
		this.hello(p, nick, rooms);
		return p;
	}
}

let h: Harness;
let dir: ReturnType<typeof tempDir>;

beforeEach(() => {
	dir = tempDir();
	h = new Harness(new Store({dataDir: dir.path}));
});
afterEach(() => {
	h.store.close();
	dir.remove();
});

describe('hub core: sessions and nicks', () => {
	test('hello gets a welcome and a join notice in each room', () => {
		const a = h.enter('a', 'alice', ['lobby', 'dev']);
		const w = a.last();
		assert.equal(w.type, 'welcome');
		assert.ok(w.type === 'welcome');
		assert.equal(w.nick, 'alice');
		assert.equal(w.resumed, false);
		assert.deepEqual(
			w.rooms.map(r => [r.room, r.members]),
			[
				['lobby', ['alice']],
				['dev', ['alice']],
			],
		);
		assert.deepEqual(
			h.published.map(e => [e.type, e.room, e.seq, e.from]),
			[
				['join', 'lobby', 1, 'alice'],
				['join', 'dev', 1, 'alice'],
			],
		);
	});

	test('a taken nick is refused whatever its case, saying why', () => {
		h.enter('a', 'alice');
		const b = h.enter('b', 'ALICE');
		const e = b.last();
		assert.equal(e.type, 'error');
		assert.ok(e.type === 'error');
		assert.equal(e.code, 'nick_taken');
		assert.match(e.message, /taken/);
		assert.equal(e.re, 'h');
	});

	test('commands before hello get no_session; sessionless questions are answered', () => {
		const p = h.peer('x');
		h.send(p, {type: 'say', id: 'm1', room: 'lobby', text: 'hi'}, {type: 'ping', id: 'p'}, {type: 'stats'});
		const [e, pong, stats] = p.take();
		assert.equal(e!.type === 'error' && e!.code, 'no_session');
		assert.equal(pong!.type === 'pong' && pong!.session, false);
		assert.equal(stats!.type, 'stats');
		assert.equal(h.published.length, 0);
	});

	test('the same secret resumes the session from a new connection, unannounced', () => {
		const a = h.enter('a', 'alice');
		h.published = [];
		const a2 = h.peer('a-reconnected');
		h.send(a2, {type: 'hello', v: 1, nick: 'whatever', session: 'secret-of-a-0123456789'});
		const w = a2.last();
		assert.ok(w.type === 'welcome');
		assert.equal(w.resumed, true);
		assert.equal(w.nick, 'alice');
		assert.equal(h.published.length, 0);
		// The old routing id no longer speaks for the session.
		h.send(a, {type: 'say', id: 'x', room: 'lobby', text: 'from the old connection'});
		assert.equal(a.last().type === 'error' && (a.last() as {code: string}).code, 'no_session');
	});

	test('nick change is announced in every room and frees the old nick', () => {
		const a = h.enter('a', 'alice', ['lobby', 'dev']);
		h.published = [];
		h.send(a, {type: 'nick', id: 'n', nick: 'Alicia'});
		assert.deepEqual(a.last(), {type: 'ok', re: 'n', command: 'nick', nick: 'Alicia'});
		assert.deepEqual(
			h.published.map(e => [e.type, e.room, e.from, (e as {to?: string}).to]),
			[
				['nick', 'lobby', 'alice', 'Alicia'],
				['nick', 'dev', 'alice', 'Alicia'],
			],
		);
		const b = h.enter('b', 'alice');
		assert.equal(b.last().type, 'welcome');
	});

	test('bye ends the session with a quit notice; timeouts end silent sessions', () => {
		const a = h.enter('a', 'alice');
		h.enter('b', 'bob');
		h.published = [];
		h.send(a, {type: 'bye', reason: 'lunch'});
		assert.deepEqual(h.published.map(e => [e.type, e.from, (e as {reason?: string}).reason, (e as {quit?: boolean}).quit]), [['part', 'alice', 'lunch', true]]);
		h.published = [];
		for (let i = 0; i < 12; i++) {
			h.now += 1000;
			h.core.tick(h.now);
		}
		h.flush();
		assert.deepEqual(h.published.map(e => [e.type, e.from, (e as {reason?: string}).reason]), [['part', 'bob', 'timed out']]);
		assert.equal(h.core.sessionCount, 0);
	});

	test('a hub that was frozen does not time everyone out when it wakes', () => {
		h.enter('a', 'alice');
		h.core.tick(h.now);
		h.now += 60_000; // SIGSTOP for a minute
		h.core.tick(h.now);
		h.flush();
		assert.equal(h.core.sessionCount, 1);
	});

	test('hub_full when the session limit is reached', () => {
		h.store.close();
		h = new Harness(new Store(), {maxSessions: 1});
		h.enter('a', 'alice');
		const b = h.enter('b', 'bob');
		assert.equal(b.last().type === 'error' && (b.last() as {code: string}).code, 'hub_full');
	});
});

describe('hub core: messages', () => {
	test('say is acked with its seq only once stored, and published hub-stamped', () => {
		const a = h.enter('a', 'alice');
		h.published = [];
		a.take();
		h.core.receive(a.id, [Buffer.from(JSON.stringify({type: 'say', id: 'm1', room: 'lobby', text: 'hi', from: 'bob'}))], h.now);
		assert.equal(h.store.head('lobby'), 1, 'nothing stored before the flush');
		assert.deepEqual(a.replies, [], 'no ack before the flush');
		h.flush();
		assert.deepEqual(a.take(), [{type: 'ack', re: 'm1', room: 'lobby', seq: 2, epoch: h.core.epoch}]);
		assert.equal(h.published.length, 1);
		const e = h.published[0]!;
		assert.equal(e.type, 'message');
		assert.equal(e.from, 'alice', 'the sender tag comes from the session, not the frame');
		assert.equal(e.seq, 2);
		assert.equal(e.epoch, h.core.epoch);
		assert.equal(h.store.head('lobby'), 2);
	});

	test('a resent message (same session, same id) is stored once and acked again', () => {
		const a = h.enter('a', 'alice');
		h.published = [];
		const say = {type: 'say', id: 'm1', room: 'lobby', text: 'once'};
		h.send(a, say, say); // twice in one batch
		h.send(a, say); // and again later
		assert.equal(h.published.length, 1);
		const acks = a.take().filter(r => r.type === 'ack');
		assert.equal(acks.length, 2);
		assert.ok(acks.every(r => r.type === 'ack' && r.seq === 2));
	});

	test('duplicates are recognised across a hub restart on the same data', () => {
		const a = h.enter('a', 'alice');
		h.send(a, {type: 'say', id: 'm1', room: 'lobby', text: 'before the crash'});
		h.store.close();
		const store = new Store({dataDir: dir.path});
		h = new Harness(store);
		const again = h.enter('a', 'alice');
		h.published = [];
		again.take();
		h.send(again, {type: 'say', id: 'm1', room: 'lobby', text: 'before the crash'});
		assert.deepEqual(
			again.take().filter(r => r.type === 'ack'),
			[{type: 'ack', re: 'm1', room: 'lobby', seq: 2, epoch: store.epoch}],
		);
		assert.deepEqual(
			h.published.map(e => e.type),
			[],
			'the duplicate is not published again',
		);
	});

	test('a batch with one resent origin among new ones: the resend gets its old seq, the rest the next seqs with no gap', () => {
		const message = (text: string) => ({type: 'message' as const, room: 'lobby', ts: 1, from: 'alice', text});
		const first = h.store.append([{event: message('one'), origin: 's:1'}, {event: message('two'), origin: 's:2'}]);
		h.store.close();
		const store = new Store({dataDir: dir.path});
		h = new Harness(store);
		const head = store.head('lobby');
		const items = Array.from({length: 40}, (_, i) => ({event: message(`new ${i}`), origin: `s:${i + 10}`}));
		items.splice(17, 0, {event: message('two'), origin: 's:2'});
		const results = store.append(items);
		assert.deepEqual(results[17], {room: 'lobby', seq: first[1]!.seq, duplicate: true});
		const fresh = results.filter(r => !r.duplicate).map(r => r.seq);
		assert.deepEqual(fresh, Array.from({length: 40}, (_, i) => head + 1 + i));
		assert.equal(store.head('lobby'), head + 40);
		const page = store.history('lobby', {after: head, limit: 100});
		assert.deepEqual(page.events.map(e => (JSON.parse(e) as {text: string}).text), Array.from({length: 40}, (_, i) => `new ${i}`));
	});

	test('say to a room you are not in is refused', () => {
		const a = h.enter('a', 'alice');
		h.send(a, {type: 'say', id: 'm1', room: 'dev', text: 'hi'});
		const e = a.last();
		assert.ok(e.type === 'error');
		assert.equal(e.code, 'not_in_room');
		assert.equal(e.re, 'm1');
	});

	test('malformed frames get errors and nothing is published', () => {
		const a = h.enter('a', 'alice');
		h.published = [];
		a.take();
		h.raw(a, ['{not json', Buffer.from([0xc3, 0x28]), '', JSON.stringify({type: 'say', id: 'm', room: 'lobby', text: 'x'.repeat(5000)})]);
		assert.deepEqual(
			a.take().map(r => r.type === 'error' && r.code),
			['bad_json', 'bad_utf8', 'bad_frame', 'text_too_long'],
		);
		assert.equal(h.published.length, 0);
	});

	test('private messages go to the recipient only, never to the feed', () => {
		const a = h.enter('a', 'alice');
		const b = h.enter('b', 'bob');
		h.send(b, {type: 'away', text: 'at lunch'});
		h.published = [];
		a.take();
		b.take();
		h.send(a, {type: 'msg', id: 'd1', to: 'BOB', text: 'psst'});
		assert.equal(h.published.length, 0);
		assert.deepEqual(a.take(), [{type: 'ack', re: 'd1', to: 'bob', away: 'at lunch'}]);
		const dm = b.take().find(r => r.type === 'dm');
		assert.ok(dm && dm.type === 'dm');
		assert.equal(dm.from, 'alice');
		assert.equal(dm.text, 'psst');
		h.send(a, {type: 'msg', id: 'd2', to: 'carol', text: 'hello?'});
		assert.equal(a.last().type === 'error' && (a.last() as {code: string}).code, 'no_such_nick');
	});
});

describe('hub core: rooms and questions', () => {
	test('join, part, topic, who, rooms, whois', () => {
		const a = h.enter('a', 'alice');
		const b = h.enter('b', 'bob', ['dev']);
		h.send(a, {type: 'join', id: 'j', room: '#dev'});
		const joined = a.last();
		assert.ok(joined.type === 'joined');
		assert.deepEqual(joined.members, ['alice', 'bob']);
		h.send(b, {type: 'topic', id: 't', room: 'dev', text: 'shipping'});
		h.send(a, {type: 'topic', id: 't2', room: 'dev'});
		assert.deepEqual(a.last(), {type: 'topic', re: 't2', room: 'dev', text: 'shipping'});
		h.send(a, {type: 'who', id: 'w', room: 'dev'});
		const who = a.last();
		assert.ok(who.type === 'who');
		assert.deepEqual(
			who.members.map(m => m.nick),
			['alice', 'bob'],
		);
		h.send(a, {type: 'rooms'});
		const rooms = a.last();
		assert.ok(rooms.type === 'rooms');
		assert.deepEqual(rooms.rooms, [
			{room: 'dev', members: 2, topic: 'shipping'},
			{room: 'lobby', members: 1, topic: ''},
		]);
		h.send(a, {type: 'whois', nick: 'bob'});
		const whois = a.last();
		assert.ok(whois.type === 'whois');
		assert.deepEqual(whois.rooms, ['dev']);
		h.send(a, {type: 'part', id: 'p', room: 'dev', reason: 'done'});
		assert.deepEqual(a.last(), {type: 'ok', re: 'p', command: 'part', room: 'dev'});
		h.send(a, {type: 'part', id: 'p2', room: 'dev'});
		assert.equal(a.last().type === 'error' && (a.last() as {code: string}).code, 'not_in_room');
	});

	test('away and back are published in each room of the member, and snapshots list who is away', () => {
		const a = h.enter('a', 'alice', ['lobby', 'dev']);
		const b = h.enter('b', 'bob');
		h.published = [];
		h.send(a, {type: 'away', id: 'w1', text: 'lunch'});
		assert.deepEqual(a.last(), {type: 'ok', re: 'w1', command: 'away'});
		assert.deepEqual(
			h.published.map(e => [e.type, e.room, e.from, (e as {text?: string}).text]),
			[
				['away', 'lobby', 'alice', 'lunch'],
				['away', 'dev', 'alice', 'lunch'],
			],
		);
		h.send(a, {type: 'away', id: 'w2', text: 'lunch'});
		assert.equal(h.published.length, 2, 'the same away message again changes nothing');
		h.send(b, {type: 'join', id: 'j', room: 'dev'});
		const joined = b.last();
		assert.ok(joined.type === 'joined');
		assert.deepEqual([joined.members, joined.away], [['alice', 'bob'], ['alice']]);

		h.send(a, {type: 'join', id: 'j2', room: 'ops'});
		assert.deepEqual(h.published.slice(-2).map(e => [e.type, e.room, e.from]), [['join', 'ops', 'alice'], ['away', 'ops', 'alice']], 'joining while away says so');
		h.send(a, {type: 'away', id: 'w3'});
		assert.deepEqual(h.published.slice(-3).map(e => [e.type, e.room, (e as {text?: string}).text]), [['away', 'lobby', undefined], ['away', 'dev', undefined], ['away', 'ops', undefined]]);
		h.send(b, {type: 'join', id: 'j3', room: 'ops'});
		const back = b.last();
		assert.ok(back.type === 'joined');
		assert.equal(back.away, undefined, 'no one away');
	});

	test('history: latest, before and after, oldest first', () => {
		const a = h.enter('a', 'alice');
		for (let i = 1; i <= 10; i++) h.send(a, {type: 'say', id: `m${i}`, room: 'lobby', text: `n${i}`});
		a.take();
		h.send(a, {type: 'history', id: 'q1', room: 'lobby', limit: 3});
		const latest = a.last();
		assert.ok(latest.type === 'history');
		assert.deepEqual(
			latest.events.map(e => e.seq),
			[9, 10, 11],
		);
		assert.equal(latest.more, true);
		assert.equal(latest.head, 11);
		h.send(a, {type: 'history', room: 'lobby', before: 4, limit: 10});
		const before = a.last();
		assert.ok(before.type === 'history');
		assert.deepEqual(
			before.events.map(e => e.seq),
			[1, 2, 3],
		);
		assert.equal(before.more, false);
		h.send(a, {type: 'history', room: 'lobby', after: 8, limit: 2});
		const after = a.last();
		assert.ok(after.type === 'history');
		assert.deepEqual(
			after.events.map(e => e.seq),
			[9, 10],
		);
		assert.equal(after.more, true);
	});

	test('a REQ socket may ask questions but not chat', () => {
		const q = h.peer('req');
		h.raw(q, ['', JSON.stringify({type: 'stats', id: 's'})]);
		h.raw(q, ['', JSON.stringify({type: 'hello', v: 1, nick: 'x', session: 'x'.repeat(20)})]);
		const [stats, err] = q.take();
		assert.equal(stats!.type, 'stats');
		assert.ok(err!.type === 'error');
		assert.equal(err!.code, 'bad_type');
	});
});

describe('hub core: storage that fails', () => {
	test('nothing is acked or published when the store cannot write; it recovers', () => {
		const a = h.enter('a', 'alice');
		h.published = [];
		a.take();
		const realAppend = h.store.append.bind(h.store);
		let failing = true;
		h.store.append = items => {
			if (failing) throw Object.assign(new Error('database or disk is full'), {code: 'SQLITE_FULL'});
			return realAppend(items);
		};
		h.send(a, {type: 'say', id: 'm1', room: 'lobby', text: 'will it stick?'});
		const e = a.take()[0]!;
		assert.ok(e.type === 'error');
		assert.equal(e.code, 'storage_failed');
		assert.match(e.message, /disk is full/);
		assert.equal(e.retryAfterMs, 1000);
		assert.equal(h.published.length, 0);
		failing = false;
		h.send(a, {type: 'say', id: 'm1', room: 'lobby', text: 'will it stick?'});
		assert.deepEqual(a.take(), [{type: 'ack', re: 'm1', room: 'lobby', seq: 2, epoch: h.core.epoch}]);
		assert.deepEqual(
			h.published.map(x => x.seq),
			[2],
		);
	});
});
