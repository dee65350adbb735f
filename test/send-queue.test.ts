import assert from 'node:assert/strict';
import {afterEach, describe, test} from 'node:test';
import * as zmq from 'zeromq';
import {SendQueue} from '../src/zmq/send-queue.js';
import {waitFor} from './helpers/wait.js';

/**
 * The queue every zeromq socket of ours sends through, on real sockets over 127.0.0.1:
 * order, no EBUSY however fast messages come, what idle() and clear() promise, and a failed
 * send that drops one message and not the rest.
 */

const open: Array<zmq.Dealer | zmq.Router> = [];
afterEach(() => {
	for (const s of open.splice(0)) s.close();
});

function dealer(options: zmq.SocketOptions<zmq.Dealer> = {}): zmq.Dealer {
	const d = new zmq.Dealer({linger: 0, ...options});
	open.push(d);
	return d;
}

/** A ROUTER on an ephemeral port that keeps the text of every message's last frame. */
async function router(): Promise<{endpoint: string; got: string[]}> {
	const r = new zmq.Router({linger: 0});
	open.push(r);
	await r.bind('tcp://127.0.0.1:*');
	const got: string[] = [];
	void (async () => {
		try {
			for await (const frames of r) got.push(frames.at(-1)!.toString());
		} catch {
			// closed
		}
	})();
	return {endpoint: r.lastEndpoint!, got};
}

describe('SendQueue on real sockets', () => {
	test('thousands of pushes without waiting arrive, all in order, with no EBUSY', async () => {
		const hub = await router();
		const d = dealer();
		d.connect(hub.endpoint);
		const errors: unknown[] = [];
		const q = new SendQueue(d, err => errors.push(err));
		const n = 3000; // past the 1024 entries after which the queue drops what it sent
		for (let i = 0; i < n; i++) q.push([`m${i}`]);
		assert.ok(q.length > 0 && q.length <= n, `pushes are queued, not sent at once (length ${q.length})`);
		await q.idle();
		assert.equal(q.length, 0);
		await waitFor(() => `${n} messages at the router (got ${hub.got.length})`, () => hub.got.length === n);
		assert.deepEqual(hub.got, Array.from({length: n}, (_, i) => `m${i}`));
		assert.deepEqual(errors, []);
	});

	test('idle() resolves at once when nothing is queued, and again after later pushes', async () => {
		const hub = await router();
		const d = dealer();
		d.connect(hub.endpoint);
		const q = new SendQueue(d);
		await q.idle();
		q.push(['one']);
		q.push(['two', 'frames']);
		await q.idle();
		assert.equal(q.length, 0);
		await waitFor('both messages', () => hub.got.length === 2);
		assert.deepEqual(hub.got, ['one', 'frames']);
	});

	test('a send that fails is reported and dropped; the messages after it still go', async () => {
		// A DEALER with no peer and no wait: every send fails at once (EAGAIN).
		const d = dealer({sendTimeout: 0});
		const errors: Array<{code?: string}> = [];
		const q = new SendQueue(d, err => errors.push(err as {code?: string}));
		q.push(['lost 1']);
		q.push(['lost 2']);
		q.push(['lost 3']);
		await q.idle();
		assert.equal(errors.length, 3, 'one report per message');
		assert.ok(errors.every(e => e.code === 'EAGAIN'), JSON.stringify(errors));
		assert.equal(q.length, 0);
		// Once a peer is there, the same queue sends again.
		const hub = await router();
		let connected = false;
		d.events.on('connect', () => {
			connected = true;
		});
		d.connect(hub.endpoint);
		await waitFor('the dealer to connect', () => connected);
		q.push(['after']);
		await q.idle();
		await waitFor('the message after the failures', () => hub.got.length === 1);
		assert.deepEqual(hub.got, ['after']);
		assert.equal(errors.length, 3);
	});

	test('clear() forgets what waits, not what is being sent', async () => {
		// With no peer, a DEALER's send waits: the first message is in flight, the rest queued.
		const d = dealer();
		const q = new SendQueue(d);
		q.push(['first']);
		q.push(['second']);
		q.push(['third']);
		assert.equal(q.length, 2, 'one in flight, two waiting');
		q.clear();
		assert.equal(q.length, 0);
		const hub = await router();
		d.connect(hub.endpoint);
		await q.idle();
		q.push(['after']);
		await q.idle();
		await waitFor(() => `the first and the last message (got ${JSON.stringify(hub.got)})`, () => hub.got.length === 2);
		assert.deepEqual(hub.got, ['first', 'after']);
	});

	test('a closed socket: every send fails and is reported, nothing throws', async () => {
		const d = dealer();
		d.close();
		const errors: unknown[] = [];
		const q = new SendQueue(d, err => errors.push(err));
		q.push(['a']);
		q.push(['b']);
		await q.idle();
		assert.equal(errors.length, 2);
		assert.equal(q.length, 0);
	});
});
