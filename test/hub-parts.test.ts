import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import Database from 'better-sqlite3';
import {BanList} from '../src/hub/ban-list.js';
import {FloodControl, PEOPLE_PER_ADDRESS} from '../src/hub/flood.js';
import {Membership} from '../src/hub/membership.js';
import {Mutes} from '../src/hub/mutes.js';
import {CommandContext, Outgoing} from '../src/hub/outbox.js';
import {remember, SessionTable, type Session} from '../src/hub/sessions.js';
import {Store} from '../src/hub/store.js';
import {nickKey, sortByNick} from '../src/protocol/names.js';
import type {Reply} from '../src/protocol/types.js';

/**
 * The pieces the hub core was cut into, each on its own: the session table, room membership,
 * mutes, flood control, the outbox and the ban list. The hub-core tests drive them together.
 */

function session(key: string, nick: string, peer = `peer-${key}`, clientKey?: string): Session {
	return {
		key,
		peer: Buffer.from(peer),
		peerKey: peer,
		info: clientKey === undefined ? {} : {key: clientKey},
		nick,
		rooms: new Set(),
		since: 0,
		lastHeard: 0,
		lastActive: 0,
		recent: new Map(),
		...(clientKey === undefined ? {} : {clientKey}),
	};
}

/** A command from a session's connection at a time. */
const ctxOf = (out: Outgoing, s: Session, now: number, id?: string) => new CommandContext(out, s.peer, s.peerKey, 'dealer', id, now, s.info);

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
		t.rebind(s, Buffer.from('new'), 'new', {});
		assert.equal(t.onPeer('new'), s);
		assert.equal(t.onPeer('old'), undefined);
		assert.equal(s.peer.toString(), 'new');
		t.rebind(s, Buffer.from('new'), 'new', {});
		assert.equal(t.onPeer('new'), s, 'a resume on the same connection changes nothing');
	});

	test('re-binding or removing a session leaves alone a connection or a nick now another’s', () => {
		const t = new SessionTable();
		const a = session('ka', 'alice', 'p1');
		t.add(a);
		// The core ends a session before another takes its connection; the table does not count on it.
		const b = session('kb', 'bob', 'p1');
		t.add(b);
		t.rebind(a, Buffer.from('p2'), 'p2', {});
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

	test('forgets in the order ids were said, over many times its size, an id said again moving to the end', () => {
		const s = session('k', 'n');
		// A model of the rule: a list, an id said again taken out and put last, the first dropped past 4096.
		const model: string[] = [];
		const say = (id: string) => {
			remember(s, id, 'pending');
			const at = model.indexOf(id);
			if (at >= 0) model.splice(at, 1);
			model.push(id);
			if (model.length > 4096) model.shift();
		};
		for (let round = 0; round < 5; round++) {
			for (let i = 0; i < 3000; i++) {
				say(`r${round}-${i}`);
				// Now and then an id from a while back, still remembered or already forgotten.
				if (i % 97 === 0) say(`r${round === 0 ? 0 : round - 1}-${(i * 7) % 3000}`);
			}
			assert.deepEqual([...s.recent.keys()], model, `after round ${round}`);
		}
		assert.equal(s.recent.size, 4096);
	});
});

describe('room membership', () => {
	test('leaving every room while going through them; an empty room has no members but is still kept', () => {
		const m = new Membership(new Store(), 10);
		const s = session('k', 'alice');
		m.enter(s, 'a', 0);
		m.enter(s, 'b', 0);
		m.enter(session('k2', 'bob'), 'b', 0);
		for (const room of s.rooms) m.leave(s, room);
		assert.equal(s.rooms.size, 0);
		assert.equal(m.of('a'), undefined);
		assert.deepEqual([...m.of('b')!].map(x => x.nick), ['bob']);
		assert.equal(m.size, 1);
		assert.equal(m.count, 2, 'both rooms are kept');
	});

	test('counts the rooms the hub keeps, stored or not yet, against its limit and each sender’s share', () => {
		const store = new Store();
		store.append([{event: {type: 'join', room: 'old', ts: 0, from: 'x'}, creator: 'conn:A'}]);
		const m = new Membership(store, 3, 2);
		assert.deepEqual(m.fresh(['old', 'new']), ['new']);
		assert.equal(m.madeBy('conn:A'), 1, 'who made a stored room is read back');
		assert.equal(m.refusal(1, 'conn:A'), undefined);
		assert.equal(m.refusal(2, 'conn:A'), 'sender', 'A made one of its two already');
		assert.equal(m.refusal(2, 'conn:B'), undefined);
		m.enter(session('k', 'a'), 'new', 0, 'conn:B');
		// Not stored yet (the next flush stores its join): counted all the same. Counting only
		// stored rooms is how 10,007–10,208 rooms got past a cap of 10,000.
		assert.deepEqual(m.fresh(['new']), []);
		assert.equal(m.count, 2);
		assert.equal(m.refusal(2, 'conn:C'), 'hub', 'would be 4 of 3');
		assert.equal(m.refusal(1, undefined), undefined, 'an operator has no share, only the hub’s limit');
	});

	test('an empty room unused since the cut-off is forgotten, history and all; its seq goes on where it was', () => {
		const store = new Store();
		const s = session('k', 'a');
		const m = new Membership(store, 10);
		m.enter(s, 'quiet', 1000, 'conn:A');
		m.enter(s, 'busy', 1000);
		store.append([
			{event: {type: 'join', room: 'quiet', ts: 1000, from: 'a'}, creator: 'conn:A'},
			{event: {type: 'join', room: 'busy', ts: 1000, from: 'a'}},
			{event: {type: 'message', room: 'quiet', ts: 2000, from: 'a', text: 'hi'}},
		]);
		m.touch('quiet', 2000);
		m.leave(s, 'quiet');
		assert.deepEqual(m.sweep(2000), [], 'used at 2000: not before it');
		assert.deepEqual(m.sweep(2001), ['quiet'], 'busy has someone in it');
		assert.equal(store.has('quiet'), false);
		assert.deepEqual(store.history('quiet', {limit: 10}).events, []);
		assert.equal(m.madeBy('conn:A'), 0, 'its maker’s share is free again');
		assert.equal(store.head('quiet'), 2, 'made again, it starts after its last seq');
	});

	test('a room’s state lists its members by name, whatever their case', () => {
		const m = new Membership(new Store(), 10);
		for (const [k, n] of [['1', 'carol'], ['2', 'Bob'], ['3', 'alice']]) m.enter(session(k!, n!), 'r', 0);
		assert.deepEqual(m.state('r'), {room: 'r', seq: 0, topic: '', members: ['alice', 'Bob', 'carol']});
	});

	test('the member list kept between states follows joins, parts, nick and away changes as a fresh sort of the room would', () => {
		const m = new Membership(new Store(), 10);
		const people = Array.from({length: 12}, (_, i) => session(`k${i}`, ['ann', 'Bob', 'bob_', 'Cy', 'cy', 'dee', 'Eve', 'al', 'AL2', 'zed', 'Max', 'mo'][i]!));
		const nicks = ['Ann', 'bOb', 'cy2', 'Dee', 'ed', 'zz', 'A', 'mo'];
		// A fixed pseudo-random walk (the same every run): 600 steps, the state checked after each.
		let seed = 12345;
		const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
		for (let step = 0; step < 600; step++) {
			const p = people[next(people.length)]!;
			const room = next(3) === 0 ? 'other' : 'r';
			const what = next(5);
			if (what <= 1) m.enter(p, room, 0);
			else if (what === 2) m.leave(p, room);
			else if (what === 3) p.nick = nicks[next(nicks.length)]!;
			else if (p.away === undefined) p.away = 'out';
			else delete p.away;
			for (const r of ['r', 'other']) {
				const inRoom = [...(m.of(r) ?? [])];
				const members = sortByNick(inRoom, x => x.nick).map(x => x.nick);
				const away = sortByNick(inRoom.filter(x => x.away !== undefined), x => x.nick).map(x => x.nick);
				const state = m.state(r);
				assert.deepEqual(state.members, members, `step ${step}, #${r}`);
				assert.deepEqual(state.away ?? [], away, `step ${step}, #${r}: who is away`);
			}
		}
	});
});

/** A store for mutes in memory, as the real ones keep them. */
function muteStore() {
	const kept = new Map<string, string>();
	return {
		kept,
		mutes: () => [...kept].map(([id, json]) => [id, JSON.parse(json)] as [string, never]),
		putMute: (id: string, m: object) => void kept.set(id, JSON.stringify(m)),
		deleteMute: (id: string) => void kept.delete(id),
	};
}

describe('mutes', () => {
	test('a mute follows the key to a new nick, and ends when its time is up', () => {
		const mutes = new Mutes(muteStore());
		const s = session('k', 'alice', 'p', 'KEY');
		mutes.add(s, s.info, {until: 1000, by: 'op'});
		s.nick = 'alicia';
		assert.equal(mutes.of(s, s.info, s.peerKey, 999)?.by, 'op');
		assert.equal(mutes.of(s, s.info, s.peerKey, 1000), undefined);
	});

	test('on an open hub it binds the nick (and its look-alikes), the connection and the address; kept but the connection', () => {
		const store = muteStore();
		const mutes = new Mutes(store);
		const s = session('k', 'bob', 'p');
		const info = {address: '10.0.0.7'};
		assert.deepEqual(mutes.add(s, info, {by: 'op'}), ['nick:bob', 'conn:p', 'addr:10.0.0.7']);
		assert.deepEqual([...store.kept.keys()], ['nick:bob', 'addr:10.0.0.7'], 'a connection does not outlast the hub');
		const other = session('k2', 'carol', 'q');
		assert.ok(mutes.of(other, {address: '10.0.0.7'}, 'q', 0), 'another nick, another connection, the same address');
		assert.ok(mutes.of(other, {}, 'p', 0), 'the same connection');
		assert.ok(mutes.of(session('k3', 'B0B_', 'r'), {}, 'r', 0), 'a look-alike of the nick');
		assert.equal(mutes.of(other, {address: '10.0.0.8'}, 'q', 0), undefined);
		const restarted = new Mutes(store);
		assert.ok(restarted.of(other, {address: '10.0.0.7'}, 'q', 0), 'after a restart');
		assert.equal(restarted.of(other, {}, 'p', 0), undefined);
	});

	test('silenced sends the muted error with when to try again', () => {
		const mutes = new Mutes(muteStore());
		const out = new Outgoing();
		const s = session('k', 'alice');
		mutes.add(s, s.info, {until: 5000, by: 'op', reason: 'calm\ndown'});
		assert.ok(mutes.silenced(s, ctxOf(out, s, 2000, 'c1')));
		assert.deepEqual(frames(out)[0]!.replies, [{type: 'error', re: 'c1', code: 'muted', message: 'you are muted by op (calm down) for 3 s more', retryAfterMs: 3000}]);
	});

	test('lifting by the nick of someone offline, or by the session online, lifts all the mute binds', () => {
		const store = muteStore();
		const mutes = new Mutes(store);
		const s = session('k', 'alice', 'p', 'KEY');
		mutes.add(s, s.info, {by: 'op'});
		assert.ok(mutes.lift('alice', undefined, 0), 'the nick was muted');
		assert.equal(mutes.of(s, s.info, s.peerKey, 0), undefined, 'and its key with it');
		assert.equal(store.kept.size, 0);
		mutes.add(s, s.info, {by: 'op'});
		s.nick = 'alicia';
		assert.ok(mutes.lift('alicia', {session: s, info: s.info}, 0), 'muted by key under its new nick');
		assert.equal(mutes.of(s, s.info, s.peerKey, 0), undefined);
		assert.equal(mutes.lift('alice', {session: s, info: s.info}, 0), false, 'nothing left to lift');
	});
});

describe('flood control', () => {
	test('refuses what is over the limit, then drops a connection’s frames unread after 64 refusals in a second; logs the flood twice', () => {
		const lines: string[] = [];
		const counters = {rateLimited: 0, dropped: 0};
		const flood = new FloodControl({burst: 1, seconds: 10}, line => lines.push(line), counters);
		const out = new Outgoing();
		const s = {...session('k', 'alice'), bucket: flood.bucket(0)!};
		const ctx = (now: number) => ctxOf(out, s, now);
		assert.ok(flood.charge(ctx(0), s));
		assert.equal(flood.charge(ctx(0), s), false);
		assert.deepEqual(frames(out)[0]!.replies, [{type: 'error', code: 'rate_limited', message: 'slow down: this hub takes 1 messages at once, then one every 10 s; try again in 10 s', retryAfterMs: 10_000}]);
		for (let i = 1; i < 64; i++) flood.charge(ctx(10), s);
		assert.equal(counters.rateLimited, 64);
		assert.ok(flood.dropping(s.peerKey, 3, 500));
		assert.ok(flood.dropping(s.peerKey, 2, 999));
		assert.equal(flood.dropping(s.peerKey, 1, 1000), false, 'a new second');
		assert.equal(counters.dropped, 5);
		assert.deepEqual(lines, ['a connection (alice) is over the flood limit: refusing what goes over it (one line when it stops)'], 'said once as it starts');
		flood.sweep(1500);
		assert.equal(lines.length, 1, 'not over yet: it dropped frames at 999');
		flood.sweep(2000);
		assert.deepEqual(lines.slice(1), ['a connection (alice) stopped flooding: refused 64 commands and dropped 5 frames unread in 1 s'], 'and once as it stops');
	});

	test('a sender is charged beyond its session: a new session on the same connection has no new allowance', () => {
		const flood = new FloodControl({burst: 2, seconds: 2}, () => {}, {rateLimited: 0, dropped: 0});
		const out = new Outgoing();
		const a = {...session('k1', 'a', 'conn'), bucket: flood.bucket(0)!};
		const b = {...session('k2', 'b', 'conn'), bucket: flood.bucket(0)!};
		assert.ok(flood.charge(ctxOf(out, a, 0), a));
		assert.ok(flood.charge(ctxOf(out, b, 0), b));
		assert.equal(flood.charge(ctxOf(out, b, 0), b), false, 'the connection spent its two');
		const elsewhere = {...session('k3', 'c', 'other'), bucket: flood.bucket(0)!};
		assert.ok(flood.charge(ctxOf(out, elsewhere, 0), elsewhere), 'another connection has its own');
		// An address holds PEOPLE_PER_ADDRESS people's allowance; each connection from it one person's.
		for (let i = 0; i < PEOPLE_PER_ADDRESS; i++) {
			const c = {...session(`a${i}`, `a${i}`, `addr-conn-${i}`), info: {address: i % 2 ? '10.1.1.1' : '::ffff:10.1.1.1'}, bucket: flood.bucket(0)!};
			assert.ok(flood.charge(ctxOf(out, c, 0), c, 2), 'a cost of two (a hello making a room)');
			assert.equal(flood.charge(ctxOf(out, c, 0), c), false, 'that connection spent its two');
		}
		const late = {...session('k5', 'e', 'late'), info: {address: '10.1.1.1'}, bucket: flood.bucket(0)!};
		assert.equal(flood.charge(ctxOf(out, late, 0), late), false, 'another connection from the same address: the address spent its share');
		assert.ok(flood.charge(ctxOf(out, late, 1000), late), 'it comes back at the address’s pace');
	});

	test('the byte budget: text beyond it is refused until the minute gives it back', () => {
		const flood = new FloodControl({burst: 100, seconds: 1, bytesPerMinute: 6000}, () => {}, {rateLimited: 0, dropped: 0});
		const out = new Outgoing();
		const s = {...session('k', 'a'), bucket: flood.bucket(0)!};
		const text = 'x'.repeat(4000);
		assert.ok(flood.charge(ctxOf(out, s, 0), s, 1, text));
		assert.equal(flood.charge(ctxOf(out, s, 0, 'm2'), s, 1, text), false);
		const refusal = frames(out)[0]!.replies[0]!;
		assert.ok(refusal.type === 'error' && refusal.code === 'rate_limited');
		assert.equal(refusal.retryAfterMs, 20_000, '2000 bytes more at 100 a second');
		assert.match(refusal.message, /this hub takes 6000 bytes of text a minute from one sender; try again in 20 s/);
		assert.equal(flood.charge(ctxOf(out, s, 0), s, 1, 'short'), false, 'a short line would fit, but waits its turn behind the refused one');
		assert.ok(flood.charge(ctxOf(out, s, 20_000), s, 1, text));
		assert.ok(flood.charge(ctxOf(out, s, 20_100), s, 1, 'short'), '10 bytes more by then');
	});

	test('with no limit, every message goes and a session has no bucket', () => {
		const flood = new FloodControl(undefined, () => {}, {rateLimited: 0, dropped: 0});
		assert.equal(flood.bucket(0), undefined);
		const s = session('k', 'a');
		assert.ok(flood.charge(ctxOf(new Outgoing(), s, 0), s));
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
		bans.add(nickKey('Alice'), {target: 'Alice', kind: 'nick', by: 'op', since: 2});
		bans.add('KEY', {target: 'KEY', kind: 'key', by: 'op', since: 1, until: 100});
		const again = new BanList(db);
		assert.equal(again.ban('nick', nickKey('alice'), 0)?.target, 'Alice');
		assert.deepEqual(again.bans(50).map(b => b.target), ['KEY', 'Alice'], 'oldest first');
		assert.equal(again.ban('key', 'KEY', 100), undefined);
		assert.deepEqual(new BanList(db).bans(0).map(b => b.target), ['Alice'], 'the expired one is gone from the database too');
		assert.ok(again.remove('nick', nickKey('alice')));
		assert.equal(again.remove('nick', nickKey('alice')), false);
		db.close();
	});

	test('a nick ban kept under an older, narrower folding is filed again under today’s: its look-alikes are caught', () => {
		const db = new Database(':memory:');
		new BanList(db).add('bob_', {target: 'bob_', kind: 'nick', by: 'op', since: 1});
		const reopened = new BanList(db);
		assert.equal(reopened.ban('nick', nickKey('8OB'), 0)?.target, 'bob_');
		assert.deepEqual(db.prepare('SELECT id FROM bans').pluck().all(), ['nick:bob'], 'and in the database');
		assert.ok(reopened.remove('nick', nickKey('bob')));
		db.close();
	});

	test('a row this version cannot read is left alone', () => {
		const db = new Database(':memory:');
		db.exec(`CREATE TABLE bans (id TEXT PRIMARY KEY, json TEXT NOT NULL); INSERT INTO bans VALUES ('nick:x', '{not json')`);
		assert.deepEqual(new BanList(db).bans(0), []);
		db.close();
	});
});
