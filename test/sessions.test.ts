import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {pendingLines, type RoomView} from '../src/client/state.js';
import {HubServer} from '../src/hub/server.js';
import {connectClient, RawDealer, RawSub} from './helpers/client.js';
import {startHub, tempDir} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/** Sessions, not routing ids: resumes, takeovers, restarts and epochs over real sockets. */

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
	for (const f of cleanup.reverse()) await f();
});

describe('sessions', () => {
	test('the same secret on a new connection resumes the session, and nobody sees it leave', async () => {
		const hub = await startHub();
		cleanup.push(() => hub.stop());
		const feed = new RawSub(hub, '#lobby:');
		cleanup.push(() => feed.close());
		// A SUB connects and subscribes on its own time: the join is published only once it has.
		await waitFor('the feed to have our subscription', () => hub.feed.stats().subscriptions >= 1);
		const secret = 'a-secret-of-alice-0123456789';
		const first = new RawDealer(hub);
		await first.send({type: 'hello', v: 1, id: 'h', nick: 'alice', session: secret});
		await first.reply('welcome');
		await waitFor('the join on the feed', () => feed.text().includes('"type":"join"'));
		await first.close(); // the connection is gone; the session is not
		const second = new RawDealer(hub);
		cleanup.push(() => second.close());
		await second.send({type: 'hello', v: 1, id: 'h2', nick: 'alice', session: secret});
		const w = await second.reply('welcome');
		assert.equal(w.resumed, true);
		await second.send({type: 'say', id: 'm1', room: 'lobby', text: 'still me'});
		await second.reply('ack');
		await waitFor('the message on the feed', () => feed.text().includes('still me'));
		assert.equal((feed.text().match(/"type":"join"/g) ?? []).length, 1, 'one join');
		assert.ok(!feed.text().includes('"type":"part"'), 'no part');
	});

	test('a new client cannot take over a session or a nick without the secret', async () => {
		const hub = await startHub();
		cleanup.push(() => hub.stop());
		const alice = connectClient(hub, 'alice');
		cleanup.push(() => alice.close());
		await alice.waitConnected();
		const mallory = new RawDealer(hub);
		cleanup.push(() => mallory.close());
		await mallory.send({type: 'hello', v: 1, id: 'h', nick: 'alice', session: 'guessing-a-secret-000000'});
		const e = await mallory.reply('error');
		assert.equal(e.code, 'nick_taken');
		await mallory.send({type: 'say', id: 'm1', room: 'lobby', text: 'as alice?'});
		assert.equal((await mallory.reply('error', r => r.re === 'm1')).code, 'no_session');
		alice.client.line('the real alice');
		await alice.waitMessage('the real alice');
		assert.deepEqual(alice.messages(), ['alice: the real alice']);
	});

	test('a client shows reconnecting while the hub is down and resumes by itself; its line arrives once', async () => {
		const data = tempDir();
		cleanup.push(() => data.remove());
		const first = await startHub({dataDir: data.path});
		const ports = {subPort: first.subPort, pubPort: first.pubPort};
		const alice = connectClient(ports, 'alice', {rooms: ['lobby']});
		cleanup.push(() => alice.close());
		await alice.waitConnected();
		const epoch = alice.client.state.epoch;
		await first.stop();
		await waitFor('alice to notice', () => alice.client.state.connection === 'reconnecting', 15_000);
		alice.client.line('typed while the hub was down');
		assert.equal(pendingLines(alice.client.state).length, 1, 'kept as pending');
		const second = await HubServer.start({host: '127.0.0.1', ...ports, dataDir: data.path});
		cleanup.push(() => second.stop());
		await waitFor('alice to be back', () => alice.client.state.connection === 'connected', 15_000);
		assert.equal(alice.client.state.epoch, epoch, 'same data, same epoch');
		await alice.waitMessage('typed while the hub was down', 10_000);
		assert.equal(alice.messages().filter(m => m.endsWith('typed while the hub was down')).length, 1);
		await waitFor('nothing pending', () => pendingLines(alice.client.state).length === 0);
	});

	test('a hub on new data (a new epoch): the client resyncs and says so', async () => {
		const first = await startHub();
		const ports = {subPort: first.subPort, pubPort: first.pubPort};
		const bob = connectClient(ports, 'bob');
		cleanup.push(() => bob.close());
		await bob.waitConnected();
		bob.client.line('before');
		await bob.waitMessage('before');
		const oldEpoch = bob.client.state.epoch;
		await first.stop();
		const second = await HubServer.start({host: '127.0.0.1', ...ports});
		cleanup.push(() => second.stop());
		await waitFor('the new epoch', () => bob.client.state.epoch !== oldEpoch && bob.client.state.connection === 'connected', 15_000);
		await waitFor('the resync notice', () => bob.shown.some(s => s.item.kind === 'notice' && /started on new data/.test(s.item.text)));
		await waitFor('synced again', () => (bob.client.state.views['#lobby'] as RoomView).synced);
		bob.client.line('after');
		await bob.waitMessage('after');
		assert.deepEqual(bob.messages(), ['bob: before', 'bob: after'], 'no duplicates across the epochs');
	});
});
