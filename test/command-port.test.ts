/**
 * The hub's command port, wired to the core: what a connection may owe in replies (large
 * replies in flight, one a turn), history pages bounded in bytes, and the core's view of a
 * message split across turns. A real hub in this process, raw ZMTP and zeromq.js peers.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {LARGE_REPLIES_IN_FLIGHT} from '../src/hub/command-port.js';
import type {HubServer} from '../src/hub/server.js';
import {Store} from '../src/hub/store.js';
import {MAX_HISTORY_BYTES} from '../src/protocol/limits.js';
import type {HistoryReply} from '../src/protocol/types.js';
import {RawDealer} from './helpers/client.js';
import {CoreHarness} from './helpers/core-harness.js';
import {startHub} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';
import {frameBytes, RawPeer} from './helpers/zmtp-peer.js';

const LINE = 'x'.repeat(4000);

describe('the command port: replies owed', () => {
	let hub: HubServer;

	before(async () => {
		hub = await startHub();
		// A room of long lines: every page of history is as large as a page may be.
		const seeder = new RawDealer(hub);
		await seeder.hello('seeder');
		for (let i = 0; i < 200; i += 16) await seeder.send(...Array.from({length: 16}, (_, k) => ({type: 'say', id: `s${i + k}`, room: 'lobby', text: LINE})));
		await seeder.reply('ack', r => r.re === 's207', 20_000);
		await seeder.close();
	});

	after(async () => {
		await hub.stop();
	});

	const peerStats = (id: number) => hub.commands.connectionStats().find(c => c.id === id);

	it('a peer that never reads: its questions wait, unread, once its replies stop being taken; the others are served; it gets every answer, in order, once it reads', async () => {
		const reader = await RawPeer.connect(hub.subPort);
		await reader.nullHandshake();
		const id = await waitFor('the hub to list the new connection', () => hub.commands.connectionStats().find(c => c.messagesIn === 0)?.id);
		const bystander = new RawDealer(hub);
		try {
			reader.socket.pause();
			const questions = 200;
			reader.write(Buffer.concat(Array.from({length: questions}, (_, i) => frameBytes(0, JSON.stringify({type: 'history', id: `q${i}`, room: 'lobby', limit: 500})))));
			// The kernel takes what it can hold; then the hub stops answering, and stops reading it.
			let last = -1;
			let still = 0;
			await waitFor('the answers to stop', () => {
				const s = peerStats(id)!;
				still = s.messagesOut === last ? still + 1 : 0;
				last = s.messagesOut;
				return s.held && still >= 10;
			}, 15_000, 30);
			const held = peerStats(id)!;
			assert.ok(held.messagesOut < questions, `${held.messagesOut} of ${questions} answered while it does not read`);
			assert.ok(held.unsentBytes <= hub.commands.limits.maxUnsentBytes, `${held.unsentBytes} bytes unsent`);
			assert.ok(hub.commands.stats(Buffer.alloc(6)).port!.waiting > 0, 'its questions wait');
			// Others are served meanwhile.
			await bystander.send({type: 'ping', id: 'still-there'});
			await bystander.reply('pong', r => r.re === 'still-there');
			// It reads: every question is answered, in order.
			reader.socket.resume();
			const ids: string[] = [];
			while (ids.length < questions) {
				for (const part of await reader.receive(10_000)) ids.push((JSON.parse(part) as HistoryReply).re!);
			}
			assert.deepEqual(ids, Array.from({length: questions}, (_, i) => `q${i}`));
		} finally {
			reader.destroy();
			await bystander.close();
		}
	});

	it(`one message of 16 questions: answered in full and in order (at most ${LARGE_REPLIES_IN_FLIGHT} in flight, one a turn)`, async () => {
		const asker = new RawDealer(hub);
		try {
			await asker.send(...Array.from({length: 16}, (_, i) => ({type: i % 2 === 0 ? 'history' : 'who', id: `m${i}`, room: 'lobby', limit: 500})));
			await waitFor('16 answers', () => asker.replies.length >= 16, 10_000);
			assert.deepEqual(
				asker.replies.map(r => ('re' in r ? r.re : undefined)),
				Array.from({length: 16}, (_, i) => `m${i}`),
			);
			assert.ok(asker.replies.every(r => r.type === 'history' || r.type === 'who'), JSON.stringify(asker.replies.map(r => r.type)));
		} finally {
			await asker.close();
		}
	});
});

describe('history pages are bounded in bytes', () => {
	it(`a page stops at ${MAX_HISTORY_BYTES / 1024} KiB of events, says more, and keeps the right end`, () => {
		const h = new CoreHarness(new Store());
		const a = h.peer('a');
		h.hello(a);
		for (let i = 0; i < 100; i++) h.send(a, {type: 'say', id: `s${i}`, room: 'lobby', text: LINE});
		const size = (r: HistoryReply) => r.events.reduce((n, e) => n + JSON.stringify(e).length, 0);
		const latest = h.ask(a, {type: 'history', room: 'lobby', limit: 500}) as HistoryReply;
		assert.ok(latest.more && latest.events.length < 100 && size(latest) <= MAX_HISTORY_BYTES, `${latest.events.length} events, ${size(latest)} bytes`);
		assert.equal(latest.events.at(-1)!.seq, latest.head, 'going back, a page keeps the latest events');
		const after = h.ask(a, {type: 'history', room: 'lobby', after: 0, limit: 500}) as HistoryReply;
		assert.ok(after.more && after.events[0]!.seq === 1, 'after a seq, a page keeps the oldest');
		// Paged to the end, nothing is missed.
		const seqs: number[] = [];
		for (let from = 0, more = true; more; ) {
			const page = h.ask(a, {type: 'history', room: 'lobby', after: from, limit: 500}) as HistoryReply;
			seqs.push(...page.events.map(e => e.seq));
			more = page.more;
			from = seqs.at(-1)!;
		}
		assert.deepEqual(seqs, Array.from({length: latest.head}, (_, i) => i + 1));
		// One event larger than the budget still comes, alone.
		const one = h.ask(a, {type: 'history', room: 'lobby', limit: 1}) as HistoryReply;
		assert.equal(one.events.length, 1);
	});
});
