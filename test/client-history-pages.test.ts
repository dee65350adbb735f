import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {Command, FeedEvent, HistoryCommand} from '../src/protocol/types.js';
import {EPOCH, Sim, event} from './helpers/sim.js';

/**
 * The client reducer and long histories: more history than one page (the hub's pages hold 500
 * events) is fetched page after page, in order, before the room goes live; leaving waits for
 * it; and leaving without waiting any longer still says bye.
 */

function range(room: string, from: number, to: number): FeedEvent[] {
	const out: FeedEvent[] = [];
	for (let i = from; i <= to; i++) out.push(event(room, i, 'bob', `m${i}`));
	return out;
}

function historyAsked(cmds: readonly Command[]): HistoryCommand {
	const h = cmds.find((c): c is HistoryCommand => c.type === 'history');
	assert.ok(h, `a history request among ${JSON.stringify(cmds.map(c => c.type))}`);
	return h;
}

/** Answer a history request as a hub with `head` events (and pages of 500) would. */
function answer(s: Sim, h: HistoryCommand, head: number): void {
	const limit = Math.min(h.limit ?? 50, 500);
	let from: number;
	let to: number;
	if (h.after !== undefined) {
		from = h.after + 1;
		to = Math.min(head, h.after + limit);
	} else {
		to = Math.min(head, (h.before ?? head + 1) - 1);
		from = Math.max(1, to - limit + 1);
	}
	const more = h.after !== undefined ? to < head : from > 1;
	s.reply({type: 'history', re: h.id!, room: h.room, epoch: EPOCH, head, more, events: range(h.room, from, to)});
}

describe('client session: history longer than a page', () => {
	test('--history 1200 pages forward from where it starts, 500 at a time, and shows each event once, in order', () => {
		const s = new Sim({history: 1200});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 1500}]);
		const first = historyAsked(s.sent());
		assert.deepEqual({after: first.after, before: first.before, limit: first.limit}, {after: 300, before: undefined, limit: 500});
		// Live events that race ahead wait until the history is in.
		s.feed(...range('lobby', 1501, 1502));
		answer(s, first, 1502);
		const second = historyAsked(s.sent());
		assert.equal(second.after, 800);
		assert.equal(s.room().synced, false, 'not live until the history is in');
		answer(s, second, 1502);
		const third = historyAsked(s.sent());
		assert.equal(third.after, 1300);
		answer(s, third, 1502);
		assert.deepEqual(s.sent().filter(c => c.type === 'history'), [], 'no more pages asked for');
		const shown = s.shown().map(l => Number(l.split(':')[1]));
		assert.deepEqual(shown, Array.from({length: 1202}, (_, i) => 301 + i), 'events 301..1502 once each, in order');
		assert.equal(s.room().synced, true);
		assert.equal(s.room().lastSeq, 1502);
		assert.equal(s.room().hasOlder, true, 'events before 301 can still be scrolled to');
	});

	test('"all" (Infinity) starts from the first event the hub keeps', () => {
		const s = new Sim({history: Infinity});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 700}]);
		const first = historyAsked(s.sent());
		assert.equal(first.after, 0);
		// A hub that keeps only events 101..700: the page starts later, and that is fine.
		s.reply({type: 'history', re: first.id!, room: 'lobby', epoch: EPOCH, head: 700, more: true, events: range('lobby', 101, 600)});
		const second = historyAsked(s.sent());
		assert.equal(second.after, 600);
		answer(s, second, 700);
		assert.equal(s.shown().length, 600);
		assert.equal(s.room().synced, true);
	});

	test('up to a page, the history is one request as before', () => {
		const s = new Sim({history: 500});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 900}]);
		const h = historyAsked(s.sent());
		assert.deepEqual({after: h.after, before: h.before, limit: h.limit}, {after: undefined, before: 901, limit: 500});
	});

	test('leaving waits until the pages are in (a script reading the whole history gets all of it), then says bye', () => {
		const s = new Sim({history: 1000});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 1000}]);
		const first = historyAsked(s.sent());
		s.do({type: 'leave'});
		answer(s, first, 1000);
		const second = s.sent();
		assert.ok(!second.some(c => c.type === 'bye'), 'no bye while a page is on its way');
		answer(s, historyAsked(second), 1000);
		assert.ok(s.sent().some(c => c.type === 'bye'));
		assert.equal(s.shown().length, 1000);
	});
});

describe('client session: leaving without waiting longer', () => {
	test('at the deadline, with lines unacked, it still says bye (the room sees a quit, not a time-out), then exits 1', () => {
		const s = new Sim({quitTimeoutMs: 2000});
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: 'never acked'});
		s.do({type: 'leave', reason: 'done'});
		s.sent();
		s.now += 2500;
		s.do({type: 'tick'});
		const bye = s.sent().filter(c => c.type === 'bye');
		assert.deepEqual(
			bye.map(c => ({...c, id: undefined})),
			[{type: 'bye', reason: 'done', id: undefined}],
		);
		assert.equal(s.state.exit, undefined, 'the bye is answered before the exit, so it is not lost with the process');
		s.reply({type: 'ok', re: bye[0]!.id!, command: 'bye'});
		assert.deepEqual(s.state.exit, {code: 1, message: '1 line was not delivered (the hub did not acknowledge them in time)'});
	});

	test('a bye the hub does not answer holds the exit a second at most', () => {
		const s = new Sim({quitTimeoutMs: 2000});
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: 'never acked'});
		s.do({type: 'leave'});
		s.now += 2001;
		s.do({type: 'tick'});
		assert.equal(s.sent().filter(c => c.type === 'bye').length, 1);
		assert.equal(s.state.exit, undefined);
		s.now += 1001;
		s.do({type: 'tick'});
		assert.equal((s.state as {exit?: {code: number}}).exit?.code, 1);
	});

	test('asked to leave at once (Ctrl+C twice): the bye goes and the exit is now', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: 'x'});
		s.do({type: 'leave'});
		s.do({type: 'leave'});
		assert.equal(s.sent().filter(c => c.type === 'bye').length, 1);
		assert.equal(s.state.exit?.code, 1);
	});

	test('before any welcome there is nobody to say bye to', () => {
		const s = new Sim({quitTimeoutMs: 2000});
		s.do({type: 'start'});
		s.do({type: 'leave'});
		s.sent();
		s.now += 2500;
		s.do({type: 'tick'});
		assert.deepEqual(s.sent().filter(c => c.type === 'bye'), []);
		assert.equal(s.state.exit?.code, 0);
	});
});
