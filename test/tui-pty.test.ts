import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {spawnZchat, type Proc} from './helpers/cli.js';
import {tmuxSuite, TmuxTui} from './helpers/tmux.js';

/**
 * The real `zchat join` TUI in a pseudo-terminal (tmux), against a real hub, with a second
 * client in line mode on the other side.
 */

const {hub, procs, tuis} = tmuxSuite();
const track = <T extends Proc | TmuxTui>(x: T): T => {
	if (x instanceof TmuxTui) tuis.push(x);
	else procs.push(x);
	return x;
};

/** A line-mode client that prints the feed as JSON and says what is written to its stdin. */
function lineClient(nick: string, rooms: string[]): Proc {
	return track(spawnZchat(['join', '--nick', nick, ...rooms.flatMap(r => ['--room', r]), '--json', '--stay', ...hub.args]));
}

function jsonLines(p: Proc): Array<Record<string, unknown>> {
	return p.lines().map(l => JSON.parse(l) as Record<string, unknown>);
}

describe('zchat join on a terminal (tmux)', () => {
	test('shows what another client says, sends what is typed under its nick, and /quit exits 0', async () => {
		const bob = lineClient('bob', ['lobby']);
		await bob.waitLine('"type":"join"');
		const tui = track(TmuxTui.start(['--nick', 'alice', ...hub.args]));
		await tui.waitScreen('the connected status bar', s => s.includes('● connected │ alice │ #lobby'));
		await bob.waitLine(/"type":"join","from":"alice"/);

		bob.child.stdin.write('hello from bob\n');
		await tui.waitScreen("bob's line", s => /\d\d:\d\d:\d\d <bob> hello from bob/.test(s));

		tui.type('hi bob, alice here');
		await tui.waitScreen('the typed text on the input line', s => s.includes('#lobby› hi bob, alice here'));
		tui.keys('Enter');
		await bob.waitLine('hi bob, alice here');
		const said = jsonLines(bob).find(l => l['text'] === 'hi bob, alice here');
		assert.equal(said?.['from'], 'alice');
		assert.equal(said?.['type'], 'message');
		await tui.waitScreen('our own line in the feed', s => /<alice> hi bob, alice here/.test(s) && !s.includes('⧗'));

		tui.type('/quit see you');
		tui.keys('Enter');
		assert.equal(await tui.waitExit(), 0);
		// Nothing but terminal modes on stderr (Ink's cursor restore writes there).
		assert.equal(tui.stderr().replace(/\x1b\[\?25h/g, ''), '');
		await bob.waitLine(/"type":"part","from":"alice","reason":"see you"/);
		bob.child.kill('SIGTERM');
		assert.equal(await bob.exited, 0);
	});

	test('rooms: unread counts and mentions in the room bar, Alt+2 and Ctrl+N switch', async () => {
		const carl = lineClient('carl', ['dev']);
		await carl.waitLine('"type":"join"');
		const tui = track(TmuxTui.start(['--nick', 'dora', '--room', 'lobby', '--room', 'dev', ...hub.args]));
		await tui.waitScreen('connected in #lobby', s => s.includes('● connected │ dora │ #lobby'));
		await carl.waitLine(/"type":"join","from":"dora"/);

		// Exactly carl's three lines: our own join into #dev is not news to us.
		const unread = (screen: string) => Number(/#dev (\d+)/.exec(screen.split('\n')[0]!)?.[1] ?? 0);
		carl.child.stdin.write('deploy starting\nstep two\ndora: can you check?\n');
		const withUnread = await tui.waitScreen('three unread in #dev, with a mention', s => unread(s) === 3 && /#dev \d+!/.test(s.split('\n')[0]!));
		assert.doesNotMatch(withUnread, /deploy starting/, 'not shown while #lobby is active');

		tui.keys('M-2');
		const dev = await tui.waitScreen('#dev with its messages', s => s.includes('<carl> dora: can you check?') && s.includes('│ #dev'));
		const rows = dev.split('\n');
		assert.doesNotMatch(rows[0]!, /#dev \d/, 'read now: no count');
		assert.ok(rows.some(r => /── read up to here ─+/.test(r)), 'the read marker');
		assert.ok(rows.some(r => /│carl/.test(r)), 'carl in the member list');

		carl.child.stdin.write('one more\n');
		await tui.waitScreen('the new line in the active room', s => s.includes('<carl> one more'));
		tui.keys('C-n');
		await tui.waitScreen('back in #lobby', s => s.includes('│ #lobby'));
		carl.child.stdin.write('while you were away\n');
		await tui.waitScreen('one unread in #dev', s => s.split('\n')[0]!.includes('#dev 1'));

		// Ctrl+C leaves cleanly too.
		tui.keys('C-c');
		assert.equal(await tui.waitExit(), 0);
		await carl.waitLine(/"type":"part","from":"dora"/);
		carl.child.kill('SIGTERM');
		await carl.exited;
	});

	test('a multi-line paste is sent as one message; scrollback with PgUp and End', async () => {
		const erin = lineClient('erin', ['paste']);
		await erin.waitLine('"type":"join"');
		const tui = track(TmuxTui.start(['--nick', 'fred', '--room', 'paste', '--no-timestamps', ...hub.args], {columns: 80, rows: 12}));
		await tui.waitScreen('connected', s => s.includes('● connected │ fred │ #paste'));
		await erin.waitLine(/"type":"join","from":"fred"/);

		tui.paste('first line\nsecond line\nthird line');
		await tui.waitScreen('the paste on the input line', s => s.includes('first line↵second line↵third line'));
		tui.keys('Enter');
		await erin.waitLine('third line');
		const messages = jsonLines(erin).filter(l => l['type'] === 'message' && l['from'] === 'fred');
		assert.deepEqual(
			messages.map(m => m['text']),
			['first line\nsecond line\nthird line'],
		);
		await tui.waitScreen('the message, its lines indented under the text', s => /\n<fred> first line *│\n {7}second line *│\n {7}third line *│/.test(s));

		erin.child.stdin.write(Array.from({length: 30}, (_, i) => `scroll ${i + 1}`).join('\n') + '\n');
		await tui.waitScreen('the last line', s => s.includes('<erin> scroll 30'));
		tui.keys('PPage');
		const up = await tui.waitScreen('scrolled up', s => s.includes('scrolled up · End: back to live'));
		assert.doesNotMatch(up, /scroll 30\b/);
		erin.child.stdin.write('fresh\n');
		await tui.waitScreen('"1 new"', s => s.includes('1 new · End: back to live'));
		tui.keys('End');
		await tui.waitScreen('live again', s => s.includes('<erin> fresh') && !s.includes('End: back to live'));

		tui.keys('C-c');
		assert.equal(await tui.waitExit(), 0);
		erin.child.kill('SIGTERM');
		await erin.exited;
	});

	test('a resize rewraps the feed to the new width, hides the member list when narrow, and keeps rows-1 lines', async () => {
		const gus = lineClient('gus', ['resize']);
		await gus.waitLine('"type":"join"');
		const tui = track(TmuxTui.start(['--nick', 'hana', '--room', 'resize', '--no-timestamps', ...hub.args], {columns: 100, rows: 20}));
		await tui.waitScreen('connected', s => s.includes('● connected │ hana │ #resize'));
		const long = 'a long line of words that will wrap once the terminal gets narrow enough';
		gus.child.stdin.write(long + '\n');
		await tui.waitScreen('the long line in one row', s => s.includes(`<gus> ${long}`));

		tui.resize(50, 12);
		// The line rewrapped, its second row indented under the text; the room bar on the first
		// row and the input line on the last one drawn; no member list.
		const narrow = await tui.waitScreen('the narrow layout', s => {
			const rows = s.split('\n');
			return /\n<gus> a long line of words that will wrap once the\n {6}terminal gets narrow enough\n/.test(s) && /#resize/.test(rows[0]!) && /^#resize›/.test(rows[10]!);
		});
		assert.ok(narrow.split('\n').every(r => r.length <= 50));
		assert.doesNotMatch(narrow, /│hana/);

		tui.resize(100, 20);
		await tui.waitScreen('the member list again', s => /│hana/.test(s) && s.includes(`<gus> ${long}`));
		tui.keys('C-c');
		assert.equal(await tui.waitExit(), 0);
		gus.child.kill('SIGTERM');
		await gus.exited;
	});

	test('scrolling past the top of what is in memory fetches older history from the hub', async () => {
		const ivy = lineClient('ivy', ['old']);
		await ivy.waitLine('"type":"join"');
		ivy.child.stdin.write(Array.from({length: 150}, (_, i) => `old ${i + 1}`).join('\n') + '\n');
		await ivy.waitLine('"text":"old 150"');
		const tui = track(TmuxTui.start(['--nick', 'jack', '--room', 'old', '--history', '10', '--no-timestamps', ...hub.args], {columns: 80, rows: 12}));
		let screen = await tui.waitScreen('the recent history', s => /<ivy> old 150 +│/.test(s));
		assert.doesNotMatch(screen, /<ivy> old 100 +│/, 'only the last 10 events were loaded');
		// Each PgUp changes the screen (a page up, "loading older messages…", the older rows)
		// until the first message and the start of the history are on it.
		for (let i = 0; i < 100 && !screen.includes('start of history'); i++) {
			const before = screen;
			tui.keys('PPage');
			screen = await tui.waitScreen('the screen to move on PgUp', s => s !== before);
		}
		assert.match(screen, /<ivy> old 1 +│/);
		assert.match(screen, /start of history/);
		tui.keys('End');
		await tui.waitScreen('live again', s => /<ivy> old 150 +│/.test(s));
		tui.keys('C-c');
		assert.equal(await tui.waitExit(), 0);
		ivy.child.kill('SIGTERM');
		await ivy.exited;
	});
});
