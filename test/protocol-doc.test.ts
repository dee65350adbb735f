import assert from 'node:assert/strict';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {Store} from '../src/hub/store.js';
import type {Reply} from '../src/protocol/types.js';
import {CoreHarness} from './helpers/core-harness.js';

/**
 * What docs/PROTOCOL.md says where a bot author had to guess, pinned against the hub: each
 * test is one sentence of the document, so the two cannot drift apart.
 */

let h: CoreHarness;
beforeEach(() => {
	// A hub that keeps 50 events a room (`zchat hub --history-limit 50`).
	h = new CoreHarness(new Store({historyLimit: 50}), {ttlMs: 10_000});
});
afterEach(() => {
	h.store.close();
});

const error = (r: Reply | undefined) => (r?.type === 'error' ? r : assert.fail(`an error, got ${JSON.stringify(r)}`));

describe('PROTOCOL.md, as a bot author reads it', () => {
	test("welcome's and joined's seq is the room's head before your own join event", () => {
		h.hello(h.peer('a'), 'alice', ['lobby']);
		const w = h.hello(h.peer('b'), 'bob', ['lobby']);
		assert.ok(w.type === 'welcome');
		assert.equal(w.rooms[0]!.seq, 1, "alice's join");
		assert.deepEqual(h.published.at(-1), {...h.published.at(-1), type: 'join', from: 'bob', seq: 2});
		const joined = h.ask(h.peer('b'), {type: 'join', room: 'lobby2'});
		assert.ok(joined?.type === 'joined');
		assert.equal(joined.seq, 0);
		assert.equal(h.published.at(-1)!.seq, 1, 'our join is seq 1 of the new room');
	});

	test('limits.historyLimit is the most events one history reply holds, not how many the hub keeps', () => {
		const a = h.peer('a');
		const w = h.hello(a, 'alice', ['lobby']);
		assert.ok(w.type === 'welcome');
		assert.equal(w.limits.historyLimit, 500, 'the page, whatever --history-limit is');
		assert.equal(w.limits.historyKept, 50, 'how many the hub keeps: its --history-limit');
		for (let i = 0; i < 60; i++) h.send(a, {type: 'say', id: `m${i}`, room: 'lobby', text: `m${i}`});
		const page = h.ask(a, {type: 'history', room: 'lobby', after: 0, limit: 500});
		assert.ok(page?.type === 'history');
		assert.equal(page.events.length, 50, 'the hub keeps its --history-limit');
		assert.equal(page.events[0]!.seq, 12, 'a page asked after 0 starts at the oldest kept');
		const big = h.ask(a, {type: 'history', room: 'lobby', limit: 1_000_000});
		assert.ok(big?.type === 'history' && big.events.length === 50);
	});

	test('an error whose command id could not be read carries no re', () => {
		const p = h.peer('p');
		h.core.receive(p.id, [Buffer.from('not json')], h.now);
		h.flush();
		assert.equal('re' in p.last(), false);
		for (const bad of [{type: 'ping', id: 5}, {type: 'ping', id: 'x'.repeat(65)}, {type: 'nosuch', id: 7}]) {
			h.send(p, bad);
			assert.equal('re' in p.last(), false, JSON.stringify(bad));
		}
		h.send(p, {type: 'nosuch', id: 'ok'});
		assert.equal(error(p.last()).re, 'ok', 'a readable id is echoed even on an unknown type');
	});

	test('hello can fail with bad_field: no v, a short secret, a long client name', () => {
		const p = h.peer('p');
		for (const hello of [
			{type: 'hello', id: 'h', nick: 'x', session: 's'.repeat(16)},
			{type: 'hello', id: 'h', v: 1, nick: 'x', session: 'short'},
			{type: 'hello', id: 'h', v: 1, nick: 'x', session: 's'.repeat(16), client: 'c'.repeat(65)},
			{type: 'hello', id: 'h', v: '1', nick: 'x', session: 's'.repeat(16)},
		]) {
			h.send(p, hello);
			assert.equal(error(p.last()).code, 'bad_field', JSON.stringify(hello));
		}
		h.send(p, {type: 'hello', id: 'h', v: 2, nick: 'x', session: 's'.repeat(16)});
		assert.equal(error(p.last()).code, 'bad_version');
	});

	test('a malformed command from a connection without a session gets its format error, not no_session', () => {
		const p = h.peer('p');
		assert.equal(error(h.ask(p, {type: 'say', room: 'lobby'})).code, 'bad_field');
		assert.equal(error(h.ask(p, {type: 'say', room: 'Not A Room', text: 'x'})).code, 'room_invalid');
		assert.equal(error(h.ask(p, {type: 'say', room: 'lobby', text: 'x'})).code, 'no_session');
	});

	test('a second hello with another secret on the same connection replaces the session', () => {
		const p = h.peer('p');
		h.hello(p, 'alice', ['lobby'], 'first-secret-0123456789');
		const w = h.hello(p, 'alicia', ['lobby'], 'second-secret-0123456789');
		assert.ok(w.type === 'welcome' && w.nick === 'alicia' && !w.resumed);
		assert.deepEqual(
			h.published.filter(e => e.type === 'part').map(e => [e.from, (e as {reason?: string}).reason, (e as {quit?: boolean}).quit]),
			[['alice', 'replaced by a new session', true]],
		);
	});

	test('msg.to matches nicks as nicks clash (case, look-alikes); a message to yourself is allowed', () => {
		const a = h.peer('a');
		const b = h.peer('b');
		h.hello(a, 'alice');
		h.hello(b, 'bob');
		const ack = h.ask(a, {type: 'msg', to: 'BOB', text: 'hi'});
		assert.ok(ack?.type === 'ack' && ack.to === 'bob', 'the ack names the nick as it is');
		assert.ok(b.replies.some(r => r.type === 'dm' && r.to === 'bob' && r.text === 'hi'));
		const self = h.ask(a, {type: 'msg', to: 'aIice', text: 'note to self'});
		assert.ok(self?.type === 'ack' && self.to === 'alice');
		assert.ok(a.replies.some(r => r.type === 'dm' && r.from === 'alice' && r.to === 'alice'));
	});

	test('history with both after and before: after counts, before is ignored; limit below 1 is bad_field', () => {
		const a = h.peer('a');
		h.hello(a, 'alice');
		for (let i = 0; i < 9; i++) h.send(a, {type: 'say', id: `m${i}`, room: 'lobby', text: `m${i}`});
		const both = h.ask(a, {type: 'history', room: 'lobby', after: 3, before: 6, limit: 100});
		assert.ok(both?.type === 'history');
		assert.deepEqual(both.events.map(e => e.seq), [4, 5, 6, 7, 8, 9, 10]);
		for (const limit of [0, -1, 1.5]) assert.equal(error(h.ask(a, {type: 'history', room: 'lobby', limit})).code, 'bad_field', String(limit));
		assert.equal(error(h.ask(a, {type: 'history', room: 'lobby', before: 0})).code, 'bad_field');
	});

	test('the topic of a room nobody is in, or that never was, is "", not an error', () => {
		const a = h.peer('a');
		h.hello(a, 'alice');
		assert.deepEqual(h.ask(a, {type: 'topic', room: 'never-was'}, 't'), {type: 'topic', re: 't', room: 'never-was', text: ''});
	});

	test('a timed-out session is told with the notice code session_ended (its message is for people)', () => {
		const a = h.peer('a');
		h.hello(a, 'alice');
		h.advance(4000);
		h.core.tick(h.now);
		h.advance(4000);
		h.core.tick(h.now);
		h.advance(4000);
		h.core.tick(h.now);
		h.flush();
		const notice = a.replies.find(r => r.type === 'notice');
		assert.ok(notice?.type === 'notice' && notice.code === 'session_ended', JSON.stringify(a.replies));
		assert.equal(notice.message, 'your session timed out: nothing came from you in 10 s', 'what happened, not what the client does next');
		assert.equal(h.published.at(-1)!.type, 'part');
	});

	test("one connection's commands are handled in order; an ack waits for the store, answers to questions do not", () => {
		const a = h.peer('a');
		h.hello(a, 'alice', ['lobby', 'dev']);
		a.take();
		h.send(a, {type: 'say', id: 's1', room: 'dev', text: 'last words'}, {type: 'part', id: 'p1', room: 'dev'}, {type: 'ping', id: 'q1'});
		assert.deepEqual(
			h.published.filter(e => e.room === 'dev').map(e => e.type),
			['join', 'message', 'part'],
			'the message is in the room before the part',
		);
		assert.deepEqual(
			a.take().map(r => ('re' in r ? r.re : r.type)),
			['p1', 'q1', 's1'],
			'the ack of the say comes once the batch is stored, after the answers given meanwhile',
		);
	});
});
