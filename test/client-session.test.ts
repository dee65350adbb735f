import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {mentions, pendingLines} from '../src/client/state.js';
import type {FeedEvent} from '../src/protocol/types.js';
import {EPOCH, Sim} from './helpers/sim.js';

let t = 0;
function msg(seq: number, text = `m${seq}`, from = 'bob', room = 'lobby', epoch = 'E1'): FeedEvent {
	return {type: 'message', room, seq, epoch, ts: ++t, from, text};
}

describe('client session: joining without slow-joiner loss', () => {
	test('subscribes before saying hello', () => {
		const s = new Sim({rooms: ['lobby', 'dev']});
		const effects = s.do({type: 'start'});
		const order = effects.filter(e => e.type === 'subscribe' || e.type === 'send').map(e => e.type);
		assert.deepEqual(order, ['subscribe', 'subscribe', 'send']);
		assert.equal(s.state.connection, 'connecting');
	});

	test('history first, then the live feed, with no duplicates and nothing missed', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 5}]);
		const load = s.sent().find(c => c.type === 'history');
		assert.deepEqual({...load, id: undefined}, {type: 'history', id: undefined, room: 'lobby', before: 6, limit: 50});
		// Live events race ahead of the history reply: they wait.
		s.feed(msg(6), msg(7));
		assert.deepEqual(s.shown(), []);
		s.reply({type: 'history', re: load!.id!, room: 'lobby', epoch: 'E1', head: 7, more: false, events: [msg(4), msg(5), msg(6)]});
		assert.deepEqual(s.shown(), ['message:4', 'message:5', 'message:6', 'message:7']);
		s.feed(msg(7), msg(8));
		assert.deepEqual(s.shown(), ['message:4', 'message:5', 'message:6', 'message:7', 'message:8']);
		assert.equal(s.room().lastSeq, 8);
	});

	test('a gap in seq asks for the missing range and shows events in order', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 0}]);
		s.sent();
		s.feed(msg(1), msg(4));
		const repair = s.sent().find(c => c.type === 'history');
		assert.ok(repair && repair.type === 'history');
		assert.equal(repair.after, 1);
		s.feed(msg(5));
		s.reply({type: 'history', re: repair.id!, room: 'lobby', epoch: 'E1', head: 5, more: false, events: [msg(2), msg(3), msg(4)]});
		assert.deepEqual(s.shown(), ['message:1', 'message:2', 'message:3', 'message:4', 'message:5']);
		assert.deepEqual(s.room().buffer, []);
	});

	test('a gap older than the hub keeps is said and skipped, not asked for again forever', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 0}]);
		s.sent();
		s.feed(msg(1), msg(20_000));
		const repair = s.sent().find(c => c.type === 'history')!;
		// The hub kept only the last 10,000: the page starts at 10,001.
		s.reply({type: 'history', re: repair.id!, room: 'lobby', epoch: 'E1', head: 20_000, more: true, events: [msg(10_001), msg(10_002)]});
		assert.ok(s.shown().some(x => x === 'notice:9999 events of #lobby went by while you were away and are older than the hub keeps'));
		assert.equal(s.room().lastSeq, 10_002);
		const again = s.sent().find(c => c.type === 'history');
		assert.ok(again && again.type === 'history' && again.after === 10_002, 'asks for what follows, not for the gap again');
	});

	test('a pong showing the room ahead of us triggers a repair (a lost tail)', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 3}]);
		const load = s.sent()[0]!;
		s.reply({type: 'history', re: load.id!, room: 'lobby', epoch: 'E1', head: 3, more: false, events: [msg(3)]});
		s.reply({type: 'pong', ts: 1, heads: {lobby: 6}, epoch: 'E1', session: true});
		const repair = s.sent().find(c => c.type === 'history');
		assert.ok(repair && repair.type === 'history' && repair.after === 3);
	});

	test('events of another epoch are ignored; a new epoch resyncs and says so', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 0}]);
		s.feed(msg(1, 'old', 'bob', 'lobby', 'E0'));
		assert.deepEqual(s.shown(), []);
		s.feed(msg(1));
		s.reply({type: 'error', code: 'no_session', message: 'no session'});
		s.welcome([{room: 'lobby', seq: 2}], {epoch: 'E2'});
		assert.ok(s.shown().some(x => x.startsWith('notice:the hub started on new data')));
		assert.equal(s.room().synced, false);
		const load = s.sent().find(c => c.type === 'history');
		assert.ok(load && load.type === 'history' && load.before === 3);
	});
});

describe('client session: nothing typed is lost', () => {
	test('a line is pending until acked, then done once seen on the feed', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.do({type: 'line', text: 'typed before the welcome'});
		assert.equal(pendingLines(s.state)[0]!.state, 'queued');
		assert.deepEqual(
			s.sent().map(c => c.type),
			['hello'],
		);
		s.welcome([{room: 'lobby', seq: 0}]);
		const say = s.sent().find(c => c.type === 'say');
		assert.ok(say && say.type === 'say');
		assert.equal(say.text, 'typed before the welcome');
		assert.equal(pendingLines(s.state)[0]!.state, 'sent');
		s.reply({type: 'ack', re: say.id, room: 'lobby', seq: 1, epoch: 'E1'});
		assert.equal(pendingLines(s.state)[0]!.state, 'acked');
		s.feed(msg(1, say.text, 'alice'));
		assert.equal(pendingLines(s.state).length, 0);
	});

	test('an unacked line is resent with the same id after a timeout', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: 'hello?'});
		const first = s.sent().find(c => c.type === 'say')!;
		s.now += 3500;
		s.do({type: 'tick'});
		const again = s.sent().find(c => c.type === 'say');
		assert.equal(again?.id, first.id);
	});

	test('after a hub restart (no_session) it says hello again and resends', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: 'during the restart'});
		const say = s.sent().find(c => c.type === 'say')!;
		s.now += 2000;
		s.reply({type: 'error', re: say.id, code: 'no_session', message: 'no session'});
		assert.equal(s.state.connection, 'reconnecting');
		assert.ok(s.sent().some(c => c.type === 'hello'));
		s.welcome([{room: 'lobby', seq: 0}]);
		assert.equal(s.state.connection, 'connected');
		assert.equal(s.sent().find(c => c.type === 'say')?.id, say.id);
	});

	test('a pong that says the hub forgot us leads to a new hello', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome();
		s.now += 5000;
		s.reply({type: 'pong', ts: 1, heads: {}, epoch: 'E1', session: false});
		assert.ok(s.sent().some(c => c.type === 'hello'));
	});

	test('storage_failed keeps the line and retries after the delay', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: 'x'});
		const say = s.sent().find(c => c.type === 'say')!;
		s.reply({type: 'error', re: say.id, code: 'storage_failed', message: 'disk full', retryAfterMs: 1000});
		assert.equal(pendingLines(s.state)[0]!.state, 'queued');
		s.now += 500;
		s.do({type: 'tick'});
		assert.equal(s.sent().filter(c => c.type === 'say').length, 0);
		s.now += 600;
		s.do({type: 'tick'});
		assert.equal(s.sent().filter(c => c.type === 'say').length, 1);
	});

	test('a line refused for good is shown once where it was typed, and counts at exit (line mode)', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: 'x'});
		const say = s.sent().find(c => c.type === 'say')!;
		s.reply({type: 'error', re: say.id, code: 'text_too_long', message: 'too long'});
		assert.deepEqual(pendingLines(s.state), []);
		assert.deepEqual(s.shown(), ['failed:x']);
		assert.deepEqual(s.room().feed.map(i => i.kind), ['failed']);
		s.do({type: 'leave'});
		s.reply({type: 'ok', re: s.sent().find(c => c.type === 'bye')!.id!, command: 'bye'});
		assert.deepEqual(s.state.exit, {code: 1, message: '1 line was not delivered (too long)'});
	});

	test('in the TUI a refusal already shown is not "undelivered" at quit, however long ago it was', () => {
		const s = new Sim({interactive: true});
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: '/msg ghost are you there?'});
		const msg = s.sent().find(c => c.type === 'msg')!;
		s.reply({type: 'error', re: msg.id, code: 'no_such_nick', message: 'ghost is not online'});
		s.now += 14 * 60_000;
		s.do({type: 'leave'});
		s.reply({type: 'ok', re: s.sent().find(c => c.type === 'bye')!.id!, command: 'bye'});
		assert.deepEqual(s.state.exit, {code: 0});
	});

	test('at most `window` lines between sending and being seen on the feed; the rest follow as the feed brings them back', () => {
		const s = new Sim({window: 2});
		s.do({type: 'start'});
		s.welcome();
		for (let i = 0; i < 5; i++) s.do({type: 'line', text: `l${i}`});
		const first = s.sent().filter(c => c.type === 'say');
		assert.equal(first.length, 2);
		s.reply({type: 'ack', re: first[0]!.id!, room: 'lobby', seq: 1, epoch: 'E1'});
		assert.equal(s.sent().filter(c => c.type === 'say').length, 0, 'acked but not yet seen: still counts');
		s.feed(msg(1, 'l0', 'alice'));
		assert.equal(s.sent().filter(c => c.type === 'say').length, 1, 'seen: the next line goes at once');
	});

	test('a feed that lags the acks holds the sender back: what it keeps stays bounded', () => {
		// 20,000 piped lines once took 4-30 s of CPU: acked lines piled up while the feed lagged,
		// and every ack and event scanned them all.
		const s = new Sim({window: 8});
		s.do({type: 'start'});
		s.welcome();
		for (let i = 0; i < 1000; i++) s.do({type: 'line', text: `l${i}`});
		let seq = 0;
		const acked: string[] = [];
		for (let round = 0; round < 5; round++) {
			for (const say of s.sent().filter(c => c.type === 'say')) {
				s.reply({type: 'ack', re: say.id!, room: 'lobby', seq: ++seq, epoch: 'E1'});
				acked.push((say as {text: string}).text);
			}
		}
		assert.equal(seq, 8, 'no more than the window went out while the feed said nothing');
		assert.equal(s.state.pending.length, 8);
		s.feed(...acked.map((text, i) => msg(i + 1, text, 'alice')));
		assert.equal(s.state.pending.length, 8, 'the next 8 went out as the first 8 came back');
		assert.equal(s.sent().filter(c => c.type === 'say').length, 8);
	});

	test('a hub on new data: lines it had acked are not waited for', () => {
		const s = new Sim({window: 2});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 40}]);
		s.do({type: 'line', text: 'a'});
		s.do({type: 'line', text: 'b'});
		s.do({type: 'line', text: 'c'});
		for (const [i, say] of s.sent().filter(c => c.type === 'say').entries()) s.reply({type: 'ack', re: say.id!, room: 'lobby', seq: 41 + i, epoch: 'E1'});
		s.reply({type: 'error', code: 'no_session', message: 'no session'});
		s.welcome([{room: 'lobby', seq: 0}], {epoch: 'E2'});
		assert.deepEqual(
			s.sent().filter(c => c.type === 'say').map(c => (c as {text: string}).text),
			['c'],
			'the window is free again for the line that was waiting',
		);
	});

	test('quit waits for acks and the feed, then says bye and exits 0', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: 'last words'});
		const say = s.sent().find(c => c.type === 'say')!;
		s.do({type: 'leave'});
		assert.equal(s.sent().filter(c => c.type === 'bye').length, 0, 'no bye while a line is unacked');
		s.reply({type: 'ack', re: say.id, room: 'lobby', seq: 1, epoch: 'E1'});
		assert.equal(s.sent().filter(c => c.type === 'bye').length, 0, 'no bye until the line is back on the feed');
		s.feed(msg(1, 'last words', 'alice'));
		const bye = s.sent().find(c => c.type === 'bye');
		assert.ok(bye);
		s.reply({type: 'ok', re: bye.id!, command: 'bye'});
		assert.deepEqual(s.state.exit, {code: 0});
	});

	test('quit gives up at the deadline with exit 1 and how many were lost', () => {
		const s = new Sim({quitTimeoutMs: 2000});
		s.do({type: 'start'});
		s.do({type: 'line', text: 'a'});
		s.do({type: 'line', text: 'b'});
		s.do({type: 'leave'});
		s.now += 2500;
		s.do({type: 'tick'});
		assert.equal(s.state.exit?.code, 1);
		assert.match(s.state.exit?.message ?? '', /^2 lines were not delivered/);
	});
});

describe('client session: nicks and commands', () => {
	test('who is away follows the snapshot and the away events, through nick changes and parts, with no line in the feed', () => {
		const s = new Sim({nick: 'alice'});
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 4, members: ['alice', 'bob', 'carol'], away: ['bob']}]);
		assert.deepEqual(s.room().away, ['bob']);
		const load = s.sent().find(c => c.type === 'history')!;
		s.reply({type: 'history', re: load.id!, room: 'lobby', epoch: EPOCH, head: 4, more: false, events: []});
		const shownBefore = s.shown().length;
		const at = (seq: number) => ({room: 'lobby', seq, epoch: EPOCH, ts: Date.UTC(2025, 10, 26, 12, 0, seq)});
		s.feed({type: 'join', ...at(5), from: 'alice'}, {type: 'away', ...at(6), from: 'carol', text: 'lunch'});
		assert.deepEqual(s.room().away, ['bob', 'carol']);
		s.feed({type: 'nick', ...at(7), from: 'bob', to: 'robert'}, {type: 'away', ...at(8), from: 'ghost', text: 'not here'});
		assert.deepEqual(s.room().away, ['carol', 'robert'], 'renamed; someone not in the room is not listed');
		s.feed({type: 'away', ...at(9), from: 'carol'}, {type: 'part', ...at(10), from: 'robert', quit: true});
		assert.deepEqual([s.room().members, s.room().away], [['alice', 'carol'], []]);
		assert.deepEqual(s.shown().slice(shownBefore).filter(l => /away|back/.test(l)), [], 'away and back only mark the member list');
	});

	test('a taken login nick gets a suffix; a chosen one is an error (exit 2)', () => {
		const s = new Sim({nick: 'alice', nickExplicit: false});
		s.do({type: 'start'});
		const hello = s.sent()[0]!;
		s.reply({type: 'error', re: hello.id!, code: 'nick_taken', message: 'the nick "alice" is taken'});
		const retry = s.sent()[0]!;
		assert.ok(retry.type === 'hello');
		assert.equal(retry.nick, 'alice2');

		const e = new Sim({nick: 'alice', nickExplicit: true});
		e.do({type: 'start'});
		e.reply({type: 'error', re: e.sent()[0]!.id!, code: 'nick_taken', message: 'the nick "alice" is taken'});
		assert.equal(e.state.exit?.code, 2);
		assert.match(e.state.exit?.message ?? '', /--nick/);
	});

	test('unknown commands and wrong arguments say what was expected', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: '/frobnicate'});
		s.do({type: 'line', text: '/nick'});
		s.do({type: 'line', text: '/nick bad nick!'});
		const errors = s.shown().filter(x => x.startsWith('notice:'));
		assert.deepEqual(errors, ['notice:unknown command "/frobnicate": /help lists the commands', 'notice:usage: /nick newname', 'notice:usage: /nick newname']);
	});

	test('/me sends an action, /who asks the hub, /help lists commands', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome();
		s.sent();
		s.do({type: 'line', text: '/me waves'});
		s.do({type: 'line', text: '/who'});
		const sent = s.sent();
		assert.deepEqual(
			sent.map(c => [c.type, (c as {action?: boolean}).action, (c as {room?: string}).room]),
			[
				['say', true, 'lobby'],
				['who', undefined, 'lobby'],
			],
		);
		s.do({type: 'line', text: '/help'});
		assert.ok(s.shown().some(x => x.includes('/nick newname')));
	});

	test('join/part membership follows the feed; nick changes rename members', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome([{room: 'lobby', seq: 0, members: ['alice']}]);
		s.feed({type: 'join', room: 'lobby', seq: 1, epoch: 'E1', ts: 1, from: 'bob'});
		s.feed({type: 'nick', room: 'lobby', seq: 2, epoch: 'E1', ts: 2, from: 'bob', to: 'robert'});
		assert.deepEqual(s.room().members, ['alice', 'robert']);
		s.feed({type: 'part', room: 'lobby', seq: 3, epoch: 'E1', ts: 3, from: 'robert', quit: true});
		assert.deepEqual(s.room().members, ['alice']);
	});

	test('ignore hides messages and follows the ignored nick through a rename', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: '/ignore bob'});
		s.feed(msg(1, 'spam'), {type: 'nick', room: 'lobby', seq: 2, epoch: 'E1', ts: 2, from: 'bob', to: 'bobby'}, msg(3, 'more spam', 'bobby'));
		const shown = s.shown();
		assert.ok(!shown.includes('message:1'));
		assert.ok(!shown.includes('message:3'));
		assert.ok(shown.includes('nick:2'));
		assert.equal(s.room().lastSeq, 3, 'ignored messages still advance the seq');
	});

	test('a DM sent under an ignored nick just before a rename stays hidden, for a while', () => {
		const s = new Sim();
		s.do({type: 'start'});
		s.welcome();
		s.do({type: 'line', text: '/ignore bob'});
		s.feed({type: 'nick', room: 'lobby', seq: 1, epoch: 'E1', ts: 1, from: 'bob', to: 'bobby'});
		const dm = (from: string, text: string) => s.reply({type: 'dm', from, to: 'alice', text, ts: s.now});
		dm('bob', 'sent before the rename, arriving after it');
		dm('bobby', 'after the rename');
		assert.equal(s.effects.filter(e => e.type === 'show' && e.item.kind === 'dm').length, 0);
		s.now += 61_000;
		dm('bob', 'someone else called bob, much later');
		assert.equal(s.effects.filter(e => e.type === 'show' && e.item.kind === 'dm').length, 1);
	});

	test('mentions are marked, ring the bell and count in other views', () => {
		const s = new Sim({rooms: ['lobby', 'dev']});
		s.do({type: 'start'});
		s.welcome([
			{room: 'lobby', seq: 0},
			{room: 'dev', seq: 0},
		]);
		s.effects = [];
		s.feed(msg(1, 'hey @Alice, look', 'bob', 'dev'));
		assert.ok(s.effects.some(e => e.type === 'bell'));
		assert.equal(s.room('dev').unread, 1);
		assert.equal(s.room('dev').mentioned, true);
		s.do({type: 'activate', view: '#dev'});
		assert.equal(s.room('dev').unread, 0);
		assert.equal(s.room('dev').mentioned, false);
	});

	test('mentions match whole nicks only', () => {
		assert.ok(mentions('alice: hi', 'alice'));
		assert.ok(mentions('hi @ALICE!', 'alice'));
		assert.ok(!mentions('malice aforethought', 'alice'));
		assert.ok(!mentions('alice_b is here', 'alice'));
		// The pattern is remembered for the last nick asked about: a new nick gets its own.
		assert.ok(mentions('hi bob.', 'bob'));
		assert.ok(!mentions('alice: hi', 'bob'));
		assert.ok(mentions('a.b? yes', 'a.b'));
		assert.ok(!mentions('axb? no', 'a.b'), 'the nick is matched literally');
		assert.ok(mentions('alice: hi', 'alice'));
	});
});
