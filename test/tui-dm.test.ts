import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {spawnZchat, type Proc} from './helpers/cli.js';
import {tmuxSuite, TmuxTui} from './helpers/tmux.js';

/**
 * Private messages in the real TUI (tmux, CI unset) against a real hub, with a line-mode
 * client on the other side: where a /msg and its refusal show, what a refusal does to the
 * exit code, and conversation tabs that follow a nick.
 */

const {hub, procs, tuis} = tmuxSuite();

function lineClient(nick: string): Proc {
	const p = spawnZchat(['join', '--nick', nick, '--json', '--stay', ...hub.args]);
	procs.push(p);
	return p;
}

function tui(nick: string): TmuxTui {
	const t = TmuxTui.start(['--nick', nick, '--no-timestamps', ...hub.args], {columns: 100, rows: 24});
	tuis.push(t);
	return t;
}

const roomBar = (screen: string) => screen.split('\n')[0]!;
const count = (screen: string, text: string) => screen.split(text).length - 1;

describe('private messages in the TUI (tmux)', () => {
	test('a /msg typed in a room: confirmed there, or refused there once with no tab; an old refusal does not make /quit fail', async () => {
		const bob = lineClient('bob');
		await bob.waitLine('"type":"join"');
		const t = tui('alice');
		await t.waitScreen('connected', s => s.includes('● connected │ alice │ #lobby'));

		t.type('/msg ghost are you there?');
		t.keys('Enter');
		const refused = await t.waitScreen('the refusal in #lobby', s => s.includes('not delivered: ghost is not online'));
		assert.match(refused, /✗ →ghost are you there\? +\(not delivered: ghost is not online\)/);
		assert.equal(count(refused, 'ghost is not online'), 1, 'said once');
		assert.doesNotMatch(roomBar(refused), /@ghost/, 'no tab for a nick that is not online');
		assert.match(refused, /│ #lobby/, 'still in #lobby');

		t.type('/msg bob lunch?');
		t.keys('Enter');
		await bob.waitLine(/"type":"dm","from":"alice","to":"bob","text":"lunch\?"/);
		const sent = await t.waitScreen('the confirmation in #lobby and the tab', s => /→bob lunch\?/.test(s) && roomBar(s).includes('@bob'));
		assert.match(sent, /│ #lobby/, 'the view stays where it was typed');

		t.type('/quit');
		t.keys('Enter');
		assert.equal(await t.waitExit(), 0, 'a refusal already shown is not "undelivered" at quit');
		assert.equal(t.stderr().replace(/\x1b\[\?25h/g, ''), '');
		bob.child.kill('SIGTERM');
		await bob.exited;
	});

	test('a conversation tab follows the nick: bob → robert → bobby leaves one tab, @bobby, that reaches him', async () => {
		const bob = lineClient('bob');
		await bob.waitLine('"type":"join"');
		const t = tui('carol');
		await t.waitScreen('connected', s => s.includes('● connected │ carol │ #lobby'));
		await bob.waitLine(/"type":"join",".*carol/);
		bob.child.stdin.write('/msg carol hi carol\n');
		await t.waitScreen('the @bob tab', s => roomBar(s).includes('@bob'));
		bob.child.stdin.write('/nick robert\n');
		await t.waitScreen('the tab renamed', s => roomBar(s).includes('@robert') && !/@bob\b/.test(roomBar(s)));
		bob.child.stdin.write('/nick bobby\n');
		const renamed = await t.waitScreen('one tab, @bobby', s => roomBar(s).includes('@bobby') && !roomBar(s).includes('@robert'));
		assert.equal(count(roomBar(renamed), '@'), 1, roomBar(renamed));

		t.keys('M-2');
		const conversation = await t.waitScreen('the conversation', s => s.includes('private conversation with bobby'));
		assert.match(conversation, /\*bob\* hi carol/, 'what was said before the renames is there');
		t.type('still there?');
		t.keys('Enter');
		await bob.waitLine(/"type":"dm","from":"carol","to":"bobby","text":"still there\?"/);
		await t.waitScreen('delivered', s => /→bobby still there\?/.test(s) && !s.includes('not delivered'));

		t.keys('C-c');
		assert.equal(await t.waitExit(), 0);
		bob.child.kill('SIGTERM');
		await bob.exited;
	});
});
