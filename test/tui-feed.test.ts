import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {FeedItem, Pending, RoomView} from '../src/client/state.js';
import {clock} from '../src/ui/format.js';
import {dayLabel, itemRows, pendingRows, RowCache} from '../src/ui/feed-rows.js';
import {activeScreen, FeedModel, feedModel, feedScreen, olderState} from '../src/ui/feed-screen.js';
import {rowText} from '../src/ui/rows.js';
import {textWidth} from '../src/ui/text-width.js';
import {nickColor, NickColours, NICK_PALETTE, theme} from '../src/ui/theme.js';
import {LIVE, scrollUp} from '../src/ui/viewport.js';
import {EPOCH, event, Sim} from './helpers/sim.js';

const TS = Date.UTC(2025, 10, 26, 12, 0, 0);

function msgItem(seq: number, from: string, text: string, extra: Partial<Extract<FeedItem, {kind: 'event'}>> = {}, ts = TS + seq * 1000): FeedItem {
	return {kind: 'event', key: `${EPOCH}:lobby:${seq}`, event: event('lobby', seq, from, text, ts), ...extra};
}

const texts = (rows: readonly {segments: readonly {text: string}[]}[]) => rows.map(r => rowText(r as never));

describe('feed rows', () => {
	test('a message: time, nick in its colour, text', () => {
		const rows = itemRows(msgItem(1, 'bob', 'hello there'), {width: 80, timestamps: true});
		assert.deepEqual(texts(rows), [`${clock(TS + 1000)} <bob> hello there`]);
		const nick = rows[0]!.segments.find(s => s.text === 'bob')!;
		assert.equal(nick.color, nickColor('bob'));
	});

	test('without timestamps there is no time', () => {
		assert.deepEqual(texts(itemRows(msgItem(1, 'bob', 'hi'), {width: 80, timestamps: false})), ['<bob> hi']);
	});

	test('long and multi-line messages wrap under the text, never wider than the feed', () => {
		const rows = texts(itemRows(msgItem(1, 'bob', 'one two three four five six seven\nsecond line'), {width: 24, timestamps: false}));
		assert.deepEqual(rows, ['<bob> one two three four', '      five six seven', '      second line']);
		for (const r of rows) assert.ok(textWidth(r) <= 24);
	});

	test('peer text is sanitised: escape sequences are shown, not obeyed', () => {
		const rows = texts(itemRows(msgItem(1, 'eve', 'x\x1b]52;c;Zm9v\x07\x1b[2J\u202eevil'), {width: 200, timestamps: false}));
		assert.equal(rows.length, 1);
		assert.ok(!/[\x00-\x1f\u202e]/.test(rows[0]!));
		assert.match(rows[0]!, /\^\[\]52;c;Zm9v\^G\^\[\[2J<U\+202E>evil/);
	});

	test('actions, joins and notices have their own look', () => {
		const action = msgItem(2, 'bob', 'waves');
		const actionItem: FeedItem = {...action, event: {...(action as {event: ReturnType<typeof event>}).event, action: true}} as FeedItem;
		assert.deepEqual(texts(itemRows(actionItem, {width: 80, timestamps: false})), ['* bob waves']);
		const join: FeedItem = {kind: 'event', key: 'j', event: {type: 'join', room: 'lobby', seq: 3, epoch: EPOCH, ts: TS, from: 'carl'}};
		const joinRows = itemRows(join, {width: 80, timestamps: false});
		assert.deepEqual(texts(joinRows), ['-- carl joined #lobby']);
		assert.ok(joinRows[0]!.segments.every(s => s.dim));
		const err: FeedItem = {kind: 'notice', key: 'n1', ts: TS, text: 'no such nick', level: 'error'};
		const errRows = itemRows(err, {width: 80, timestamps: false});
		assert.deepEqual(texts(errRows), ['!! no such nick']);
		assert.equal(errRows[0]!.segments[1]!.color, 'red');
		const dm: FeedItem = {kind: 'dm', key: 'd1', from: 'bob', to: 'alice', text: 'psst', ts: TS, self: false};
		assert.deepEqual(texts(itemRows(dm, {width: 80, timestamps: false})), ['*bob* psst']);
		const mine: FeedItem = {kind: 'dm', key: 'd2', from: 'alice', to: 'bob', text: 'yes?', ts: TS, self: true};
		assert.deepEqual(texts(itemRows(mine, {width: 80, timestamps: false})), ['→bob yes?']);
	});

	test('a mention of you is highlighted', () => {
		const rows = itemRows(msgItem(1, 'bob', 'alice: look', {mention: true}), {width: 80, timestamps: false});
		const text = rows[0]!.segments[rows[0]!.segments.length - 1]!;
		assert.equal(text.color, 'yellow');
		assert.equal(text.bold, true);
	});

	test('day changes and the read marker are lines of their own before the item', () => {
		const rows = texts(itemRows(msgItem(1, 'bob', 'hi'), {width: 40, timestamps: false}, {day: dayLabel(TS), readMarker: true}));
		assert.equal(rows.length, 3);
		assert.match(rows[0]!, /^── \w{3} \d+ \w{3} 2025 ─+$/);
		assert.match(rows[1]!, /^── read up to here ─+$/);
		assert.equal(textWidth(rows[0]!), 40);
	});

	test('a nick always has the same colour from the palette, whatever its case', () => {
		assert.equal(nickColor('Bob'), nickColor('bob'));
		assert.ok(NICK_PALETTE.includes(nickColor('someone')));
		const used = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'].map(nickColor));
		assert.ok(used.size >= 5, 'nicks spread over the palette');
	});

	test('two nicks never share a colour while one is free; mentions have a colour no nick has', () => {
		assert.ok(!NICK_PALETTE.includes(theme.mention), 'yellow is for mentions only');
		assert.ok(!NICK_PALETTE.some(c => c.startsWith(theme.mention)));
		const colours = new NickColours();
		// Nicks that hash to the same colour: the first keeps it, the second gets a free one.
		const fresh = new NickColours();
		const nicks = Array.from({length: 200}, (_, i) => `user${i}`);
		const byColour = new Map<string, string[]>();
		for (const n of nicks) byColour.set(new NickColours().of(n), [...(byColour.get(new NickColours().of(n)) ?? []), n]);
		const [first, second] = [...byColour.values()].find(list => list.length >= 2)!;
		assert.equal(new NickColours().of(first!), new NickColours().of(second!), 'the same colour by hash');
		assert.notEqual(fresh.of(first!), fresh.of(second!));
		assert.equal(fresh.of(first!.toUpperCase()), fresh.of(first!), 'kept, whatever the case');
		// As many nicks as colours: all different; one more shares.
		const eight = nicks.slice(0, NICK_PALETTE.length).map(n => colours.of(n));
		assert.equal(new Set(eight).size, NICK_PALETTE.length);
		assert.ok(NICK_PALETTE.includes(colours.of('one-more')));
	});

	test('pending lines are marked: waiting, stored, refused with the reason', () => {
		const base: Pending = {id: 'm1', view: '#lobby', text: 'on its way', action: false, state: 'sent', attempts: 1, due: 0};
		assert.deepEqual(texts(pendingRows(base, 'alice', {width: 80, timestamps: true})), ['⧗        <alice> on its way']);
		assert.deepEqual(texts(pendingRows({...base, state: 'acked'}, 'alice', {width: 80, timestamps: false})), ['✓ <alice> on its way']);
		const failed = texts(pendingRows({...base, state: 'failed', error: 'text too long'}, 'alice', {width: 80, timestamps: false}));
		assert.deepEqual(failed, ['✗ <alice> on its way  (not delivered: text too long)']);
	});

	test('rows are cached per item and made again for another width', () => {
		const cache = new RowCache();
		const item = msgItem(1, 'bob', 'hi');
		const a = cache.item(item, {width: 80, timestamps: true}, {});
		assert.equal(cache.item(item, {width: 80, timestamps: true}, {}), a);
		assert.notEqual(cache.item(item, {width: 40, timestamps: true}, {}), a);
		assert.notEqual(cache.item(item, {width: 40, timestamps: true}, {readMarker: true}), a);
	});

	test('the cache keeps the rows the last frame drew and forgets the rest', () => {
		const cache = new RowCache();
		const options = {width: 80, timestamps: true};
		const [a, b] = [msgItem(1, 'bob', 'hi'), msgItem(2, 'bob', 'there')];
		const rowsA = cache.item(a, options, {});
		cache.nextFrame();
		const rowsB = cache.item(b, options, {});
		assert.equal(cache.item(a, options, {}), rowsA, 'drawn in the last frame: kept');
		cache.nextFrame();
		assert.equal(cache.item(b, options, {}), rowsB);
		cache.nextFrame();
		assert.equal(cache.item(b, options, {}), rowsB, 'still on screen');
		const again = cache.item(a, options, {});
		assert.notEqual(again, rowsA, 'not drawn for two frames: made again');
		assert.deepEqual(again, rowsA);
		cache.nextFrame();
		cache.nextFrame();
		assert.equal(cache.size, 0, 'nothing drawn for two frames: nothing kept');
	});
});

describe('the feed area', () => {
	test('a day line where the date changes between two items', () => {
		const day1 = Date.UTC(2025, 10, 26, 12);
		const feed = [msgItem(1, 'bob', 'a', {}, day1), msgItem(2, 'bob', 'b', {}, day1 + 60_000), msgItem(3, 'bob', 'c', {}, day1 + 86_400_000)];
		const model = new FeedModel(feed, {width: 60, timestamps: false}, undefined, new RowCache());
		assert.deepEqual([model.rowsAt(0), model.rowsAt(1), model.rowsAt(2)], [1, 1, 2]);
		assert.match(rowText(model.rows(2)[0]!), /── .* ──/);
	});

	test('live: the newest items, then your pending lines', () => {
		const sim = new Sim({nick: 'alice'}).connect({lobby: ['alice', 'bob']}).messages('lobby', 1, 30);
		sim.do({type: 'line', text: 'my line'});
		const cache = new RowCache();
		const model = feedModel(sim.state, {}, {width: 60, timestamps: false}, cache);
		const screen = activeScreen(sim.state, model, LIVE, 5, cache);
		assert.deepEqual(texts(screen.rows), ['<bob> message 27', '<bob> message 28', '<bob> message 29', '<bob> message 30', '⧗ <alice> my line']);
	});

	test('scrolled up: a line at the bottom says how many are new and how to go back', () => {
		const sim = new Sim().connect({lobby: ['alice', 'bob']}).messages('lobby', 1, 30);
		const cache = new RowCache();
		const options = {width: 60, timestamps: false};
		const model = feedModel(sim.state, {}, options, cache);
		const up = scrollUp(model, LIVE, 10, 4).scroll;
		sim.messages('lobby', 31, 33);
		const later = feedModel(sim.state, {}, options, cache);
		const screen = feedScreen(later, up, 5, [], 'more');
		const rows = texts(screen.rows);
		assert.equal(rows.length, 5);
		assert.deepEqual(rows.slice(0, 4), ['<bob> message 17', '<bob> message 18', '<bob> message 19', '<bob> message 20']);
		assert.match(rows[4]!, /── 3 new · End: back to live ─+/);
	});

	test('at the top it says whether older history is coming', () => {
		const sim = new Sim().connect().messages('lobby', 1, 10);
		const model = feedModel(sim.state, {}, {width: 70, timestamps: false}, new RowCache());
		const up = scrollUp(model, LIVE, 100, 4).scroll;
		assert.match(rowText(feedScreen(model, up, 5, [], 'loading').rows[4]!), /loading older messages… · scrolled up/);
		assert.match(rowText(feedScreen(model, up, 5, [], 'none').rows[4]!), /start of history/);
		assert.equal(olderState(sim.state, '#lobby'), 'none');
		const lobby = sim.state.views['#lobby'] as RoomView;
		sim.state = {...sim.state, views: {...sim.state.views, '#lobby': {...lobby, hasOlder: true, oldestSeq: 5}}};
		assert.equal(olderState(sim.state, '#lobby'), 'more');
		sim.do({type: 'older', view: '#lobby'});
		assert.equal(olderState(sim.state, '#lobby'), 'loading');
	});

	test('the read marker the TUI kept is drawn above the first unread item', () => {
		const sim = new Sim().connect().messages('lobby', 1, 3);
		const key = sim.state.views['#lobby']!.feed[1]!.key;
		const model = feedModel(sim.state, {'#lobby': key}, {width: 40, timestamps: false}, new RowCache());
		const rows = texts(activeScreen(sim.state, model, LIVE, 10, new RowCache()).rows);
		assert.equal(rows[1], '── read up to here ─────────────────────');
	});
});
