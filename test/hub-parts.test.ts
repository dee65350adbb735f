import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import Database from 'better-sqlite3';
import {BanList} from '../src/hub/ban-list.js';
import {FloodControl} from '../src/hub/flood.js';
import {Membership} from '../src/hub/membership.js';
import {Mutes} from '../src/hub/mutes.js';
import {CommandContext, Outgoing} from '../src/hub/outbox.js';
import {remember, SessionTable, type Session} from '../src/hub/sessions.js';
import {Store} from '../src/hub/store.js';
import type {Reply} from '../src/protocol/types.js';

/**
 * The pieces the hub core was cut into, each on its own: the session table, room membership,
 * mutes, flood control, the outbox and the ban list. The hub-core tests drive them together.
 */

function session(key: string, nick: string, peer = `peer-${key}`, clientKey?: string): Session {
	return {key, peer: Buffer.from(peer), peerKey: peer, nick, rooms: new Set(), since: 0, lastHeard: 0, lastActive: 0, recent: new Map(), ...(clientKey === undefined ? {} : {clientKey})};
}

const frames = (out: Outgoing) => out.drain().replies.map(r => ({peer: r.peer.toString(), envelope: r.envelope, replies: r.frames.map(f => JSON.parse(f) as Reply)}));

describe('the session table', () => {
	test('finds a session by key, by connection and by any nick that clashes with its own', () => {
		const t = new SessionTable();
		const s = session('k1', 'alice');
		t.add(s);
		assert.equal(t.get('k1'), s);
		assert.equal(t.onPeer('peer-k1'), s);
		assert.equal(t.withNick('ALICE'), s);
		assert.equal(t.withNick('a1ice'), s, 'look-alikes clash');
		assert.equal(t.size, 1);
	});

	test('a resume on a new connection re-binds: the old connection no longer finds it', () => {
		const t = new SessionTable();
		const s = session('k1', 'alice', 'old');
		t.add(s);
		t.rebind(s, Buffer.from('new'), 'new');
		assert.equal(t.onPeer('new'), s);
		assert.equal(t.onPeer('old'), undefined);
		assert.equal(s.peer.toString(), 'new');
		t.rebind(s, Buffer.from('new'), 'new');
		assert.equal(t.onPeer('new'), s, 'a resume on the same connection changes nothing');
	});

	test('re-binding or removing a session leaves alone a connection or a nick now another’s', () => {
		const t = new SessionTable();
		const a = session('ka', 'alice', 'p1');
		t.add(a);
		// The core ends a session before another takes its connection; the table does not count on it.
		const b = session('kb', 'bob', 'p1');
		t.add(b);
		t.rebind(a, Buffer.from('p2'), 'p2');
		assert.equal(t.onPeer('p1'), b, 'p1 is bob’s now');
		assert.equal(t.onPeer('p2'), a);
		t.rename(a, 'alicia');
		const c = session('kc', 'alice', 'p4');
		t.add(c);
		assert.ok(t.remove(a));
		assert.equal(t.withNick('alice'), c);
		assert.equal(t.onPeer('p1'), b);
		assert.equal(t.withNick('alicia'), undefined);
		assert.equal(t.remove(a), false, 'ended already');
	});

	test('counts the sessions of each client key', () => {
		const t = new SessionTable();
		const a = session('ka', 'alice', 'p1', 'KEY');
		const b = session('kb', 'bob', 'p2', 'KEY');
		t.add(a);
		t.add(b);
		assert.equal(t.countOfKey('KEY'), 2);
		t.remove(a);
		t.remove(b);
		assert.equal(t.countOfKey('KEY'), 0);
	});

	test('remembers the last 4096 command ids, a repeated one counting as new', () => {
		const s = session('k', 'n');
		for (let i = 0; i < 4100; i++) remember(s, `m${i}`, 'dm');
		assert.equal(s.recent.size, 4096);
		assert.equal(s.recent.has('m3'), false);
		remember(s, 'm4', {room: 'lobby', seq: 1});
		remember(s, 'x', 'dm');
		assert.deepEqual(s.recent.get('m4'), {room: 'lobby', seq: 1}, 'refreshed, so not the one forgotten');
		assert.equal(s.recent.has('m5'), false);
	});
});

describe('room membership', () => {
	test('leaving every room while going through them; an empty room is forgotten', () => {
		const m = new Membership(new Store(), 10);
		const s = session('k', 'alice');
		m.enter(s, 'a');
		m.enter(s, 'b');
		m.enter(session('k2', 'bob'), 'b');
		for (const room of s.rooms) m.leave(s, room);
		assert.equal(s.rooms.size, 0);
		assert.equal(m.of('a'), undefined);
		assert.deepEqual([...m.of('b')!].map(x => x.nick), ['bob']);
		assert.equal(m.size, 1);
	});

	test('counts rooms the hub would newly keep against its limit', () => {
		const store = new Store();
		store.append([{event: {type: 'join', room: 'old', ts: 0, from: 'x'}}]);
		const m = new Membership(store, 2);
		assert.ok(m.roomFor(['old', 'new']), 'one stored room and one new: 2');
		assert.equal(m.roomFor(['new', 'newer']), false, 'would be 3');
		m.enter(session('k', 'a'), 'new');
		assert.ok(m.roomFor(['new']), 'a room with people in it is not new');
	});

	test('a room’s state lists its members by name, whatever their case', () => {
		const m = new Membership(new Store(), 10);
		for (const [k, n] of [['1', 'carol'], ['2', 'Bob'], ['3', 'alice']]) m.enter(session(k!, n!), 'r');
		assert.deepEqual(m.state('r'), {room: 'r', seq: 0, topic: '', members: ['alice', 'Bob', 'carol']});
	});
});

describe('mutes', () => {
	test('a mute follows the key to a new nick, and ends when its time is up', () => {
		const mutes = new Mutes();
		const s = session('k', 'alice', 'p', 'KEY');
		mutes.add(s, {until: 1000, by: 'op'});
		s.nick = 'alicia';
		assert.equal(mutes.of(s, 999)?.by, 'op');
		assert.equal(mutes.of(s, 1000), undefined);
	});

	test('silenced sends the muted error with when to try again', () => {
		const mutes = new Mutes();
		const out = new Outgoing();
		const s = session('k', 'alice');
		mutes.add(s, {until: 5000, by: 'op', reason: 'calm\ndown'});
		assert.ok(mutes.silenced(s, new CommandContext(out, s.peer, s.peerKey, 'dealer', 'c1', 2000)));
		assert.deepEqual(frames(out)[0]!.replies, [{type: 'error', re: 'c1', code: 'muted', message: 'you are muted by op (calm down) for 3 s more', retryAfterMs: 3000}]);
	});

	test('lifting: by the nick of someone offline, or by the session and its key', () => {
		const mutes = new Mutes();
		const s = session('k', 'alice', 'p', 'KEY');
		mutes.add(s, {by: 'op'});
		assert.ok(mutes.lift('alice', undefined, 0), 'the nick was muted');
		assert.ok(mutes.of(s, 0), 'the key still is');
		assert.ok(mutes.lift('alice', s, 0));
		assert.equal(mutes.of(s, 0), undefined);
		assert.equal(mutes.lift('alice', s, 0), false, 'nothing left to lift');
	});
});

describe('flood control', () => {
	test('refuses what is over the limit, then drops a connection’s frames unread after 64 refusals in a second', () => {
		const lines: string[] = [];
		const counters = {rateLimited: 0, dropped: 0};
		const flood = new FloodControl({burst: 1, seconds: 10}, line => lines.push(line), counters);
		const out = new Outgoing();
		const s = {...session('k', 'alice'), bucket: flood.bucket(0)!};
		const ctx = (now: number) => new CommandContext(out, s.peer, s.peerKey, 'dealer', undefined, now);
		assert.ok(flood.charge(s, ctx(0)));
		assert.equal(flood.charge(s, ctx(0)), false);
		assert.deepEqual(frames(out)[0]!.replies, [{type: 'error', code: 'rate_limited', message: 'slow down: this hub takes 1 messages at once, then one every 10 s; try again in 10 s', retryAfterMs: 10_000}]);
		for (let i = 1; i < 64; i++) flood.charge(s, ctx(10));
		assert.equal(counters.rateLimited, 64);
		assert.ok(flood.dropping(s.peerKey, 3, 500));
		assert.ok(flood.dropping(s.peerKey, 2, 999));
		assert.equal(flood.dropping(s.peerKey, 1, 1000), false, 'a new second');
		assert.equal(counters.dropped, 5);
		flood.sweep(999);
		assert.deepEqual(lines, []);
		flood.sweep(1000);
		flood.sweep(2000);
		assert.deepEqual(lines, ['dropped 5 frames unread from a connection sending faster than its limit'], 'said once');
	});

	test('with no limit, every message goes and a session has no bucket', () => {
		const flood = new FloodControl(undefined, () => {}, {rateLimited: 0, dropped: 0});
		assert.equal(flood.bucket(0), undefined);
		const s = session('k', 'a');
		assert.ok(flood.charge(s, new CommandContext(new Outgoing(), s.peer, s.peerKey, 'dealer', undefined, 0)));
	});
});

describe('the outbox', () => {
	test('a DEALER’s replies of one batch go out as one message; a REQ gets one message per reply', () => {
		const out = new Outgoing();
		const a = session('ka', 'a', 'A');
		out.toSession(a, {type: 'ok', command: 'away'});
		out.reply(Buffer.from('R'), 'R', 'req', {type: 'pong', ts: 1, heads: {}, epoch: 'e', session: false});
		out.reply(a.peer, a.peerKey, 'dealer', '{"type":"ok","command":"bye"}');
		out.reply(Buffer.from('R'), 'R', 'req', {type: 'pong', ts: 2, heads: {}, epoch: 'e', session: false});
		assert.deepEqual(
			frames(out).map(r => [r.peer, r.envelope, r.replies.length]),
			[['A', 'dealer', 2], ['R', 'req', 1], ['R', 'req', 1]],
		);
		assert.equal(out.hasWork, false, 'drained');
		out.toSession(a, {type: 'ok', command: 'away'});
		assert.equal(frames(out).length, 1, 'a new batch starts a new message');
	});

	test('feed events in runs per room, in the order they were stored', () => {
		const out = new Outgoing();
		for (const [room, e] of [['a', '1'], ['a', '2'], ['b', '3'], ['a', '4']]) out.published(room!, e!);
		out.revoked = true;
		const o = out.drain();
		assert.deepEqual(o.publish, [{room: 'a', events: ['1', '2']}, {room: 'b', events: ['3']}, {room: 'a', events: ['4']}]);
		assert.equal(o.revoked, true);
		assert.equal(out.drain().revoked, false);
	});
});

describe('the ban list', () => {
	test('written through: a ban outlasts a reopen; an expired one is lifted when looked at', () => {
		const db = new Database(':memory:');
		const bans = new BanList(db);
		bans.add('alice', {target: 'Alice', kind: 'nick', by: 'op', since: 2});
		bans.add('KEY', {target: 'KEY', kind: 'key', by: 'op', since: 1, until: 100});
		const again = new BanList(db);
		assert.equal(again.ban('nick', 'alice', 0)?.target, 'Alice');
		assert.deepEqual(again.bans(50).map(b => b.target), ['KEY', 'Alice'], 'oldest first');
		assert.equal(again.ban('key', 'KEY', 100), undefined);
		assert.deepEqual(new BanList(db).bans(0).map(b => b.target), ['Alice'], 'the expired one is gone from the database too');
		assert.ok(again.remove('nick', 'alice'));
		assert.equal(again.remove('nick', 'alice'), false);
		db.close();
	});

	test('a row this version cannot read is left alone', () => {
		const db = new Database(':memory:');
		db.exec(`CREATE TABLE bans (id TEXT PRIMARY KEY, json TEXT NOT NULL); INSERT INTO bans VALUES ('nick:x', '{not json')`);
		assert.deepEqual(new BanList(db).bans(0), []);
		db.close();
	});
});
