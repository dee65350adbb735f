import assert from 'node:assert/strict';
import {describe, mock, test} from 'node:test';
import {fill, inputView, memberRows, roomBar, statusBar, tabLabel, tabs, type Tab} from '../src/ui/bars.js';
import {computeLayout, frameInterval, MEMBER_LIST_MIN_COLUMNS} from '../src/ui/layout.js';
import {trackReadMarkers} from '../src/ui/read-markers.js';
import {rowText, type Segment} from '../src/ui/rows.js';
import {textWidth} from '../src/ui/text-width.js';
import {throttle} from '../src/ui/throttle.js';
import {event, Sim} from './helpers/sim.js';

const text = (segs: readonly Segment[]) => segs.map(s => s.text).join('');

describe('room bar', () => {
	const list: Tab[] = [
		{id: '#lobby', unread: 0, mentioned: false, joined: true},
		{id: '#dev', unread: 3, mentioned: false, joined: true},
		{id: '#ops', unread: 2, mentioned: true, joined: true},
		{id: '@bob', unread: 1, mentioned: false, joined: true},
	];

	test('each view with its unread count and a mark when you were mentioned', () => {
		assert.deepEqual(list.map(tabLabel), ['#lobby', '#dev 3', '#ops 2!', '@bob 1']);
		const segs = roomBar(list, '#lobby', 80);
		assert.equal(text(segs), ' #lobby  #dev 3  #ops 2!  @bob 1 ');
		assert.equal(segs[0]!.inverse, true, 'the active one is highlighted');
		assert.equal(segs[2]!.color, 'yellow', 'a mention stands out');
	});

	test('when the tabs do not fit, the active one stays in sight', () => {
		const segs = roomBar(list, '@bob', 20);
		assert.ok(textWidth(text(segs)) <= 20);
		assert.match(text(segs), /^‹.*@bob 1 $/);
		const first = roomBar(list, '#lobby', 20);
		assert.match(text(first), /^ #lobby .*›$/);
	});

	test('tabs come from the state in the order views were opened', () => {
		const sim = new Sim({rooms: ['lobby', 'dev']}).connect();
		sim.feed(event('dev', 1, 'bob', 'hey alice'));
		assert.deepEqual(tabs(sim.state), [
			{id: '#lobby', unread: 0, mentioned: false, joined: true},
			{id: '#dev', unread: 1, mentioned: true, joined: true},
		]);
	});
});

describe('status bar', () => {
	test('connection, nick, room with people online, topic', () => {
		const sim = new Sim({nick: 'alice'}).connect({lobby: ['alice', 'bob', 'carl']}, {lobby: 'release day'});
		assert.equal(text(statusBar(sim.state, 'tcp://h:1')), '● connected │ alice │ #lobby 3 online │ release day');
	});

	test('connecting says where to, in its own colour; reconnecting too', () => {
		const sim = new Sim();
		const segs = statusBar(sim.state, 'tcp://10.0.0.1:5555');
		assert.match(text(segs), /^● connecting to tcp:\/\/10\.0\.0\.1:5555…/);
		assert.equal(segs[1]!.color, 'yellow');
		sim.connect();
		const back = statusBar({...sim.state, connection: 'reconnecting'}, 'x');
		assert.match(text(back), /reconnecting…/);
		assert.equal(back[1]!.color, 'red');
	});

	test('away and leaving are shown; a topic cannot carry escape sequences', () => {
		const sim = new Sim({nick: 'alice'}).connect({}, {lobby: 'x\x1b[2Jy'});
		sim.do({type: 'line', text: '/away lunch'});
		sim.do({type: 'leave'});
		const t = text(statusBar(sim.state, 'x'));
		assert.match(t, /alice \(away\)/);
		assert.match(t, /leaving… Ctrl\+C again to quit now/);
		assert.match(t, /x\^\[\[2Jy$/);
	});

	test('a narrow terminal gets less said, not a cut: the topic, then words go; nick and room stay', () => {
		const sim = new Sim({nick: 'alexandria'}).connect({lobby: ['alexandria', 'bob', 'carl']}, {lobby: 'release day, all hands on deck please'});
		sim.do({type: 'line', text: '/join #engineering-platform'});
		sim.welcome([{room: 'engineering-platform', members: ['alexandria', 'bob']}]);
		const at = (width: number) => text(statusBar(sim.state, 'tcp://chat.example.org:5555', width));
		assert.equal(at(100), '● connected │ alexandria │ #engineering-platform 2 online');
		sim.do({type: 'activate', view: '#lobby'});
		assert.equal(at(100), '● connected │ alexandria │ #lobby 3 online │ release day, all hands on deck please');
		assert.equal(at(60), '● connected │ alexandria │ #lobby 3 online │ release day, all hands on deck please', 'a topic is cut at the end: fine');
		sim.do({type: 'activate', view: '#engineering-platform'});
		for (const width of [60, 50, 40]) {
			const shown = at(width);
			assert.ok(textWidth(shown) <= width, `${width}: ${shown}`);
			assert.match(shown, /alexandria │ #engineering-platform 2/, `${width}: ${shown}`);
		}
		assert.equal(at(40), '● │ alexandria │ #engineering-platform 2');
		const connecting = text(statusBar(new Sim({nick: 'alice'}).state, 'tcp://chat.example.org:5555', 40));
		assert.equal(connecting, '● connecting… │ alice');
	});

	test('a hub that does not answer for a few seconds: the bar says it may not be there', () => {
		const sim = new Sim({nick: 'alice'});
		sim.do({type: 'start'});
		sim.now += 1000;
		sim.do({type: 'tick'});
		assert.doesNotMatch(text(statusBar(sim.state, 'tcp://h:5555')), /no answer/);
		sim.now += 2500;
		sim.do({type: 'tick'});
		assert.equal(text(statusBar(sim.state, 'tcp://h:5555')), '● no answer from tcp://h:5555: is "zchat hub" running there? │ alice │ #lobby 0 online');
		assert.match(text(statusBar(sim.state, 'tcp://h:5555', 50)), /^● no answer from tcp:\/\/h:5555 │ alice/);
		sim.welcome();
		assert.equal(text(statusBar(sim.state, 'tcp://h:5555')), '● connected │ alice │ #lobby 1 online');
	});

	test('fill pads or cuts to exactly the width', () => {
		assert.equal(textWidth(text(fill([{text: 'abc'}], 10))), 10);
		assert.equal(text(fill([{text: 'abcdef'}, {text: 'gh'}], 4)), 'abcd');
		assert.equal(text(fill([{text: '日本語'}], 5)), '日本 ');
	});
});

describe('member list', () => {
	test('a header, then one nick a row', () => {
		assert.deepEqual(memberRows(['alice', 'bob'], 'alice', 10).map(rowText), ['2 online', 'alice', 'bob']);
	});

	test('members who are away are greyed, not coloured', () => {
		const rows = memberRows(['alice', 'bob', 'carol'], 'alice', 10, ['bob']);
		const bob = rows.find(r => rowText(r) === 'bob')!.segments[0]!;
		const carol = rows.find(r => rowText(r) === 'carol')!.segments[0]!;
		assert.deepEqual([bob.dim, bob.color], [true, undefined]);
		assert.deepEqual([carol.dim, typeof carol.color], [undefined, 'string']);
	});

	test('too many for the height: "+N more"', () => {
		const members = Array.from({length: 20}, (_, i) => `n${i}`);
		const rows = memberRows(members, 'x', 5).map(rowText);
		assert.deepEqual(rows, ['20 online', 'n0', 'n1', 'n2', '+17 more']);
	});
});

describe('layout', () => {
	test('the member list takes a width that fits the nicks, and hides on narrow terminals', () => {
		const wide = computeLayout(100, 30, ['alice', 'bob']);
		assert.equal(wide.height, 29, 'one row less than the terminal');
		assert.equal(wide.feedHeight, 26);
		assert.equal(wide.memberWidth, 10);
		assert.equal(wide.feedWidth, 90);
		assert.equal(computeLayout(100, 30, ['averyveryverylongnick']).memberWidth, 19);
		assert.equal(computeLayout(MEMBER_LIST_MIN_COLUMNS - 1, 30, ['alice']).memberWidth, 0);
		assert.equal(computeLayout(100, 30, undefined).memberWidth, 0, 'no list for a private conversation');
	});
});

describe('frame rate', () => {
	test('about 30 frames a second up to 100x30, down to 15 for much larger screens', () => {
		assert.equal(frameInterval(80, 24), 33);
		assert.equal(frameInterval(100, 30), 33);
		assert.equal(frameInterval(150, 40), 66);
		assert.equal(frameInterval(300, 100), 66);
	});
});

describe('input line view', () => {
	test('short lines are shown whole with the cursor where it is', () => {
		assert.deepEqual(inputView({text: 'hello', cursor: 2}, 20), {text: 'hello', cursor: 2});
	});

	test('long lines scroll sideways to keep the cursor in sight', () => {
		const v = inputView({text: 'abcdefghijklmnopqrstuvwxyz', cursor: 26}, 10);
		assert.equal(v.text, 'rstuvwxyz');
		assert.equal(v.cursor, 9);
	});

	test('line breaks show as ↵, wide characters count two columns, control characters are escaped', () => {
		assert.deepEqual(inputView({text: 'a\nb', cursor: 3}, 20), {text: 'a↵b', cursor: 3});
		assert.deepEqual(inputView({text: '日本', cursor: 3}, 20), {text: '日本', cursor: 4});
		assert.equal(inputView({text: 'a\u202eb', cursor: 0}, 20).text, 'a<U+202E>b');
	});
});

describe('read markers', () => {
	test('kept from just before a switch, dropped when leaving the view', () => {
		const sim = new Sim({rooms: ['lobby', 'dev']}).connect();
		// Something read in #dev first: a brand-new conversation has no marker.
		sim.do({type: 'activate', view: '#dev'});
		sim.feed(event('dev', 1, 'bob', 'zero'));
		sim.do({type: 'activate', view: '#lobby'});
		sim.feed(event('dev', 2, 'bob', 'one'), event('dev', 3, 'bob', 'two'));
		const before = sim.state;
		const key = before.views['#dev']!.readMarker!;
		assert.ok(key);
		sim.do({type: 'activate', view: '#dev'});
		assert.equal(sim.state.views['#dev']!.readMarker, undefined, 'the client drops it on activation');
		const markers = trackReadMarkers({}, before, sim.state);
		assert.deepEqual(markers, {'#dev': key});
		const back = sim.state;
		sim.do({type: 'activate', view: '#lobby'});
		assert.deepEqual(trackReadMarkers(markers, back, sim.state), {});
		assert.equal(trackReadMarkers(markers, back, back), markers);
	});
});

describe('throttle', () => {
	test('a burst of calls runs once, later; the next burst waits for the interval', () => {
		mock.timers.enable({apis: ['setTimeout', 'Date']});
		try {
			let runs = 0;
			const t = throttle(() => runs++, 33);
			for (let i = 0; i < 100; i++) t();
			assert.equal(runs, 0, 'never synchronously');
			mock.timers.tick(0);
			assert.equal(runs, 1);
			t();
			mock.timers.tick(20);
			assert.equal(runs, 1);
			mock.timers.tick(13);
			assert.equal(runs, 2);
			t();
			t.cancel();
			mock.timers.tick(100);
			assert.equal(runs, 2);
		} finally {
			mock.timers.reset();
		}
	});
});
