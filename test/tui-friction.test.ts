import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {spawnZchat, type Proc} from './helpers/cli.js';
import {tmuxSuite, TmuxTui} from './helpers/tmux.js';

/**
 * What a new user met in the real TUI (tmux, CI unset unless a test sets it): a blank screen
 * with CI set, silence when no hub is there, a status bar cut on a narrow terminal, a parted
 * room left on screen, tabs that could not be opened or closed, keys /help did not list.
 */

const {hub, procs, tuis} = tmuxSuite();

function tui(args: readonly string[], size = {columns: 100, rows: 24}, env: Record<string, string> = {}): TmuxTui {
	const t = TmuxTui.start(args, size, env);
	tuis.push(t);
	return t;
}

const statusRow = (screen: string) => screen.split('\n').find(r => r.startsWith('●')) ?? '';
const roomBar = (screen: string) => screen.split('\n')[0]!;

describe('the TUI where a new user tripped (tmux)', () => {
	test('with CI=true in the environment, a real terminal still gets the TUI', async () => {
		const t = tui(['--nick', 'ciuser', ...hub.args], undefined, {CI: 'true'});
		await t.waitScreen('the TUI drawn', s => s.includes('● connected │ ciuser │ #lobby') && s.includes('#lobby›'));
		t.keys('C-c');
		assert.equal(await t.waitExit(), 0);
	});

	test('a host that does not exist is named at once; a hub that does not answer is said after a few seconds', async () => {
		const nowhere = tui(['--nick', 'lost', '--host', 'nosuch.invalid', '--sub', '5555', '--pub', '5556']);
		assert.equal(await nowhere.waitExit(), 2);
		assert.equal(nowhere.stderr(), 'zchat: --host nosuch.invalid: no such host (the name does not resolve): check its spelling, or give the hub\'s address\n');
		const line = spawnZchat(['join', '--nick', 'lost', '--host', 'nosuch.invalid']);
		procs.push(line);
		assert.equal(await line.exited, 2);
		assert.equal(line.stderr(), nowhere.stderr(), 'line mode says the same');

		// A port nothing listens on.
		const silent = tui(['--nick', 'waiting', '--host', '127.0.0.1', '--sub', '9', '--pub', '9']);
		const first = await silent.waitScreen('connecting', s => s.includes('connecting to tcp://127.0.0.1:9…'));
		assert.doesNotMatch(first, /no answer/, 'not at once');
		await silent.waitScreen('the hint', s => statusRow(s).includes('● no answer from tcp://127.0.0.1:9: is "zchat hub" running there?'), 10_000);
		silent.keys('C-c');
		assert.equal(await silent.waitExit(), 0);
	});

	test('a narrow terminal: the status bar says less instead of cutting off the room', async () => {
		const t = tui(['--nick', 'alexandria', '--room', 'engineering-platform', ...hub.args], {columns: 44, rows: 16});
		// The first frame comes before the hub's welcome ("● connecting… │ alexandria │ …"): wait
		// for the connected one, which is the one too narrow to say "connected".
		const screen = await t.waitScreen('connected', s => statusRow(s).startsWith('● │ alexandria │'));
		assert.match(statusRow(screen), /^● │ alexandria │ #engineering-platform 1 *$/);
		t.keys('C-c');
		assert.equal(await t.waitExit(), 0);
	});

	test('/part leaves the view beside the room; /close closes a tab; /query opens one; /help lists the keys', async () => {
		const bob = spawnZchat(['join', '--nick', 'bob', '--room', 'lobby', '--room', 'dev', '--json', '--stay', ...hub.args]);
		procs.push(bob);
		await bob.waitLine('"type":"join"');
		const t = tui(['--nick', 'erin', '--room', 'lobby', '--room', 'dev', ...hub.args]);
		await t.waitScreen('connected', s => s.includes('● connected │ erin │ #lobby'));
		t.keys('M-2');
		await t.waitScreen('#dev with bob', s => statusRow(s).includes('#dev 2 online') && /│bob/.test(s));

		t.type('/part');
		t.keys('Enter');
		const parted = await t.waitScreen('back in #lobby', s => statusRow(s).includes('│ #lobby'));
		assert.match(parted, /you left #dev: its tab stays until \/close/);
		assert.match(roomBar(parted), /#dev/, 'the tab stays');
		t.keys('M-2');
		const left = await t.waitScreen('the parted room', s => statusRow(s).includes('#dev (not joined)'));
		assert.doesNotMatch(left, /│bob/, 'no stale member list');
		t.type('/close');
		t.keys('Enter');
		await t.waitScreen('the tab closed', s => !roomBar(s).includes('#dev') && statusRow(s).includes('│ #lobby'));

		t.type('/query bob');
		t.keys('Enter');
		await t.waitScreen('the conversation, and what the hub says of bob', s => statusRow(s).includes('private conversation with bob') && /bob: in #/.test(s));
		t.type('/close');
		t.keys('Enter');
		await t.waitScreen('closed', s => !roomBar(s).includes('@bob'));

		t.type('/help');
		t.keys('Enter');
		await t.waitScreen('the keys in /help', s => s.includes('Alt+1…9') && s.includes('Ctrl+N and Ctrl+P'));
		t.keys('C-c');
		assert.equal(await t.waitExit(), 0);
		bob.child.kill('SIGTERM');
		await bob.exited;
	});

	test('a member who is away is greyed in the member list, and coloured again when back', async () => {
		const bob = spawnZchat(['join', '--nick', 'awaybob', '--stay', ...hub.args]);
		procs.push(bob);
		const t = tui(['--nick', 'watcher', ...hub.args]);
		// The member list's row for bob with its SGR escapes (tmux capture-pane -e): dim runs on from
		// the list's dim border when nothing resets it; a colour code right before the nick when here.
		const bobRow = () => t.screen(true).split('\n').find(r => /│(\x1b\[[0-9;]*m)*awaybob/.test(r)) ?? '';
		const greyed = () => /\x1b\[2m│?(\x1b\[(?!0m)[0-9;]*m)*awaybob/.test(bobRow());
		const coloured = () => /\x1b\[(3[0-7]|9[0-7]|38;[0-9;]+)m(\x1b\[[0-9;]*m)*awaybob/.test(bobRow()) && !greyed();
		await t.waitScreen('bob in the member list, in his colour', () => coloured());
		bob.child.stdin.write('/away lunch\n');
		await t.waitScreen('bob greyed', () => greyed());
		assert.doesNotMatch(t.screen(), /lunch|is away/, 'no line in the feed');
		bob.child.stdin.write('/back\n');
		await t.waitScreen('bob coloured again', () => coloured());
		t.keys('C-c');
		assert.equal(await t.waitExit(), 0);
		bob.child.kill('SIGTERM');
		await bob.exited;
	});

	test('/set saves a setting in the settings file, for the next start', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'zchat-set-'));
		try {
			const file = join(dir, 'config.json');
			const t = tui(['--nick', 'setter', ...hub.args], undefined, {ZCHAT_CONFIG: file});
			await t.waitScreen('the TUI', s => s.includes('● connected │ setter'));
			t.type('/set bell off');
			t.keys('Enter');
			await t.waitScreen('the setting saved', s => s.includes(`saved bell = off in ${file}`));
			assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {bell: false});
			t.type('/set volume 11');
			t.keys('Enter');
			await t.waitScreen('an unknown setting refused', s => s.includes('/set: there is no setting "volume"'));
			assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {bell: false}, 'the file is unchanged');
			t.keys('C-c');
			assert.equal(await t.waitExit(), 0);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});
