import assert from 'node:assert/strict';
import {after, afterEach, before, describe, test} from 'node:test';
import {pendingLines, type FeedItem, type RoomView} from '../src/client/state.js';
import type {HubServer} from '../src/hub/server.js';
import {answerText} from '../src/ui/answers.js';
import {spawnHub, spawnZchat, type Proc} from './helpers/cli.js';
import {connectClient, type TestClient} from './helpers/client.js';
import {startHub} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/** Every command of the chat, and its error paths, between real clients over real sockets. */

/** The notices a client showed, and the hub's answers in the words the view gives them. */
function notices(c: TestClient): string[] {
	return c.shown.flatMap(({item}) =>
		item.kind === 'notice' ? [item.text] : item.kind === 'answer' ? [answerText(item.answer, item.ts)] : item.kind === 'failed' ? [`not delivered: ${item.error}`] : [],
	);
}

async function waitNotice(c: TestClient, pattern: RegExp): Promise<string> {
	return waitFor(() => `a notice matching ${pattern} (got ${JSON.stringify(notices(c).slice(-4))})`, () => notices(c).find(n => pattern.test(n)));
}

function events(c: TestClient, type: string, room?: string): Array<Extract<FeedItem, {kind: 'event'}>['event']> {
	return c.shown.flatMap(({item}) => (item.kind === 'event' && item.event.type === type && (room === undefined || item.event.room === room) ? [item.event] : []));
}

describe('commands over real sockets', () => {
	let hub: HubServer;
	const open: TestClient[] = [];
	const client = (nick: string, rooms = ['lobby']) => {
		const c = connectClient(hub, nick, {rooms});
		open.push(c);
		return c;
	};
	before(async () => {
		hub = await startHub();
	});
	afterEach(async () => {
		await Promise.all(open.splice(0).map(c => c.close()));
	});
	after(async () => {
		await hub.stop();
	});

	test('/join creates a room, switches to it and is seen by members; /part leaves with a reason', async () => {
		const a = client('ja');
		const b = client('jb', ['lobby', 'newroom']);
		await Promise.all([a.waitConnected(), b.waitConnected()]);
		a.client.line('/join #NewRoom');
		await waitFor('a in #newroom', () => (a.client.state.views['#newroom'] as RoomView | undefined)?.synced);
		assert.equal(a.client.state.active, '#newroom');
		await waitFor('b to see a join #newroom', () => events(b, 'join', 'newroom').some(e => e.from === 'ja'));
		a.client.line('hello new room');
		await b.waitMessage('hello new room');
		a.client.line('/part #newroom gone fishing');
		await waitFor('b to see a leave', () => events(b, 'part', 'newroom').find(e => e.from === 'ja'));
		const part = events(b, 'part', 'newroom').find(e => e.from === 'ja')!;
		assert.equal((part as {reason?: string}).reason, 'gone fishing');
		a.client.line('/part #newroom');
		await waitNotice(a, /\/part: you are not in #newroom/);
		a.client.line('/join not a room!');
		await waitNotice(a, /usage: \/join #room/);
		a.client.line('/join #Bad:Name');
		await waitNotice(a, /is not a room name/);
	});

	test('/rooms lists rooms with members and topics; /topic shows and sets', async () => {
		const a = client('ra', ['lobby', 'ops']);
		const b = client('rb', ['ops']);
		await Promise.all([a.waitConnected(), b.waitConnected()]);
		a.client.line('/switch #ops');
		a.client.line('/topic deploy freeze until friday');
		await waitFor('b to see the topic change', () => events(b, 'topic', 'ops').length === 1);
		assert.equal((b.client.state.views['#ops'] as RoomView).topic, 'deploy freeze until friday');
		b.client.line('/topic');
		await waitNotice(b, /^topic of #ops: deploy freeze until friday$/);
		b.client.line('/rooms');
		await waitNotice(b, /^#ops \(2\): deploy freeze until friday$/);
		// A later joiner gets the topic with the room.
		const c = client('rc', ['ops']);
		await c.waitConnected();
		assert.equal((c.client.state.views['#ops'] as RoomView).topic, 'deploy freeze until friday');
	});

	test('/msg and /reply are private; /msg to nobody says so', async () => {
		const a = client('ma');
		const b = client('mb');
		const c = client('mc');
		await Promise.all([a.waitConnected(), b.waitConnected(), c.waitConnected()]);
		a.client.line('/reply too early');
		await waitNotice(a, /nobody has sent you a private message yet/);
		a.client.line('/msg mb are you there?');
		await waitFor('b to get the DM', () => b.shown.some(s => s.item.kind === 'dm' && s.item.text === 'are you there?'));
		assert.ok(b.client.state.views['@ma'], 'a conversation view opens for the sender');
		b.client.line('/reply yes, here');
		await waitFor('a to get the reply', () => a.shown.some(s => s.item.kind === 'dm' && !s.item.self && s.item.text === 'yes, here'));
		assert.ok(!c.shown.some(s => s.item.kind === 'dm'), 'c saw no private message');
		a.client.line('/msg ghost boo');
		await waitNotice(a, /not delivered: ghost is not online/);
		assert.equal(a.client.state.views['@ghost'], undefined, 'no conversation opened with a nick that is not online');
		a.client.line('/msg');
		await waitNotice(a, /usage: \/msg nick text/);
	});

	test('/me, /nick (and a taken nick), /who, /whois, /away, /back', async () => {
		const a = client('wa');
		const b = client('wb');
		await Promise.all([a.waitConnected(), b.waitConnected()]);
		a.client.line('/me stretches');
		await waitFor('b to see the action', () => events(b, 'message').some(e => e.type === 'message' && e.action === true && e.text === 'stretches'));
		a.client.line('/nick wb');
		await waitNotice(a, /the nick "wb" is taken/);
		a.client.line('/nick wa2');
		await waitNotice(a, /you are now known as wa2/);
		await waitFor('b to see the rename', () => events(b, 'nick').some(e => e.from === 'wa' && (e as {to: string}).to === 'wa2'));
		assert.deepEqual((b.client.state.views['#lobby'] as RoomView).members.filter(m => m.startsWith('w')), ['wa2', 'wb']);
		a.client.line('/away lunch');
		await waitNotice(a, /you are marked away: lunch/);
		b.client.line('/who');
		await waitNotice(b, /in #lobby: .*wa2 \(away: lunch\)/);
		b.client.line('/whois wa2');
		await waitNotice(b, /^wa2: in #lobby, idle \d+s, connected \d+s ago, away: lunch$/);
		b.client.line('/msg wa2 ping');
		await waitNotice(b, /wa2 is away: lunch/);
		a.client.line('/back');
		await waitNotice(a, /you are back/);
		b.client.line('/whois nobody');
		await waitNotice(b, /nobody is not online/);
		b.client.line('/who *');
		await waitNotice(b, /in the hub: /);
	});

	test('/ignore hides someone (through a rename), /unignore shows them again', async () => {
		const a = client('ia');
		const b = client('ib');
		const c = client('ic');
		await Promise.all([a.waitConnected(), b.waitConnected(), c.waitConnected()]);
		a.client.line('/ignore ib');
		await waitNotice(a, /ignoring ib/);
		b.client.line('/msg ia hidden dm');
		b.client.line('hidden line');
		b.client.line('/nick ib2');
		await waitFor('b to have its lines acked', () => pendingLines(b.client.state).length === 0 && b.client.state.nick === 'ib2');
		// The hub sends to a's connection in order: once c's DM is there, b's was handled.
		c.client.line('/msg ia marker');
		await waitFor('a to get the marker DM', () => a.shown.some(s => s.item.kind === 'dm' && s.item.text === 'marker'));
		// The rename comes after the hidden line on the feed: once seen, the line was handled.
		await waitFor('a to see the rename', () => events(a, 'nick').some(e => e.from === 'ib' && (e as {to: string}).to === 'ib2'));
		a.client.line('/unignore ib2');
		await waitNotice(a, /no longer ignoring ib2/);
		b.client.line('visible line');
		await a.waitMessage('visible line');
		assert.ok(!a.messages().some(m => m.includes('hidden line')));
		assert.ok(!a.shown.some(s => s.item.kind === 'dm' && s.item.text === 'hidden dm'));
		a.client.line('/unignore nobody');
		await waitNotice(a, /you are not ignoring nobody/);
	});

	test('/help lists every command and explains one; unknown commands say what to do; /clear; /quit', async () => {
		const a = client('ha');
		await a.waitConnected();
		a.client.line('/help');
		for (const cmd of ['/join', '/part', '/rooms', '/topic', '/switch', '/msg', '/reply', '/me', '/nick', '/who', '/whois', '/away', '/back', '/ignore', '/unignore', '/clear', '/quit']) {
			await waitNotice(a, new RegExp('^' + cmd.replace('/', '\\/') + '\\b'));
		}
		a.client.line('/help msg');
		await waitNotice(a, /never over the room feed/);
		a.client.line('/dance');
		await waitNotice(a, /unknown command "\/dance": \/help lists the commands/);
		a.client.line('/clear');
		await waitFor('an empty feed', () => a.client.state.views['#lobby']!.feed.length === 0);
		const exited = new Promise<number>(resolve => a.client.on('exit', code => resolve(code)));
		a.client.line('/quit see you');
		assert.equal(await exited, 0);
	});
});

describe('line mode: every command, JSON events that name room and kind', () => {
	const procs: Proc[] = [];
	after(() => {
		for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
	});

	test('two rooms, topic, nick change, action, DM and an error, as JSON', async () => {
		const hub = await spawnHub();
		procs.push(hub.proc);
		const bob = spawnZchat(['join', '--json', '--stay', '--nick', 'bob', '--room', 'lobby', '--room', 'dev', ...hub.args]);
		procs.push(bob);
		await bob.waitLine('"from":"bob","room":"dev"');
		const alice = spawnZchat(['join', '--json', '--nick', 'alice', '--room', 'lobby', '--room', 'dev', ...hub.args]);
		procs.push(alice);
		alice.child.stdin.end(['hi lobby', '/switch #dev', '/topic release day', '/me ships it', '/nick alicia', '/msg bob psst', '/frobnicate'].join('\n') + '\n');
		assert.equal(await alice.exited, 0);
		await bob.waitLine('"type":"dm"');
		const got = bob.lines().map(l => JSON.parse(l) as Record<string, unknown>);
		// The feed keeps the order alice typed, across rooms; the DM comes on another socket.
		const kinds = got.filter(e => e['type'] !== 'join' && e['type'] !== 'dm').map(e => [e['type'], e['room']]);
		assert.deepEqual(kinds.slice(0, 5), [
			['message', 'lobby'],
			['topic', 'dev'],
			['action', 'dev'],
			['nick', 'lobby'],
			['nick', 'dev'],
		]);
		const dm = got.find(e => e['type'] === 'dm')!;
		assert.deepEqual([dm['from'], dm['text']], ['alicia', 'psst']);
		const own = alice.lines().map(l => JSON.parse(l) as Record<string, unknown>);
		assert.ok(own.some(e => e['type'] === 'error' && String(e['text']).includes('unknown command "/frobnicate"')));
		bob.child.kill('SIGTERM');
		hub.proc.child.kill('SIGINT');
		await hub.proc.exited;
	});
});
