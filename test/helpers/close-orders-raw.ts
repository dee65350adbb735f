/**
 * Orders of opening, loading and closing bare zeromq sockets, the way the hub, the client, the
 * bench and the tests did them (some of them unsafe): each is one iteration of a stress run.
 */
import * as zmq from 'zeromq';
import {SendQueue} from '../../src/zmq/send-queue.js';

const ANY = 'tcp://127.0.0.1:*';
type Sock = zmq.Router | zmq.Dealer | zmq.Publisher | zmq.Subscriber;

/** Read everything a socket receives until it closes; `each` may answer. */
function drain(socket: zmq.Router | zmq.Dealer | zmq.Subscriber, each?: (frames: Buffer[]) => void): Promise<void> {
	return (async () => {
		try {
			for await (const frames of socket) each?.(frames);
		} catch {
			// closed
		}
	})();
}

/** Keep `queue` busy: push `make()` every tick until `until()` is false. */
function pump(queue: SendQueue, make: () => zmq.MessageLike[], until: () => boolean, burst = 20): Promise<void> {
	return (async () => {
		while (until()) {
			for (let i = 0; i < burst; i++) queue.push(make());
			await new Promise(resolve => setImmediate(resolve));
		}
	})();
}

function tick(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

/** Watch accept/disconnect as the hub does (a monitor socket per socket). */
function observe(socket: Sock): void {
	socket.events.on('accept', () => {});
	socket.events.on('disconnect', () => {});
}

interface Rig {
	router: zmq.Router;
	routerLoop: Promise<void>;
	dealers: zmq.Dealer[];
	dealerLoops: Promise<void>[];
	running: boolean;
	flows: Promise<void>[];
}

/** A ROUTER echoing to `n` DEALERs that send all the time. */
async function routerRig(n: number, linger = 500): Promise<Rig> {
	const router = new zmq.Router({linger, sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000});
	observe(router);
	await router.bind(ANY);
	const out = new SendQueue(router);
	const rig: Rig = {router, routerLoop: drain(router, f => out.push(f)), dealers: [], dealerLoops: [], running: true, flows: []};
	for (let i = 0; i < n; i++) {
		const d = new zmq.Dealer({linger: 0, reconnectInterval: 20, receiveHighWaterMark: 0});
		d.connect(router.lastEndpoint!);
		rig.dealers.push(d);
		rig.dealerLoops.push(drain(d));
		const q = new SendQueue(d);
		rig.flows.push(pump(q, () => ['{"type":"say","text":"x"}'], () => rig.running && !d.closed, 5));
	}
	return rig;
}

async function closeRig(rig: Rig): Promise<void> {
	rig.running = false;
	if (!rig.router.closed) rig.router.close();
	for (const d of rig.dealers) d.close();
	await Promise.all([rig.routerLoop, ...rig.dealerLoops, ...rig.flows]);
}

interface Feed {
	pub: zmq.Publisher;
	queue: SendQueue;
	subs: zmq.Subscriber[];
	subLoops: Promise<void>[];
	running: boolean;
	flow: Promise<void>;
}

/** A PUB publishing 2–16-frame messages to `n` SUBs without pause. */
async function feedRig(n: number, linger = 500, frames = 2): Promise<Feed> {
	const pub = new zmq.Publisher({linger, sendHighWaterMark: 1000});
	observe(pub);
	await pub.bind(ANY);
	const feed: Feed = {pub, queue: new SendQueue(pub), subs: [], subLoops: [], running: true, flow: Promise.resolve()};
	for (let i = 0; i < n; i++) feed.subs.push(subscriber(pub.lastEndpoint!, feed));
	const body = Array.from({length: frames - 1}, () => '{"type":"message","text":"hello"}');
	feed.flow = pump(feed.queue, () => ['#lobby:', ...body], () => feed.running);
	return feed;
}

function subscriber(endpoint: string, feed: Feed): zmq.Subscriber {
	const s = new zmq.Subscriber({linger: 0, reconnectInterval: 20, receiveHighWaterMark: 0});
	s.connect(endpoint);
	s.subscribe('#lobby:');
	feed.subLoops.push(drain(s));
	return s;
}

async function closeFeed(feed: Feed): Promise<void> {
	feed.running = false;
	if (!feed.pub.closed) feed.pub.close();
	for (const s of feed.subs) s.close();
	await Promise.all([feed.flow, ...feed.subLoops]);
}

/** Each order: one iteration, cleaning up after itself. */
export const rawOrders: Record<string, () => Promise<void>> = {
	/** The hub's stop() before: unbind (a libuv worker thread) while the receive loop is pending. */
	'router-unbind-while-receiving': async () => {
		const rig = await routerRig(6);
		await tick(15);
		await rig.router.unbind(rig.router.lastEndpoint!).catch(() => {});
		await closeRig(rig);
	},
	/** The open hub's stop() before: its guard drops every relay connection, then the ROUTER unbinds, receive pending. */
	'router-unbind-as-peers-leave': async () => {
		const rigs = await Promise.all([1, 2, 3].map(() => routerRig(12)));
		await tick(15);
		await Promise.all(
			// Peers leave one after another; the unbind lands among their disconnections.
			rigs.map(rig => amidLeaving(rig.dealers, () => rig.router.unbind(rig.router.lastEndpoint!).catch(() => {}))),
		);
		await Promise.all(rigs.map(closeRig));
	},
	/** The same, closing the ROUTER instead of unbinding it: what the hub does now. */
	'router-close-as-peers-leave': async () => {
		const rigs = await Promise.all([1, 2, 3].map(() => routerRig(12)));
		await tick(15);
		await Promise.all(
			rigs.map(rig => amidLeaving(rig.dealers, () => rig.router.close())),
		);
		await Promise.all(rigs.map(closeRig));
	},
	/** The feed's unbind while publishing, subscribers leaving one after another. */
	'pub-unbind-as-subscribers-leave': async () => {
		const feeds = await Promise.all([1, 2, 3].map(() => feedRig(12)));
		await tick(15);
		await Promise.all(
			feeds.map(feed => amidLeaving(feed.subs, () => feed.pub.unbind(feed.pub.lastEndpoint!).catch(() => {}))),
		);
		await Promise.all(feeds.map(closeFeed));
	},
	/** The hub's stop() before, on the feed: unbind while a publish is in flight. */
	'pub-unbind-while-sending': async () => {
		const feed = await feedRig(10);
		await tick(15);
		await feed.pub.unbind(feed.pub.lastEndpoint!).catch(() => {});
		await closeFeed(feed);
	},
	/** Unbind with nothing pending on the socket (nobody reads the ROUTER, nothing is sent). */
	'unbind-nothing-pending': async () => {
		const router = new zmq.Router({linger: 0});
		observe(router);
		await router.bind(ANY);
		const dealers = Array.from({length: 6}, () => new zmq.Dealer({linger: 0}));
		const flows = dealers.map(d => {
			d.connect(router.lastEndpoint!);
			return pump(new SendQueue(d), () => ['x'], () => !d.closed, 5);
		});
		await tick(15);
		await router.unbind(router.lastEndpoint!).catch(() => {});
		router.close();
		for (const d of dealers) d.close();
		await Promise.all(flows);
	},
	/** A second bind (a libuv worker thread) while the receive loop is pending. */
	'bind-while-receiving': async () => {
		const rig = await routerRig(6);
		await tick(15);
		await rig.router.bind(ANY).catch(() => {});
		await closeRig(rig);
	},
	/** A DEALER with thousands of queued messages to a ROUTER that does not read, closed at linger 0. */
	'close-queued-sends-linger-0': () => closeQueued(0),
	'close-queued-sends-linger-500': () => closeQueued(500),
	/** close() while a send() promise is pending (high-water mark reached, peer absent). */
	'close-send-pending': async () => {
		const d = new zmq.Dealer({linger: 0, sendHighWaterMark: 1, sendTimeout: -1});
		d.connect('tcp://127.0.0.1:9');
		const sends = [d.send('a').catch(() => {})];
		await tick(1);
		sends.push(d.send('b').catch(() => {}));
		d.close();
		await Promise.all(sends);
	},
	/** Clients closed while they reconnect: their hub closed under them, a new one bound on the port. */
	'close-while-reconnecting': async () => {
		const rig = await routerRig(6, 0);
		const endpoint = rig.router.lastEndpoint!;
		await tick(10);
		rig.router.close();
		await rig.routerLoop;
		const again = new zmq.Router({linger: 0});
		const bound = again.bind(endpoint).catch(() => {});
		await tick(5);
		await closeRig(rig);
		await bound;
		again.close();
	},
	/** A PUB with subscribers, closed in the middle of 16-frame messages. */
	'close-pub-mid-message-linger-0': () => closePubMidMessage(0),
	'close-pub-mid-message-linger-500': () => closePubMidMessage(500),
	/** DEALERs sending 16-frame bursts close while their ROUTER goes away (a client quitting as its hub stops). */
	'dealer-bursts-close-as-hub-leaves-linger-0': () => burstsCloseAsHubLeaves(0),
	'dealer-bursts-close-as-hub-leaves-linger-100': () => burstsCloseAsHubLeaves(100),
	/** A DEALER disconnected from its ROUTER and closed at once, replies in flight. */
	'disconnect-then-close': async () => {
		const rig = await routerRig(6);
		await tick(10);
		for (const d of rig.dealers) {
			d.disconnect(rig.router.lastEndpoint!);
			d.close();
		}
		await closeRig(rig);
	},
	/** A ROUTER closed (no unbind) with DEALERs mid-flow and its receive pending. */
	'router-close-mid-flow': async () => {
		const rig = await routerRig(8);
		await tick(15);
		rig.router.close();
		await tick(5);
		await closeRig(rig);
	},
	/** A context of its own per round, sockets lingering with queued messages, then dropped. */
	'context-with-lingering-sockets': async () => {
		const context = new zmq.Context();
		const router = new zmq.Router({context, linger: 0, receiveHighWaterMark: 10});
		await router.bind(ANY);
		const dealers = Array.from({length: 4}, () => new zmq.Dealer({context, linger: 1000, sendHighWaterMark: 10_000}));
		const queues = dealers.map(d => {
			d.connect(router.lastEndpoint!);
			const q = new SendQueue(d);
			for (let i = 0; i < 500; i++) q.push(['x'.repeat(100)]);
			return q;
		});
		await tick(10);
		for (const d of dealers) d.close();
		router.close();
		await Promise.all(queues.map(q => q.idle()));
		(globalThis as {gc?: () => void}).gc?.();
	},
	/** The hub's reauthenticateFeed() before: close the PUB mid-flow, bind a new one on its port. */
	'feed-replace': async () => {
		const feed = await feedRig(20);
		const endpoint = feed.pub.lastEndpoint!;
		await tick(15);
		await Promise.race([feed.queue.idle(), tick(200)]);
		feed.pub.linger = 0;
		feed.pub.close();
		const fresh = new zmq.Publisher({linger: 0});
		observe(fresh);
		for (let attempt = 0; attempt < 50; attempt++) {
			try {
				await fresh.bind(endpoint);
				break;
			} catch {
				await tick(20);
			}
		}
		const q = new SendQueue(fresh);
		for (let i = 0; i < 200; i++) q.push(['#lobby:', 'after']);
		await tick(10);
		await closeFeed(feed);
		fresh.close();
	},
	/** The client's reconnect() on bare sockets: disconnect and connect again, replies and sends in flight. */
	'dealer-reconnect': async () => {
		const rig = await routerRig(4);
		const endpoint = rig.router.lastEndpoint!;
		for (let i = 0; i < 5; i++) {
			await tick(3);
			for (const d of rig.dealers) {
				d.disconnect(endpoint);
				d.connect(endpoint);
			}
		}
		await closeRig(rig);
	},
};

async function closeQueued(linger: number): Promise<void> {
	const router = new zmq.Router({linger: 0, receiveHighWaterMark: 10});
	await router.bind(ANY);
	const d = new zmq.Dealer({linger, sendHighWaterMark: 10_000});
	d.connect(router.lastEndpoint!);
	const q = new SendQueue(d);
	for (let i = 0; i < 3000; i++) q.push(['x'.repeat(64)]);
	await tick(10);
	d.close();
	router.close();
	await q.idle();
}

async function closePubMidMessage(linger: number): Promise<void> {
	const feed = await feedRig(30, linger, 16);
	await tick(15);
	feed.pub.close();
	await tick(5);
	await closeFeed(feed);
}

async function burstsCloseAsHubLeaves(linger: number): Promise<void> {
	const router = new zmq.Router({linger: 0, receiveHighWaterMark: 0});
	await router.bind(ANY);
	const loop = drain(router);
	const dealers = Array.from({length: 12}, () => new zmq.Dealer({linger: 0, sendHighWaterMark: 10_000}));
	const body = Array.from({length: 16}, () => '{"type":"say","room":"lobby","text":"' + 'x'.repeat(200) + '"}');
	const flows = dealers.map(d => {
		d.connect(router.lastEndpoint!);
		return pump(new SendQueue(d), () => body, () => !d.closed, 5);
	});
	await tick(15);
	const leaving = (async () => {
		for (const d of dealers) {
			d.linger = linger;
			d.close();
			await new Promise(resolve => setImmediate(resolve));
		}
	})();
	await tick(Math.random() * 2);
	router.close();
	await Promise.all([leaving, loop, ...flows]);
}

/** Close `peers` one a turn of the event loop, and do `act` to the server among their closes. */
async function amidLeaving(peers: ReadonlyArray<{close(): void}>, act: () => unknown): Promise<void> {
	const leaving = (async () => {
		for (const p of peers) {
			p.close();
			await new Promise(resolve => setImmediate(resolve));
		}
	})();
	await tick(Math.random() * 2);
	await act();
	await leaving;
}
