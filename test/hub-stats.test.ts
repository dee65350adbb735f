import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import * as zmq from 'zeromq';
import {HubCore} from '../src/hub/core.js';
import {Store} from '../src/hub/store.js';
import {decodeReplyFrame} from '../src/protocol/incoming.js';
import type {StatsReply} from '../src/protocol/types.js';
import {startHub} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/** The stats reply's socket-level counts: connections on the ROUTER, subscribers on the PUB. */

const req = (command: object) => [Buffer.alloc(0), Buffer.from(JSON.stringify(command))];

describe('stats: connections and subscribers', () => {
	it('the core reports the counts the transport keeps, to a REQ', () => {
		const store = new Store();
		const core = new HubCore(store, 1000);
		core.connections.router = 3;
		core.connections.pub = 2;
		core.receive(Buffer.from('asker'), req({type: 'stats', id: 's1'}), 4000);
		const out = core.flush();
		assert.equal(out.replies.length, 1);
		const reply = out.replies[0]!;
		assert.equal(reply.envelope, 'req');
		const stats = decodeReplyFrame(Buffer.from(reply.frames[0]!)) as StatsReply;
		assert.deepEqual(
			{type: stats.type, re: stats.re, uptimeMs: stats.uptimeMs, sessions: stats.sessions, connections: stats.connections, subscribers: stats.subscribers},
			{type: 'stats', re: 's1', uptimeMs: 3000, sessions: 0, connections: 3, subscribers: 2},
		);
		store.close();
	});

	it('the server counts connections (command port and feed), up and down again', async () => {
		const hub = await startHub();
		const sockets: Array<zmq.Subscriber | zmq.Dealer> = [];
		try {
			assert.deepEqual(hub.core.connections, {router: 0, pub: 0});
			for (let i = 0; i < 2; i++) {
				const sub = new zmq.Subscriber({linger: 0});
				sub.connect(hub.pubEndpoint);
				sockets.push(sub);
			}
			const dealer = new zmq.Dealer({linger: 0});
			dealer.connect(hub.routerEndpoint);
			sockets.push(dealer);
			await waitFor('2 subscribers and 1 connection', () => hub.core.connections.pub === 2 && hub.core.connections.router === 1);

			// The count is what a stats question gets back.
			const asker = new zmq.Request({linger: 0, receiveTimeout: 5000});
			asker.connect(hub.routerEndpoint);
			await asker.send(JSON.stringify({type: 'stats'}));
			const [frame] = await asker.receive();
			const stats = decodeReplyFrame(frame!) as StatsReply;
			assert.equal(stats.subscribers, 2);
			assert.ok(stats.connections === 1 || stats.connections === 2, `connections ${stats.connections}: the dealer, and maybe the asker`);
			asker.close();

			for (const s of sockets.splice(0)) s.close();
			await waitFor('everyone to be gone', () => hub.core.connections.pub === 0 && hub.core.connections.router === 0);
		} finally {
			for (const s of sockets) s.close();
			await hub.stop();
		}
	});
});
