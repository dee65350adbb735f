import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {Client} from '../src/client/client.js';
import type {FeedItem} from '../src/client/state.js';
import type {FeedEvent} from '../src/protocol/types.js';
import {EPOCH, Sim} from './helpers/sim.js';
import {FakeTransport} from './helpers/tui.js';
import {waitFor} from './helpers/wait.js';

/** Tabs in the client reducer (/part, /close, /query, the read marker of a new conversation), a kick said once, /set. */

const texts = (feed: readonly FeedItem[]) => feed.flatMap(i => (i.kind === 'notice' ? [i.text] : []));

describe('tabs', () => {
	test('/part of the room on screen (TUI): its tab stays, dimmed and empty of members, and the view moves beside it', () => {
		const s = new Sim({rooms: ['lobby', 'dev'], interactive: true}).connect({lobby: ['alice', 'bob'], dev: ['alice', 'carol']});
		s.do({type: 'activate', view: '#dev'});
		s.do({type: 'line', text: '/part'});
		const dev = s.room('dev');
		assert.equal(dev.joined, false);
		assert.deepEqual(dev.members, [], 'no stale member list');
		assert.equal(s.state.active, '#lobby');
		assert.deepEqual(s.state.order, ['#lobby', '#dev']);
		assert.deepEqual(texts(dev.feed), ['you left #dev']);
		assert.match(texts(s.room('lobby').feed).at(-1)!, /you left #dev: its tab stays until \/close/);
		assert.equal(s.shown().filter(l => l.startsWith('notice:you left')).length, 1, 'line mode prints it once');
	});

	test('/part in line mode: the view stays, so a script\'s next plain line is refused, not said in another room', () => {
		const s = new Sim({rooms: ['lobby', 'dev']}).connect();
		s.do({type: 'line', text: '/switch #dev'});
		s.do({type: 'line', text: '/part'});
		assert.equal(s.state.active, '#dev');
		s.sent();
		s.do({type: 'line', text: 'meant for #dev'});
		assert.deepEqual(s.sent(), []);
		assert.match(texts(s.room('dev').feed).at(-1)!, /you are not in a room here/);
	});

	test('/close: a parted room or a conversation goes; a room you are in is left first; the last tab stays', () => {
		const s = new Sim({rooms: ['lobby', 'dev']}).connect();
		s.do({type: 'line', text: '/query bob'});
		assert.equal(s.state.active, '@bob');
		s.do({type: 'line', text: '/close'});
		assert.deepEqual(s.state.order, ['#lobby', '#dev']);
		assert.equal(s.state.active, '#dev', 'the tab before it');
		s.sent();
		s.do({type: 'line', text: '/close'});
		assert.ok(s.sent().some(c => c.type === 'part' && c.room === 'dev'), 'left before closing');
		assert.deepEqual(s.state.order, ['#lobby']);
		assert.deepEqual(s.state.wanted, ['lobby']);
		s.do({type: 'line', text: '/close'});
		assert.deepEqual(s.state.order, ['#lobby']);
		assert.match(texts(s.room('lobby').feed).at(-1)!, /last tab: \/quit leaves zchat/);
	});

	test('/query nick opens the conversation and asks the hub about them; again, it only switches', () => {
		const s = new Sim().connect();
		s.sent();
		s.do({type: 'line', text: '/query bob'});
		assert.equal(s.state.active, '@bob');
		assert.deepEqual(
			s.sent().map(c => [c.type, 'nick' in c ? c.nick : undefined]),
			[['whois', 'bob']],
		);
		s.do({type: 'activate', view: '#lobby'});
		s.do({type: 'line', text: '/query Bob and hello'});
		assert.equal(s.state.active, '@bob');
		assert.deepEqual(
			s.sent().map(c => c.type),
			['msg'],
		);
	});

	test('no "read up to here" line above the first message of a new conversation; there is one above new lines of an old one', () => {
		const s = new Sim().connect();
		s.reply({type: 'dm', from: 'bob', to: 'alice', text: 'first', ts: 5});
		s.reply({type: 'dm', from: 'bob', to: 'alice', text: 'and more', ts: 5});
		assert.equal(s.state.views['@bob']!.unread, 2);
		assert.equal(s.state.views['@bob']!.readMarker, undefined);
		s.do({type: 'activate', view: '@bob'});
		s.do({type: 'activate', view: '#lobby'});
		s.reply({type: 'dm', from: 'bob', to: 'alice', text: 'second', ts: 6});
		assert.equal(s.state.views['@bob']!.readMarker, s.state.views['@bob']!.feed.at(-1)!.key);
	});
});

describe('an operator\'s kick is said once', () => {
	const part = (seq: number): FeedEvent => ({type: 'part', room: 'lobby', seq, epoch: EPOCH, ts: 1000 + seq, from: 'bob', removed: 'kick', by: 'alice', reason: 'spam'});
	const said = (s: Sim) => s.shown().filter(l => l.includes('kicked') || l.startsWith('part:'));

	for (const order of ['ok first', 'event first'] as const) {
		test(`by the room feed, when the one kicked was in our room (${order})`, () => {
			const s = new Sim().connect({lobby: ['alice', 'bob']});
			s.sent();
			s.do({type: 'line', text: '/kick bob spam'});
			const kick = s.sent().find(c => c.type === 'kick')!;
			s.effects = [];
			const ok = () => s.reply({type: 'ok', re: kick.id!, command: 'kick', nick: 'bob'});
			if (order === 'ok first') ok();
			s.feed(part(1));
			if (order === 'event first') ok();
			assert.deepEqual(said(s), ['part:1']);
		});
	}

	test('by a notice, when no room of ours would tell', () => {
		const s = new Sim().connect({lobby: ['alice']});
		s.sent();
		s.do({type: 'line', text: '/kick carol'});
		const kick = s.sent().find(c => c.type === 'kick')!;
		s.effects = [];
		s.reply({type: 'ok', re: kick.id!, command: 'kick', nick: 'carol'});
		assert.deepEqual(said(s), ['notice:carol was kicked']);
	});
});

describe('/set', () => {
	test('goes to the settings store the cli gives, and says where it was saved or why not', async () => {
		const transport = new FakeTransport();
		const client = new Client(transport, {nick: 'alice', nickExplicit: true, rooms: ['lobby'], session: 's'.repeat(24)});
		const saved: Array<[string, string]> = [];
		client.settings = {
			save: async (name, value) => {
				if (name === 'volume') throw new Error('there is no setting "volume"');
				saved.push([name, value]);
				return '/home/alice/.config/zchat/config.json';
			},
		};
		client.start(60_000);
		transport.welcome('alice', [{room: 'lobby'}]);
		client.line('/set bell off');
		client.line('/set volume 11');
		const lobby = () => texts(client.state.views['#lobby']!.feed);
		await waitFor('both answers', () => lobby().length >= 2);
		assert.deepEqual(saved, [['bell', 'off']]);
		assert.deepEqual(lobby(), ['saved bell = off in /home/alice/.config/zchat/config.json: used from the next start', '/set: there is no setting "volume"']);
		await client.close();
	});

	test('without a store: says settings cannot be saved', async () => {
		const transport = new FakeTransport();
		const client = new Client(transport, {nick: 'alice', nickExplicit: true, rooms: ['lobby'], session: 's'.repeat(24)});
		client.start(60_000);
		transport.welcome('alice', [{room: 'lobby'}]);
		client.line('/set bell off');
		await waitFor('the answer', () => texts(client.state.views['#lobby']!.feed).length > 0);
		assert.match(texts(client.state.views['#lobby']!.feed)[0]!, /^\/set: settings cannot be saved/);
		await client.close();
	});
});
