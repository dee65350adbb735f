import assert from 'node:assert/strict';
import {after, afterEach, beforeEach, describe, test} from 'node:test';
import {Access} from '../src/hub/access.js';
import type {HubServer} from '../src/hub/server.js';
import {Store} from '../src/hub/store.js';
import {generateKeyPair} from '../src/keys.js';
import type {Reply} from '../src/protocol/types.js';
import {curveOptions, RawDealer, RawSub} from './helpers/client.js';
import {spawnHub, spawnZchat, type Proc} from './helpers/cli.js';
import {CoreHarness} from './helpers/core-harness.js';
import {startHub, tempDir} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/**
 * Moderation: operators named by nick or key kick, ban (kept in the store), mute and lock
 * topics; everyone else is refused with not_operator.
 */

const errorCode = (r: Reply | undefined) => (r?.type === 'error' ? r.code : r?.type);

let dir: ReturnType<typeof tempDir>;
let store: Store;
let h: CoreHarness;
const KEY_BOB = generateKeyPair().publicKey;
const KEY_OP = generateKeyPair().publicKey;

beforeEach(() => {
	dir = tempDir();
	store = new Store({dataDir: dir.path});
	h = new CoreHarness(store, {access: s => new Access(s, {opNicks: ['alice']})});
});
afterEach(() => {
	store.close();
	dir.remove();
});

describe('operators', () => {
	test('the welcome and /who say who is an operator; everyone else gets not_operator', () => {
		const alice = h.peer('alice');
		const bob = h.peer('bob');
		const w = h.hello(alice);
		assert.ok(w.type === 'welcome' && w.op === true);
		const wb = h.hello(bob);
		assert.ok(wb.type === 'welcome' && wb.op === undefined);
		for (const cmd of [{type: 'kick', nick: 'alice'}, {type: 'ban', target: 'alice'}, {type: 'unban', target: 'x'}, {type: 'bans'}, {type: 'mute', nick: 'alice'}, {type: 'unmute', nick: 'alice'}, {type: 'lock', room: 'lobby', locked: true}]) {
			const r = h.ask(bob, cmd);
			assert.equal(errorCode(r), 'not_operator', JSON.stringify(cmd));
			assert.match((r as {message: string}).message, /only operators can use .*--op/);
		}
		const who = h.ask(bob, {type: 'who'});
		assert.ok(who?.type === 'who');
		assert.deepEqual(
			who.members.map(m => [m.nick, m.op === true]),
			[
				['alice', true],
				['bob', false],
			],
		);
	});

	test('kick: the target is told why and by whom, the room sees it, the session ends', () => {
		const alice = h.peer('alice');
		const bob = h.peer('bob');
		h.hello(alice);
		h.hello(bob);
		assert.equal(errorCode(h.ask(alice, {type: 'kick', nick: 'nobody'})), 'no_such_nick');
		assert.equal(errorCode(h.ask(alice, {type: 'kick', nick: 'alice'})), 'bad_field');
		assert.equal(h.ask(alice, {type: 'kick', nick: 'BOB', reason: 'being rude'})?.type, 'ok');
		const notice = bob.replies.find(r => r.type === 'notice');
		assert.deepEqual(notice, {type: 'notice', code: 'kicked', message: 'you were kicked from the hub by alice: being rude'});
		const part = h.published.find(e => e.type === 'part');
		assert.ok(part?.type === 'part');
		assert.deepEqual({from: part.from, removed: part.removed, by: part.by, reason: part.reason, quit: part.quit}, {from: 'bob', removed: 'kick', by: 'alice', reason: 'being rude', quit: true});
		const pong = h.ask(bob, {type: 'ping'});
		assert.ok(pong?.type === 'pong' && pong.session === false);
	});

	test('operators cannot remove each other', () => {
		h = new CoreHarness(store, {access: s => new Access(s, {opNicks: ['alice', 'carol']})});
		const alice = h.peer('alice');
		h.hello(alice);
		h.hello(h.peer('carol'));
		assert.equal(errorCode(h.ask(alice, {type: 'kick', nick: 'carol'})), 'not_operator');
		assert.equal(errorCode(h.ask(alice, {type: 'ban', target: 'carol'})), 'not_operator');
		assert.equal(errorCode(h.ask(alice, {type: 'mute', nick: 'carol'})), 'not_operator');
	});
});

describe('bans', () => {
	test('a nick ban for a while: look-alikes included, kept across a restart, over when it ends', () => {
		const alice = h.peer('alice');
		const bob = h.peer('bob');
		h.hello(alice);
		h.hello(bob);
		assert.deepEqual(h.ask(alice, {type: 'ban', target: 'bob', durationMs: 600_000, reason: 'spam'}), {type: 'ok', re: (alice.replies.at(-1) as {re: string}).re, command: 'ban', target: 'bob'});
		assert.deepEqual(bob.replies.find(r => r.type === 'notice'), {type: 'notice', code: 'banned', message: 'you were banned from the hub by alice for 10 min: spam'});
		assert.ok(h.published.some(e => e.type === 'part' && e.removed === 'ban' && e.by === 'alice'));
		for (const nick of ['bob', 'B0B', 'BOB']) {
			const again = h.peer(`bob-again-${nick}`);
			const r = h.hello(again, nick);
			assert.equal(errorCode(r), 'banned', nick);
			assert.ok(r.type === 'error' && r.retryAfterMs === 600_000);
			assert.match((r as {message: string}).message, /the nick "bob" is banned from this hub for 10 min more \(by alice: spam\)/);
		}
		// The ban is in the store: a hub restarted on the same data still has it.
		store.close();
		store = new Store({dataDir: dir.path});
		h = new CoreHarness(store, {access: s => new Access(s, {opNicks: ['alice']})});
		h.now += 60_000;
		assert.equal(errorCode(h.hello(h.peer('bob2'), 'bob')), 'banned');
		const list = h.ask(h.peer('alice'), {type: 'bans'});
		assert.equal(errorCode(list), 'no_session');
		h.hello(h.peer('alice'));
		const bans = h.ask(h.peer('alice'), {type: 'bans'});
		assert.ok(bans?.type === 'bans');
		assert.deepEqual(bans.bans.map(b => [b.kind, b.target, b.by, b.reason]), [['nick', 'bob', 'alice', 'spam']]);
		h.now += 600_000;
		assert.equal(errorCode(h.hello(h.peer('bob3'), 'bob')), 'welcome', 'the ban has run out');
	});

	test('unban lifts a ban; lifting none says so', () => {
		const alice = h.peer('alice');
		h.hello(alice);
		h.ask(alice, {type: 'ban', target: 'mallory'});
		assert.equal(errorCode(h.hello(h.peer('m'), 'mallory')), 'banned');
		assert.equal(h.ask(alice, {type: 'unban', target: 'Mallory'})?.type, 'ok');
		assert.equal(errorCode(h.ask(alice, {type: 'unban', target: 'mallory'})), 'not_banned');
		assert.equal(errorCode(h.hello(h.peer('m2'), 'mallory')), 'welcome');
	});

	test('on a hub with keys, banning a nick bans its key too: no coming back under another nick', () => {
		h = new CoreHarness(store, {keyed: true, access: s => new Access(s, {opKeys: [KEY_OP]})});
		const op = h.peer('op', KEY_OP);
		const bob = h.peer('bob', KEY_BOB);
		assert.ok(h.hello(op, 'boss').type === 'welcome');
		h.hello(bob);
		h.ask(op, {type: 'ban', target: 'bob'});
		assert.equal(h.revoked, 1, 'the transport is told to make subscribers authenticate again');
		const disguised = h.peer('bob-disguised', KEY_BOB);
		const r = h.hello(disguised, 'robert');
		assert.equal(errorCode(r), 'banned');
		assert.match((r as {message: string}).message, /your key is banned/);
		assert.equal(h.core.access.refuses(KEY_BOB, h.now)?.why, 'banned', 'the ZAP handler refuses the key from now on');
		assert.equal(errorCode(h.ask(op, {type: 'ban', target: KEY_OP})), 'bad_field', 'not yourself');
	});

	test('a ban by key ends every session of that key', () => {
		h = new CoreHarness(store, {keyed: true, access: s => new Access(s, {opKeys: [KEY_OP]})});
		const op = h.peer('op', KEY_OP);
		h.hello(op, 'boss');
		const b1 = h.peer('b1', KEY_BOB);
		const b2 = h.peer('b2', KEY_BOB);
		h.hello(b1, 'bob');
		h.hello(b2, 'bobby');
		assert.equal(h.ask(op, {type: 'ban', target: KEY_BOB, durationMs: 3_600_000})?.type, 'ok');
		for (const p of [b1, b2]) assert.ok(p.replies.some(r => r.type === 'notice' && r.code === 'banned'));
		const who = h.ask(op, {type: 'who'});
		assert.ok(who?.type === 'who');
		assert.deepEqual(who.members.map(m => m.nick), ['boss']);
	});
});

describe('mutes and topic locks', () => {
	test('a muted member can read but not speak until the mute ends or is lifted', () => {
		const alice = h.peer('alice');
		const carol = h.peer('carol');
		h.hello(alice);
		h.hello(carol);
		assert.equal(h.ask(alice, {type: 'mute', nick: 'carol', durationMs: 300_000, reason: 'cool down'})?.type, 'ok');
		assert.deepEqual(carol.replies.find(r => r.type === 'notice'), {type: 'notice', code: 'muted', message: 'you were muted by alice for 5 min: cool down', until: h.now + 300_000});
		for (const cmd of [{type: 'say', room: 'lobby', text: 'hey'}, {type: 'msg', to: 'alice', text: 'hey'}, {type: 'topic', room: 'lobby', text: 'x'}, {type: 'nick', nick: 'carol2'}]) {
			const r = h.ask(carol, cmd);
			assert.equal(errorCode(r), 'muted', JSON.stringify(cmd));
			assert.ok(r?.type === 'error' && r.retryAfterMs === 300_000);
		}
		assert.equal(h.ask(carol, {type: 'who'})?.type, 'who', 'reading is fine');
		h.advance(300_001);
		assert.equal(h.ask(carol, {type: 'say', room: 'lobby', text: 'back'})?.type, 'ack');
		h.ask(alice, {type: 'mute', nick: 'carol'});
		assert.match((h.ask(carol, {type: 'say', room: 'lobby', text: 'x'}) as {message: string}).message, /until an operator unmutes you/);
		assert.equal(h.ask(alice, {type: 'unmute', nick: 'carol'})?.type, 'ok');
		assert.ok(carol.replies.some(r => r.type === 'notice' && r.code === 'unmuted'));
		assert.equal(h.ask(carol, {type: 'say', room: 'lobby', text: 'free'})?.type, 'ack');
		assert.equal(errorCode(h.ask(alice, {type: 'unmute', nick: 'carol'})), 'bad_field');
	});

	test('a locked topic: only operators change it; the lock is announced, kept in the store and in joins', () => {
		const alice = h.peer('alice');
		const bob = h.peer('bob');
		h.hello(alice);
		h.hello(bob);
		h.ask(alice, {type: 'topic', room: 'lobby', text: 'release friday'});
		assert.equal(h.ask(alice, {type: 'lock', room: 'lobby', locked: true})?.type, 'ok');
		const lockEvent = h.published.find(e => e.type === 'topic' && e.lock === true);
		assert.ok(lockEvent?.type === 'topic' && lockEvent.text === 'release friday' && lockEvent.from === 'alice');
		const refused = h.ask(bob, {type: 'topic', room: 'lobby', text: 'party!'});
		assert.equal(errorCode(refused), 'topic_locked');
		assert.equal(h.ask(alice, {type: 'topic', room: 'lobby', text: 'release monday'})?.type, 'ok');
		const joined = h.ask(h.peer('carol'), {type: 'hello', v: 1, nick: 'carol', session: 'carol-secret-0123456789'});
		assert.ok(joined?.type === 'welcome' && joined.rooms[0]!.topicLocked === true && joined.rooms[0]!.topic === 'release monday');
		store.close();
		store = new Store({dataDir: dir.path});
		assert.equal(store.topicLocked('lobby'), true, 'kept in the store');
		h = new CoreHarness(store, {access: s => new Access(s, {opNicks: ['alice']})});
		const a2 = h.peer('alice');
		h.hello(a2);
		h.ask(a2, {type: 'lock', room: 'lobby', locked: false});
		h.hello(h.peer('bob'));
		assert.equal(h.ask(h.peer('bob'), {type: 'topic', room: 'lobby', text: 'anyone may'})?.type, 'ok');
	});
});

describe('moderation over real sockets', () => {
	const procs: Proc[] = [];
	after(() => {
		for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
	});

	test('line mode: /kick ends the other client with the reason; the room sees who did it', async () => {
		const hub = await spawnHub(['--op', 'alice']);
		procs.push(hub.proc);
		await waitFor('the warning about an operator named by nick', () => /warning: operator "alice" is named by nick only/.test(hub.proc.stderr()));
		const bob = spawnZchat(['join', '--nick', 'bob', '--stay', ...hub.args]);
		const watch = spawnZchat(['join', '--nick', 'watch', '--stay', ...hub.args]);
		procs.push(bob, watch);
		await bob.waitLine('-- bob joined #lobby');
		await watch.waitLine('-- watch joined #lobby');
		const alice = spawnZchat(['join', '--nick', 'alice', ...hub.args]);
		procs.push(alice);
		alice.child.stdin.end('/kick bob enough\n/who\n');
		assert.equal(await bob.exited, 1);
		assert.match(bob.stderr(), /you were kicked from the hub by alice: enough/);
		await watch.waitLine(/-- bob was kicked by alice \(enough\)$/);
		assert.equal(await alice.exited, 0);
		assert.ok(alice.lines().some(l => /-- 2 in #lobby: @alice, watch/.test(l)), alice.stdout());
		watch.child.kill('SIGTERM');
	});

	test('a banned key loses the feed at once: its feed connection is closed, the others go on', async () => {
		const hubKeys = generateKeyPair();
		const op = generateKeyPair();
		const bob = generateKeyPair();
		const carol = generateKeyPair();
		const hub: HubServer = await startHub({curve: hubKeys, access: s => new Access(s, {opKeys: [op.publicKey]})});
		const feedOf = (k: typeof bob) => new RawSub({pubEndpoint: hub.pubEndpoint, socketOptions: curveOptions(hubKeys.publicKey, k)}, '#lobby:');
		const bobFeed = feedOf(bob);
		const carolFeed = feedOf(carol);
		const boss = new RawDealer(hub, curveOptions(hubKeys.publicKey, op));
		try {
			await boss.hello('boss');
			await boss.send({type: 'say', id: 's1', room: 'lobby', text: 'before the ban'});
			await waitFor('both feeds to work', () => bobFeed.text().includes('before the ban') && carolFeed.text().includes('before the ban'));
			await boss.send({type: 'ban', id: 'b1', target: bob.publicKey, reason: 'troll'});
			await boss.reply('ok', r => r.re === 'b1');
			await waitFor("bob's feed connection to be closed", () => (hub.feed.stats().closed.revoked ?? 0) === 1);
			// Carol's connection was never touched: the next line reaches her without a reconnection.
			const accepted = hub.feed.stats().accepted;
			await boss.send({type: 'say', id: 's-after', room: 'lobby', text: 'after the ban'});
			await waitFor('carol to have the line after the ban', () => carolFeed.text().includes('after the ban'));
			await waitFor("bob's reconnection to be refused", () => (hub.feed.stats().closed['key-refused'] ?? 0) > 0);
			assert.ok(hub.feed.stats().accepted > accepted, 'only bob reconnected');
			assert.ok(!bobFeed.text().includes('after the ban'), 'the banned key reads nothing more');
		} finally {
			await Promise.all([bobFeed.close(), carolFeed.close(), boss.close()]);
			await hub.stop();
		}
	});
});
