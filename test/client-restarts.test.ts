import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {Command, FeedEvent} from '../src/protocol/types.js';
import {EPOCH, Sim} from './helpers/sim.js';

/**
 * The client reducer across hub restarts: where the room's position jumps, acked lines
 * settle and the window opens (issue 15); member lists end up as the hub has them whatever
 * order the snapshot, the feed and the history arrive in (issue 13, bug 2).
 */

let ts = 0;
function msg(seq: number, text = `m${seq}`, from = 'bob'): FeedEvent {
	return {type: 'message', room: 'lobby', seq, epoch: EPOCH, ts: ++ts, from, text};
}
function joinEv(seq: number, from: string): FeedEvent {
	return {type: 'join', room: 'lobby', seq, epoch: EPOCH, ts: ++ts, from};
}
function partEv(seq: number, from: string): FeedEvent {
	return {type: 'part', room: 'lobby', seq, epoch: EPOCH, ts: ++ts, from};
}
function nickEv(seq: number, from: string, to: string): FeedEvent {
	return {type: 'nick', room: 'lobby', seq, epoch: EPOCH, ts: ++ts, from, to};
}

const says = (commands: Command[]) => commands.flatMap(c => (c.type === 'say' ? [c] : []));
const histories = (commands: Command[]) => commands.flatMap(c => (c.type === 'history' ? [c] : []));

/** Type lines, and ack every say that went out at the seqs given, in order. */
function ackAll(s: Sim, seqs: number[]): Array<Extract<Command, {type: 'say'}>> {
	const out = says(s.sent());
	out.forEach((say, i) => s.reply({type: 'ack', re: say.id, room: 'lobby', seq: seqs[i]!, epoch: EPOCH}));
	return out;
}

/** The hub forgets us (killed and restarted): the client says hello again. */
function hubRestarted(s: Sim): void {
	s.now += 3000;
	s.reply({type: 'pong', ts: 1, heads: {}, epoch: EPOCH, session: false});
	assert.ok(s.sent().some(c => c.type === 'hello'), 'a new hello');
}

describe('client after a hub restart: acked lines settle where the position passes them (issue 15)', () => {
	test('a welcome (resumed: false, same epoch) that moves a loading room past acked lines frees the window', () => {
		const s = new Sim({window: 2});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 10}]);
		assert.equal(histories(s.sent()).length, 1, 'the first history load is on its way');
		for (let i = 0; i < 4; i++) s.do({type: 'line', text: `l${i}`});
		ackAll(s, [11, 12]);
		assert.equal(says(s.sent()).length, 0, 'the window is full of acked lines');
		// The hub dies before answering the load, and comes back on the same data.
		hubRestarted(s);
		s.welcome([{room: 'lobby', seq: 20}]);
		const sent = s.sent();
		assert.deepEqual(
			says(sent).map(c => c.text),
			['l2', 'l3'],
			'the acked lines are behind the new position: settled, and the next lines go out',
		);
		assert.equal(s.state.pending.filter(p => p.state === 'acked').length, 0);
		const load = histories(sent)[0];
		assert.ok(load && load.before === 21, 'the history is loaded again, up to the new position');
	});

	test('a load lost with the hub is asked again, and the room syncs from its answer', () => {
		const s = new Sim({window: 2});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 10}]);
		const lost = histories(s.sent())[0]!;
		for (let i = 0; i < 3; i++) s.do({type: 'line', text: `l${i}`});
		ackAll(s, [11, 12]);
		s.feed(msg(11, 'l0', 'alice'), msg(12, 'l1', 'alice'));
		assert.equal(says(s.sent()).length, 0, 'the feed waits for the history: the window stays full');
		s.now += 5000;
		s.do({type: 'tick'});
		const again = histories(s.sent())[0];
		assert.ok(again && again.before === 11 && again.id !== lost.id, 'the load is asked again');
		s.reply({type: 'history', re: again.id!, room: 'lobby', epoch: EPOCH, head: 12, more: false, events: [msg(9), msg(10)]});
		assert.equal(s.room().synced, true);
		assert.equal(s.room().lastSeq, 12, 'what waited in the buffer is applied');
		assert.deepEqual(says(s.sent()).map(c => c.text), ['l2']);
		// The first load's answer, very late, changes nothing.
		s.reply({type: 'history', re: lost.id!, room: 'lobby', epoch: EPOCH, head: 12, more: false, events: [msg(9), msg(10)]});
		assert.equal(s.shown().filter(x => x === 'message:10').length, 1, 'no history shown twice');
	});

	test('a load answered after it was forgotten (a slow hub) still syncs the room', () => {
		const s = new Sim({window: 1});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 10}]);
		const slow = histories(s.sent())[0]!;
		s.do({type: 'line', text: 'a'});
		s.do({type: 'line', text: 'b'});
		ackAll(s, [11]);
		s.feed(msg(11, 'a', 'alice'));
		for (let i = 0; i < 12; i++) {
			s.now += 1000;
			s.do({type: 'tick'});
			s.reply({type: 'pong', ts: 1, heads: {lobby: 11}, epoch: EPOCH, session: true});
		}
		assert.ok(histories(s.sent()).length >= 2, 'asked again meanwhile');
		assert.equal(s.state.requests[slow.id!], undefined, 'the first one is forgotten');
		s.reply({type: 'history', re: slow.id!, room: 'lobby', epoch: EPOCH, head: 11, more: false, events: [msg(9), msg(10)]});
		assert.equal(s.room().synced, true);
		assert.equal(s.room().lastSeq, 11);
		assert.deepEqual(says(s.sent()).map(c => c.text), ['b']);
	});

	test('an answer to a load asked before a newer snapshot does not sync the room at the old position', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 10}]);
		const old = histories(s.sent())[0]!;
		hubRestarted(s);
		s.welcome([{room: 'lobby', seq: 20}]);
		const fresh = histories(s.sent())[0]!;
		s.reply({type: 'history', re: old.id!, room: 'lobby', epoch: EPOCH, head: 20, more: false, events: [msg(10)]});
		assert.equal(s.room().synced, false, 'still waiting for the load up to 20');
		s.reply({type: 'history', re: fresh.id!, room: 'lobby', epoch: EPOCH, head: 20, more: false, events: [msg(19), msg(20)]});
		assert.equal(s.room().synced, true);
		assert.deepEqual(s.shown().filter(x => x.startsWith('message')), ['message:19', 'message:20']);
	});

	test('a gap older than the hub keeps, skipped, settles the acked lines in it', () => {
		const s = new Sim({window: 2, history: 0});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 0}]);
		for (let i = 0; i < 3; i++) s.do({type: 'line', text: `l${i}`});
		ackAll(s, [3, 4]);
		s.feed(msg(1), msg(20_000));
		const repair = histories(s.sent())[0]!;
		s.reply({type: 'history', re: repair.id!, room: 'lobby', epoch: EPOCH, head: 20_000, more: true, events: [msg(10_001)]});
		assert.equal(s.room().lastSeq, 10_001);
		assert.deepEqual(says(s.sent()).map(c => c.text), ['l2'], 'the lines in the skipped gap are done');
	});

	test('an ack for a line the position already passed settles it at once, even while the history loads', () => {
		const s = new Sim({window: 1});
		s.do({type: 'start'});
		s.do({type: 'line', text: 'a'});
		s.do({type: 'line', text: 'b'});
		s.welcome([{room: 'lobby', seq: 10}]);
		// The hub had stored "a" (a resend after a restart is acked with the seq it was stored under).
		ackAll(s, [8]);
		assert.deepEqual(says(s.sent()).map(c => c.text), ['b']);
	});

	test('the watchdog: acked lines that never come back get the room synced again (said once), then are let go', () => {
		const s = new Sim({window: 2, history: 0});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 0}]);
		for (let i = 0; i < 3; i++) s.do({type: 'line', text: `l${i}`});
		ackAll(s, [1, 2]);
		const pong = () => s.reply({type: 'pong', ts: 1, heads: {}, epoch: EPOCH, session: true});
		const tick = (ms: number) => {
			for (let t = 0; t < ms; t += 1000) {
				s.now += 1000;
				s.do({type: 'tick'});
				pong();
			}
		};
		tick(11_000);
		const first = histories(s.sent());
		assert.equal(first.length, 1, 'the room is asked for what follows its position');
		assert.equal(first[0]!.after, 0);
		tick(11_000);
		assert.equal(histories(s.sent()).length, 1, 'and again');
		const said = s.shown().filter(x => x.includes('have not come back'));
		assert.equal(said.length, 1, 'said once');
		assert.equal(says(s.sent()).length, 0);
		tick(11_000);
		assert.ok(s.shown().some(x => x.includes('2 lines the hub stored in #lobby did not come back')), 'says why it stops waiting');
		assert.deepEqual(says(s.sent()).map(c => c.text), ['l2'], 'the window is open again');
	});

	test('the watchdog stays quiet while the room moves, however slowly', () => {
		const s = new Sim({window: 2, history: 0});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 0}]);
		for (let i = 0; i < 3; i++) s.do({type: 'line', text: `l${i}`});
		ackAll(s, [30, 31]);
		for (let seq = 1; seq <= 29; seq++) {
			s.now += 2000;
			s.do({type: 'tick'});
			s.reply({type: 'pong', ts: 1, heads: {}, epoch: EPOCH, session: true});
			s.feed(msg(seq));
		}
		assert.equal(s.shown().filter(x => x.includes('have not come back')).length, 0);
		s.feed(msg(30, 'l0', 'alice'));
		assert.deepEqual(says(s.sent()).map(c => c.text), ['l2']);
	});

	test('quit does not wait for the echo of lines a jump passed', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 10}]);
		s.do({type: 'line', text: 'last words'});
		ackAll(s, [11]);
		s.do({type: 'leave'});
		hubRestarted(s);
		s.welcome([{room: 'lobby', seq: 20}]);
		// Leaving shows history still loading first; the hub answers with a page that does
		// not hold our line (it went by while we were away).
		const load = histories(s.sent()).at(-1)!;
		s.reply({type: 'history', re: load.id!, room: 'lobby', epoch: EPOCH, head: 20, more: false, events: [msg(19), msg(20)]});
		assert.ok(s.sent().some(c => c.type === 'bye'), 'bye at once, not at the deadline');
	});

	test('a goodbye lost with the hub: the new hub not knowing us ends the client, not the deadline', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 0}]);
		s.do({type: 'line', text: 'x'});
		ackAll(s, [1]);
		s.feed(msg(1, 'x', 'alice'));
		s.do({type: 'leave'});
		assert.ok(s.sent().some(c => c.type === 'bye'));
		s.now += 3000;
		s.reply({type: 'pong', ts: 1, heads: {}, epoch: EPOCH, session: false});
		assert.deepEqual(s.state.exit, {code: 0});
	});

	test('an ack for a room left meanwhile settles the line', () => {
		const s = new Sim({window: 1, rooms: ['lobby', 'dev']});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 0}, {room: 'dev', seq: 0}]);
		s.do({type: 'line', text: 'x'});
		const say = says(s.sent())[0]!;
		s.do({type: 'line', text: '/part'});
		s.reply({type: 'ack', re: say.id, room: 'lobby', seq: 1, epoch: EPOCH});
		assert.equal(s.state.pending.length, 0);
	});
});

describe('client after a hub restart: member lists end up as the hub has them (issue 13, bug 2)', () => {
	const members = (s: Sim) => [...s.room().members].sort();

	/** Synced in #lobby at seq 5 with these members. */
	function inLobby(who: string[]): Sim {
		const s = new Sim({history: 0});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 5, members: who}]);
		return s;
	}

	test('a welcome that arrives after newer joins were applied keeps them', () => {
		const s = inLobby(['alice', 'bob', 'carol', 'dave']);
		hubRestarted(s);
		// The new hub: bob is back (6), then alice (7: her snapshot is at 6), then carol (8);
		// the feed brings all three before alice's welcome. dave never comes back.
		s.feed(joinEv(6, 'bob'), joinEv(7, 'alice'), joinEv(8, 'carol'));
		s.welcome([{room: 'lobby', seq: 6, members: ['alice', 'bob']}]);
		assert.deepEqual(members(s), ['alice', 'bob', 'carol']);
	});

	test('events up to the snapshot, fetched after it, do not change it (no ghost from before the restart)', () => {
		const s = inLobby(['alice', 'bob']);
		hubRestarted(s);
		// Missed while the hub went down: dave joined (6). He never comes back after the restart.
		s.welcome([{room: 'lobby', seq: 7, members: ['alice', 'bob']}]);
		const repair = histories(s.sent())[0]!;
		assert.equal(repair.after, 5);
		s.reply({type: 'history', re: repair.id!, room: 'lobby', epoch: EPOCH, head: 8, more: false, events: [joinEv(6, 'dave'), joinEv(7, 'bob'), joinEv(8, 'alice')]});
		assert.deepEqual(members(s), ['alice', 'bob']);
		assert.equal(s.room().lastSeq, 8);
	});

	test('events after the snapshot, in any order with it and the history, apply on top', () => {
		const orders = [
			['welcome', 'feed', 'repair'],
			['feed', 'welcome', 'repair'],
			['welcome', 'repair', 'feed'],
		] as const;
		const history = [joinEv(6, 'bob'), joinEv(7, 'alice'), partEv(8, 'bob'), joinEv(9, 'carol')];
		for (const order of orders) {
			const s = inLobby(['alice', 'bob', 'ghost']);
			hubRestarted(s);
			const asked: Command[] = [];
			for (const step of order) {
				if (step === 'welcome') s.welcome([{room: 'lobby', seq: 7, members: ['alice', 'bob']}]);
				else if (step === 'feed') s.feed(partEv(8, 'bob'), joinEv(9, 'carol'));
				else s.reply({type: 'history', re: asked[0]!.id!, room: 'lobby', epoch: EPOCH, head: 9, more: false, events: history});
				// A repair is asked by whichever came first of the welcome and the feed's gap.
				asked.push(...histories(s.sent()));
			}
			assert.deepEqual(members(s), ['alice', 'carol'], `in the order ${order.join(', ')}`);
			assert.equal(s.room().lastSeq, 9);
		}
	});

	test('a room loading its history: the snapshot stands for what the history shows, later events apply', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 3, members: ['alice', 'bob']}]);
		const load = histories(s.sent())[0]!;
		s.feed(partEv(4, 'bob'), joinEv(5, 'carol'));
		s.reply({type: 'history', re: load.id!, room: 'lobby', epoch: EPOCH, head: 5, more: false, events: [joinEv(1, 'dave'), joinEv(2, 'bob'), joinEv(3, 'alice')]});
		assert.deepEqual(members(s), ['alice', 'carol']);
	});

	test('a rename re-applied on a snapshot that has it already does not lose anyone', () => {
		const s = inLobby(['alice', 'bob']);
		hubRestarted(s);
		s.feed(nickEv(6, 'bob', 'robert'), joinEv(7, 'bob'), joinEv(8, 'alice'));
		s.welcome([{room: 'lobby', seq: 5, members: ['alice', 'robert', 'bob']}]);
		assert.deepEqual(members(s), ['alice', 'bob', 'robert']);
	});

	test('the topic follows the same rule', () => {
		const s = inLobby(['alice']);
		s.feed({type: 'topic', room: 'lobby', seq: 6, epoch: EPOCH, ts: ++ts, from: 'bob', text: 'new'});
		s.reply({type: 'joined', room: 'lobby', seq: 5, topic: 'old', members: ['alice', 'bob']});
		assert.equal(s.room().topic, 'new');
	});

	test('a snapshot older than the changes kept asks for a newer one', () => {
		const s = inLobby(['alice']);
		const events: FeedEvent[] = [];
		for (let i = 0; i < 300; i++) events.push(i % 2 === 0 ? joinEv(6 + i, 'bob') : partEv(6 + i, 'bob'));
		s.feed(...events, joinEv(306, 'carol'));
		s.sent();
		s.reply({type: 'joined', room: 'lobby', seq: 5, topic: '', members: ['alice', 'zed']});
		assert.deepEqual(members(s), ['alice', 'carol'], 'too old to place: the list stays');
		const join = s.sent().find(c => c.type === 'join');
		assert.ok(join, 'a newer snapshot is asked for');
		s.reply({type: 'joined', re: join.id!, room: 'lobby', seq: 306, topic: '', members: ['alice', 'carol', 'zed']});
		assert.deepEqual(members(s), ['alice', 'carol', 'zed']);
	});
});
