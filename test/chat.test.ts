import assert from 'node:assert/strict';
import {after, afterEach, before, describe, test} from 'node:test';
import type {HubServer} from '../src/hub/server.js';
import {pendingLines} from '../src/client/state.js';
import {connectClient, RawDealer, RawSub, type TestClient} from './helpers/client.js';
import {startHub} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/**
 * A hub and several clients in this process, talking over real TCP on 127.0.0.1.
 */
describe('chat over real sockets', () => {
	let hub: HubServer;
	const open: Array<{close(): Promise<void>}> = [];
	const track = <T extends {close(): Promise<void>}>(x: T): T => {
		open.push(x);
		return x;
	};

	before(async () => {
		hub = await startHub();
	});
	afterEach(async () => {
		await Promise.all(open.splice(0).map(x => x.close()));
	});
	after(async () => {
		await hub.stop();
	});

	test('two clients chat, each sees the other under the right nick', async () => {
		const alice = track(connectClient(hub, 'alice1'));
		const bob = track(connectClient(hub, 'bob1'));
		await Promise.all([alice.waitConnected(), bob.waitConnected()]);
		alice.client.line('hello bob');
		await bob.waitMessage('hello bob');
		bob.client.line('hi alice');
		await alice.waitMessage('hi alice');
		assert.ok(bob.messages().includes('alice1: hello bob'));
		assert.ok(alice.messages().includes('bob1: hi alice'));
		await waitFor('alice to have no pending lines', () => pendingLines(alice.client.state).length === 0);
	});

	test('a late joiner gets the history and then the live feed, without duplicates', async () => {
		const alice = track(connectClient(hub, 'alice2', {rooms: ['late']}));
		await alice.waitConnected();
		for (let i = 1; i <= 30; i++) alice.client.line(`early ${i}`);
		await waitFor('30 acks', () => pendingLines(alice.client.state).length === 0);
		const carol = track(connectClient(hub, 'carol2', {rooms: ['late'], history: 20}));
		await carol.waitConnected();
		for (let i = 1; i <= 10; i++) alice.client.line(`live ${i}`);
		await carol.waitMessage('live 10');
		const seen = carol.messages('late');
		const expected = [...Array.from({length: 20}, (_, i) => `alice2: early ${i + 11}`), ...Array.from({length: 10}, (_, i) => `alice2: live ${i + 1}`)];
		// The history shows the last 20 events, which include alice's join? No: 30 messages came after it.
		assert.deepEqual(seen, expected);
		const seqs = carol.shown.flatMap(({item}) => (item.kind === 'event' ? [item.event.seq] : []));
		assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');
		assert.equal(new Set(seqs).size, seqs.length, 'no duplicates');
	});

	test('many messages from several clients arrive complete and in order everywhere', async () => {
		const clients: TestClient[] = ['p1', 'p2', 'p3'].map(n => track(connectClient(hub, n, {rooms: ['busy']})));
		await Promise.all(clients.map(c => c.waitConnected()));
		const per = 200;
		for (let i = 0; i < per; i++) for (const c of clients) c.client.line(`${c.client.state.nick} ${i}`);
		await Promise.all(
			clients.map(c => waitFor(`${c.client.state.nick} to see all`, () => c.messages('busy').length >= per * clients.length, 20_000)),
		);
		for (const c of clients) {
			const got = c.messages('busy');
			assert.equal(got.length, per * clients.length);
			for (const sender of clients) {
				const nick = sender.client.state.nick;
				const mine = got.filter(m => m.startsWith(nick + ':'));
				assert.deepEqual(
					mine,
					Array.from({length: per}, (_, i) => `${nick}: ${nick} ${i}`),
					`${nick}'s lines as seen by ${c.client.state.nick}`,
				);
			}
		}
	});

	test('no field a client sends can make a message appear under another nick', async () => {
		const sub = track(new RawSub(hub, '#lobby:'));
		const victim = track(connectClient(hub, 'victim'));
		await victim.waitConnected();
		const mallory = track(new RawDealer(hub));
		await mallory.hello('mallory');
		await mallory.send({type: 'say', id: 'x1', room: 'lobby', text: 'I am victim', from: 'victim', nick: 'victim', sender: 'victim', user: 'victim'});
		await mallory.send({type: 'say', id: 'x2', room: 'lobby', text: 'spoof', seq: 1, epoch: 'forged', ts: 0});
		await mallory.send({type: 'nick', nick: 'VICTIM'});
		await mallory.send({type: 'msg', id: 'x3', to: 'victim', text: 'psst', from: 'victim'});
		await mallory.reply('error', r => r.code === 'nick_taken');
		await victim.waitMessage('spoof');
		const lines = victim.messages();
		assert.ok(lines.includes('mallory: I am victim'));
		assert.ok(lines.includes('mallory: spoof'));
		assert.ok(!lines.some(l => l.startsWith('victim:')), `nothing under victim's name: ${JSON.stringify(lines)}`);
		await waitFor('a dm to the victim', () => victim.shown.some(s => s.item.kind === 'dm'));
		const dm = victim.shown.find(s => s.item.kind === 'dm')!.item;
		assert.ok(dm.kind === 'dm' && dm.from === 'mallory');
		assert.ok(!sub.text().includes('"from":"victim","text":"I am victim"'));
	});

	test('malformed input gets error replies and never reaches anyone; the hub keeps serving', async () => {
		const watcher = track(connectClient(hub, 'watcher'));
		await watcher.waitConnected();
		const evil = track(new RawDealer(hub));
		await evil.hello('evil');
		await evil.send('not json');
		await evil.send(Buffer.from([0xff, 0xfe]));
		await evil.send({type: 'say', id: 'big', room: 'lobby', text: 'x'.repeat(5000)});
		await evil.send({type: 'rm -rf'});
		await evil.send(...Array.from({length: 40}, () => ({type: 'ping'})));
		await evil.send(Buffer.alloc(0));
		await evil.send(Buffer.alloc(100_000, 0x41));
		const codes = await waitFor(() => `seven errors (got ${JSON.stringify(evil.replies.slice(1))})`, () => {
			const c = evil.replies.filter(r => r.type === 'error').map(r => (r.type === 'error' ? r.code : ''));
			return c.length >= 7 ? c : undefined;
		});
		assert.deepEqual(codes, ['bad_json', 'bad_utf8', 'text_too_long', 'bad_type', 'bad_frame', 'bad_frame', 'bad_frame']);
		watcher.client.line('still here');
		await watcher.waitMessage('still here');
		assert.ok(!watcher.messages().some(m => m.startsWith('evil:')));
	});

	test('rooms are topics: a subscriber to #dev never receives #devops', async () => {
		const devOnly = track(new RawSub(hub, '#dev:'));
		const dev = track(connectClient(hub, 'devuser', {rooms: ['dev']}));
		const ops = track(connectClient(hub, 'opsuser', {rooms: ['devops']}));
		await Promise.all([dev.waitConnected(), ops.waitConnected()]);
		ops.client.line('devops only');
		dev.client.line('dev only');
		await dev.waitMessage('dev only');
		await ops.waitMessage('devops only');
		await waitFor('the raw subscriber to get #dev traffic', () => devOnly.text().includes('dev only'));
		assert.ok(!devOnly.text().includes('devops only'));
		assert.ok(!dev.messages().some(m => m.includes('devops only')));
		assert.ok(devOnly.messages.every(m => m[0] === '#dev:'));
	});

	test('private messages never go over PUB: a raw subscriber to everything never sees one', async () => {
		const everything = track(new RawSub(hub, ''));
		const a = track(connectClient(hub, 'dm-a'));
		const b = track(connectClient(hub, 'dm-b'));
		await Promise.all([a.waitConnected(), b.waitConnected()]);
		a.client.line('/msg dm-b the password is swordfish');
		await waitFor('b to receive the DM', () => b.shown.some(s => s.item.kind === 'dm' && s.item.text.includes('swordfish')));
		a.client.line('public line after the dm');
		await waitFor('the public line on the raw subscriber', () => everything.text().includes('public line after the dm'));
		assert.ok(!everything.text().includes('swordfish'));
		a.client.line('/msg nobody-here hello?');
		await waitFor('an error for a DM to nobody', () => a.shown.some(s => s.item.kind === 'failed' && s.item.error.includes('nobody-here is not online')));
	});
});
