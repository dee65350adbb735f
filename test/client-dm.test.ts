import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {pendingLines, type FeedItem} from '../src/client/state.js';
import type {Command, FeedEvent} from '../src/protocol/types.js';
import {EPOCH, Sim} from './helpers/sim.js';

/** Private messages in the client reducer: where they show, what a refusal leaves, tabs that follow a nick. */

function msgSent(s: Sim): Extract<Command, {type: 'msg'}> {
	const m = s.sent().find((c): c is Extract<Command, {type: 'msg'}> => c.type === 'msg');
	assert.ok(m, 'a msg was sent');
	return m;
}

function kinds(feed: readonly FeedItem[]): string[] {
	return feed.map(i => (i.kind === 'dm' ? `dm:${i.self ? '→' + i.to : i.from}:${i.text}` : i.kind === 'failed' ? `failed:${i.to}:${i.error}` : i.kind));
}

function nickEvent(room: string, seq: number, from: string, to: string): FeedEvent {
	return {type: 'nick', room, seq, epoch: EPOCH, ts: Date.UTC(2025, 10, 26, 12, 0, seq), from, to};
}

describe('/msg typed in a room', () => {
	test('waits in the room; once the hub takes it, the conversation opens and the room gets a confirmation (line mode prints it once)', () => {
		const s = new Sim().connect({lobby: ['alice', 'bob']});
		s.sent();
		s.do({type: 'line', text: '/msg bob lunch?'});
		assert.equal(s.state.views['@bob'], undefined, 'no tab before the hub answers');
		assert.deepEqual(
			pendingLines(s.state).map(p => [p.view, p.typedIn]),
			[['@bob', '#lobby']],
		);
		const m = msgSent(s);
		s.effects = [];
		s.reply({type: 'ack', re: m.id, to: 'bob'});
		assert.deepEqual(kinds(s.state.views['@bob']!.feed), ['dm:→bob:lunch?']);
		assert.deepEqual(kinds(s.room().feed), ['dm:→bob:lunch?'], 'the confirmation where it was typed');
		assert.deepEqual(s.shown(), ['dm:lunch?'], 'one show effect: line mode prints it once');
		assert.equal(s.state.active, '#lobby', 'the view stays where the user is');
		assert.equal(s.state.views['@bob']!.unread, 0, 'our own line is not unread');
	});

	test('refused: shown once, where it was typed, and no tab for a nick that is not online', () => {
		const s = new Sim().connect();
		s.sent();
		s.do({type: 'line', text: '/msg ghost boo'});
		const m = msgSent(s);
		s.effects = [];
		s.reply({type: 'error', re: m.id, code: 'no_such_nick', message: 'ghost is not online'});
		assert.equal(s.state.views['@ghost'], undefined);
		assert.deepEqual(s.state.order, ['#lobby']);
		assert.deepEqual(kinds(s.room().feed), ['failed:@ghost:ghost is not online']);
		assert.deepEqual(s.shown(), ['failed:boo'], 'once, and nothing else');
		assert.deepEqual(pendingLines(s.state), []);
	});

	test('refused after the user moved to another view: counted unread where it was typed', () => {
		const s = new Sim({rooms: ['lobby', 'dev']}).connect();
		s.sent();
		s.do({type: 'line', text: '/msg ghost boo'});
		const m = msgSent(s);
		s.do({type: 'activate', view: '#dev'});
		s.reply({type: 'error', re: m.id, code: 'no_such_nick', message: 'ghost is not online'});
		assert.equal(s.room('lobby').unread, 1);
	});

	test('typed in the conversation itself: stays there', () => {
		const s = new Sim().connect();
		s.do({type: 'line', text: '/query bob'});
		assert.equal(s.state.active, '@bob');
		s.sent();
		s.do({type: 'line', text: 'hi'});
		const m = msgSent(s);
		assert.equal(pendingLines(s.state)[0]!.typedIn, undefined);
		s.reply({type: 'error', re: m.id, code: 'no_such_nick', message: 'bob is not online'});
		assert.deepEqual(kinds(s.state.views['@bob']!.feed).slice(-1), ['failed:@bob:bob is not online']);
		assert.deepEqual(kinds(s.room().feed), []);
	});
});

describe('conversation tabs follow nick changes on the room feed', () => {
	test('bob → robert → bobby: one tab, @bobby, and what is typed there goes to bobby', () => {
		const s = new Sim().connect({lobby: ['alice', 'bob']});
		s.reply({type: 'dm', from: 'bob', to: 'alice', text: 'hi alice', ts: 5});
		assert.ok(s.state.views['@bob']);
		s.do({type: 'activate', view: '@bob'});
		s.feed(nickEvent('lobby', 1, 'bob', 'robert'));
		s.feed(nickEvent('lobby', 2, 'robert', 'bobby'));
		assert.deepEqual(s.state.order, ['#lobby', '@bobby']);
		assert.equal(s.state.active, '@bobby');
		assert.deepEqual(kinds(s.state.views['@bobby']!.feed).slice(0, 1), ['dm:bob:hi alice'], 'the conversation so far comes along');
		s.sent();
		s.do({type: 'line', text: 'still there?'});
		assert.equal(msgSent(s).to, 'bobby');
		assert.equal(s.state.lastDmFrom, 'bobby', '/reply follows too');
	});

	test('lines on their way follow, and a tab already open under the new nick takes the old one in', () => {
		const s = new Sim().connect({lobby: ['alice', 'bob']});
		s.reply({type: 'dm', from: 'bob', to: 'alice', text: 'one', ts: 5});
		s.reply({type: 'dm', from: 'robert', to: 'alice', text: 'two', ts: 6});
		s.do({type: 'line', text: '/msg bob queued'});
		s.feed(nickEvent('lobby', 1, 'bob', 'robert'));
		assert.deepEqual(s.state.order, ['#lobby', '@robert']);
		assert.deepEqual(
			kinds(s.state.views['@robert']!.feed).filter(k => k.startsWith('dm:')),
			['dm:bob:one', 'dm:robert:two'],
		);
		assert.deepEqual(
			pendingLines(s.state).map(p => p.view),
			['@robert'],
		);
	});

	test('a nick event seen in two rooms renames once; our own rename and unknown nicks open nothing', () => {
		const s = new Sim({rooms: ['lobby', 'dev']}).connect({lobby: ['alice', 'bob'], dev: ['alice', 'bob']});
		s.reply({type: 'dm', from: 'bob', to: 'alice', text: 'x', ts: 5});
		s.feed(nickEvent('lobby', 1, 'bob', 'robert'), nickEvent('dev', 1, 'bob', 'robert'));
		assert.deepEqual(s.state.order, ['#lobby', '#dev', '@robert']);
		s.feed(nickEvent('lobby', 2, 'carol', 'caroline'));
		assert.deepEqual(s.state.order, ['#lobby', '#dev', '@robert']);
	});
});
