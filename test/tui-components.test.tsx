import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {Box} from 'ink';
import {render, cleanup} from 'ink-testing-library';
import {Client} from '../src/client/client.js';
import type {Command} from '../src/protocol/types.js';
import {App} from '../src/ui/components/App.js';
import {FeedView} from '../src/ui/components/FeedView.js';
import {InputLine} from '../src/ui/components/InputLine.js';
import {MemberList} from '../src/ui/components/MemberList.js';
import {RoomBar} from '../src/ui/components/RoomBar.js';
import {StatusBar} from '../src/ui/components/StatusBar.js';
import {PASTE_END, PASTE_START} from '../src/ui/keys.js';
import {plainRow} from '../src/ui/rows.js';
import {plain, TestTerminal} from './helpers/ink.js';
import {event, Sim} from './helpers/sim.js';
import {FakeTransport} from './helpers/tui.js';
import {waitFor} from './helpers/wait.js';

after(() => cleanup());

const lines = (frame: string | undefined) => plain(frame).split('\n');

describe('components', () => {
	test('FeedView draws its rows at the bottom of its area', () => {
		const {lastFrame} = render(<FeedView rows={[plainRow('a', '<bob> one'), plainRow('b', '<bob> two')]} width={40} height={4} />);
		const out = lines(lastFrame());
		assert.equal(out.length, 4);
		assert.deepEqual(out.map(l => l.trimEnd()), ['', '', '<bob> one', '<bob> two']);
	});

	test('FeedView cuts a row that is too wide instead of wrapping it (the row count is exact)', () => {
		const {lastFrame} = render(
			<Box width={20}>
				<FeedView rows={[plainRow('a', 'x'.repeat(60))]} width={20} height={2} />
			</Box>,
		);
		const out = lines(lastFrame());
		assert.equal(out.length, 2);
		assert.equal(out[1]!.length, 20);
	});

	test('RoomBar shows unread counts and mention marks', () => {
		const tabs = [
			{id: '#lobby', unread: 0, mentioned: false, joined: true},
			{id: '#dev', unread: 12, mentioned: true, joined: true},
			{id: '@bob', unread: 2, mentioned: false, joined: true},
		];
		const {lastFrame} = render(<RoomBar tabs={tabs} active="#lobby" width={60} />);
		assert.equal(plain(lastFrame()).trimEnd(), ' #lobby  #dev 12!  @bob 2');
	});

	test('StatusBar shows connection, nick, room, people online and topic', () => {
		const sim = new Sim({nick: 'alice'}).connect({lobby: ['alice', 'bob']}, {lobby: 'ship it'});
		const {lastFrame} = render(<StatusBar state={sim.state} hubAddress="tcp://127.0.0.1:5555" width={80} />);
		assert.equal(plain(lastFrame()).trimEnd(), '● connected │ alice │ #lobby 2 online │ ship it');
	});

	test('MemberList lists the room, within its height', () => {
		const {lastFrame} = render(<MemberList members={['alice', 'bob', 'carl', 'dora', 'ed']} away={[]} nick="alice" width={12} height={4} />);
		const out = lines(lastFrame()).map(l => l.trimEnd());
		assert.deepEqual(out, ['│5 online', '│alice', '│bob', '│+3 more']);
	});

	test('InputLine shows the prompt and the end of a long line', () => {
		const {lastFrame} = render(<InputLine editor={{text: 'a'.repeat(50) + 'END', cursor: 53}} prompt="#lobby› " width={30} row={0} />);
		const out = plain(lastFrame());
		assert.match(out, /^#lobby› a+END$/);
		assert.ok(out.length <= 30);
	});
});

describe('the app, with a client on a fake transport', () => {
	function setup(columns = 100, rows = 20, rooms = ['lobby', 'dev']) {
		const transport = new FakeTransport();
		const client = new Client(transport, {nick: 'alice', nickExplicit: true, rooms, session: 's'.repeat(24), history: 50});
		client.start(60_000);
		const term = new TestTerminal(columns, rows);
		const app = term.render(<App client={client} timestamps={false} hubAddress="tcp://127.0.0.1:5555" />);
		transport.welcome('alice', rooms.map(room => ({room, members: room === 'lobby' ? ['alice', 'bob'] : ['alice']})));
		const says = () => transport.sent.filter((c): c is Extract<Command, {type: 'say'}> => c.type === 'say');
		const screen = (what: string, probe: (s: string) => boolean) => waitFor(`${what} in:\n${term.last()}`, () => probe(term.last()) && term.last());
		const done = async () => {
			app.unmount();
			await client.close();
		};
		return {transport, client, term, app, says, screen, done};
	}

	test('draws the room bar, feed, member list, status bar and input line in rows-1 lines', async () => {
		const t = setup();
		try {
			t.transport.feed(event('lobby', 1, 'bob', 'hello alice'));
			const frame = await t.screen('a message', s => s.includes('<bob> hello alice'));
			const rows = frame.split('\n');
			assert.equal(rows.length, 19, 'one row less than the terminal');
			assert.match(rows[0]!, /^ #lobby {2}#dev/);
			assert.match(rows[17]!, /● connected │ alice │ #lobby 2 online/);
			assert.match(rows[18]!, /^#lobby›/);
			assert.ok(rows.some(r => /│bob\s*$/.test(r)), 'member list on the right');
		} finally {
			await t.done();
		}
	});

	test('typing and Enter sends a say for the active room', async () => {
		const t = setup();
		try {
			t.term.type('hi bob');
			await t.screen('the typed text', s => s.includes('#lobby› hi bob'));
			t.term.type('\r');
			await waitFor('a say', () => t.says().length === 1);
			assert.deepEqual(
				t.says().map(c => [c.room, c.text]),
				[['lobby', 'hi bob']],
			);
			await t.screen('the pending line', s => /⧗ <alice> hi bob/.test(s));
		} finally {
			await t.done();
		}
	});

	test('a bracketed paste of several lines is sent as one message', async () => {
		const t = setup();
		try {
			t.term.type(`${PASTE_START}one\rtwo\rthree${PASTE_END}`);
			await t.screen('the paste in the input line', s => s.includes('one↵two↵three'));
			assert.equal(t.says().length, 0);
			t.term.type('\r');
			await waitFor('one say', () => t.says().length === 1);
			assert.equal(t.says()[0]!.text, 'one\ntwo\nthree');
		} finally {
			await t.done();
		}
	});

	test('messages in another room count as unread there; Alt+2 switches and shows the read marker (not above the first message)', async () => {
		const t = setup();
		try {
			// A brand-new conversation: no "read up to here" line above its first message.
			t.transport.feed(event('dev', 1, 'carl', 'morning'));
			await t.screen('one unread', s => s.includes('#dev 1'));
			t.term.type('\x1b2');
			const first = await t.screen('#dev shown', s => s.includes('<carl> morning'));
			assert.doesNotMatch(first, /read up to here/);
			t.term.type('\x1b1');
			await t.screen('back in #lobby', s => s.includes('│ #lobby'));
			t.transport.feed(event('dev', 2, 'carl', 'deploying'), event('dev', 3, 'carl', 'alice: done?'));
			await t.screen('unread with a mention', s => s.includes('#dev 2!'));
			t.term.type('\x1b2');
			const frame = await t.screen('#dev shown', s => s.includes('<carl> deploying'));
			assert.match(frame, /── read up to here ─+│\n<carl> deploying/);
			assert.doesNotMatch(frame.split('\n')[0]!, /#dev 2/);
			assert.equal(t.client.state.active, '#dev');
		} finally {
			await t.done();
		}
	});

	test('PgUp scrolls back; new messages show as "N new" instead of moving the view; End goes back', async () => {
		const t = setup(100, 12);
		try {
			const events = [];
			for (let i = 1; i <= 40; i++) events.push(event('lobby', i, 'bob', `line ${i}`));
			t.transport.feed(...events);
			await t.screen('the newest line', s => s.includes('<bob> line 40'));
			t.term.type('\x1b[5~');
			const scrolled = await t.screen('scrolled', s => s.includes('scrolled up'));
			assert.doesNotMatch(scrolled, /line 40/);
			t.transport.feed(event('lobby', 41, 'bob', 'line 41'), event('lobby', 42, 'bob', 'line 42'));
			const marked = await t.screen('the new count', s => s.includes('2 new'));
			assert.doesNotMatch(marked, /line 42/);
			t.term.type('\x1b[F');
			await t.screen('live again', s => s.includes('<bob> line 42') && !s.includes('new ·'));
		} finally {
			await t.done();
		}
	});

	test('the member list hides on a narrow terminal and comes back when it is wide again', async () => {
		const t = setup(100, 12);
		try {
			t.transport.feed(event('lobby', 1, 'bob', 'hello'));
			await t.screen('the member list', s => /│alice/.test(s));
			t.term.resize(50, 12);
			const narrow = await t.screen('no member list', s => !/│alice/.test(s) && s.includes('<bob> hello'));
			assert.ok(narrow.split('\n').every(r => r.length <= 50));
			t.term.resize(80, 12);
			await t.screen('the member list again', s => /│alice/.test(s));
		} finally {
			await t.done();
		}
	});
});
