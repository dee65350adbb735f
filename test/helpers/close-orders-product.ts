/**
 * The product's own close orders, each one round of a stress run: the hub's stop() and feed
 * replacement (SIGHUP), the client's close() and reconnect(), the test helpers' clean-up.
 */
import {randomBytes} from 'node:crypto';
import {Client} from '../../src/client/client.js';
import {ZmqTransport, type ClientCurve} from '../../src/client/transport.js';
import {Access} from '../../src/hub/access.js';
import type {HubServer} from '../../src/hub/server.js';
import {generateKeyPair, type KeyPair} from '../../src/keys.js';
import {RawDealer, RawSub} from './client.js';
import {startHub} from './hub.js';
import {waitFor} from './wait.js';

function tick(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

interface Talker {
	client: Client;
	transport: ZmqTransport;
	stop(): void;
}

/** A real client that says a line every few milliseconds once connected. */
function talker(hub: {subPort: number; pubPort: number}, nick: string, curve?: ClientCurve): Talker {
	const transport = new ZmqTransport({host: '127.0.0.1', subPort: hub.subPort, pubPort: hub.pubPort, ...(curve ? {curve} : {})});
	const client = new Client(transport, {nick, nickExplicit: true, rooms: ['lobby'], session: randomBytes(18).toString('base64url')});
	client.start(50);
	let n = 0;
	const timer = setInterval(() => {
		if (client.state.connection === 'connected') client.line(`${nick} ${n++}`);
	}, 2);
	return {client, transport, stop: () => clearInterval(timer)};
}

async function closeTalkers(talkers: Talker[]): Promise<void> {
	for (const t of talkers) t.stop();
	await Promise.all(talkers.map(t => t.client.close()));
}

function connected(talkers: Talker[], timeoutMs = 10_000): Promise<true> {
	return waitFor('the clients to be connected', () => talkers.every(t => t.client.state.connection === 'connected'), timeoutMs);
}

/** Bare sockets speaking the protocol, as the tests use them, flooding the hub with lines. */
async function rawTraffic(hub: HubServer): Promise<{close(): Promise<void>}> {
	const feed = new RawSub(hub, '#lobby:');
	const dealer = new RawDealer(hub);
	await dealer.hello(`raw${randomBytes(3).toString('hex')}`);
	let running = true;
	let n = 0;
	const flow = (async () => {
		while (running) {
			await dealer.send({type: 'say', id: `m${n++}`, room: 'lobby', text: 'raw'}).catch(() => {});
			if (n % 20 === 0) await tick(1);
		}
	})();
	return {
		close: async () => {
			// Closing ends a send left pending by a hub that went away (a DEALER with no peer waits).
			running = false;
			await dealer.close();
			await feed.close();
			await flow;
		},
	};
}

let sharedHub: Promise<HubServer> | undefined;
/** One hub for the rounds of a process that only exercise clients. */
function hubForClients(): Promise<HubServer> {
	sharedHub ??= startHub();
	return sharedHub;
}

const hubKeys = generateKeyPair();

export const productOrders: Record<string, () => Promise<void>> = {
	/** The hub stops (SIGTERM) with clients and bare sockets mid-flow, then they close. */
	'hub-stop': async () => {
		const hub = await startHub();
		const talkers = ['ann', 'bob', 'cy'].map(n => talker(hub, n));
		const raw = await rawTraffic(hub);
		await connected(talkers);
		await tick(20);
		await hub.stop();
		await raw.close();
		await closeTalkers(talkers);
	},
	/** The hub stops and another starts on the same ports; the client comes back (sessions.test). */
	'hub-restart-same-ports': async () => {
		const first = await startHub();
		const ports = {subPort: first.subPort, pubPort: first.pubPort};
		const t = talker(ports, 'ann');
		await connected([t]);
		await tick(10);
		await first.stop();
		const second = await startHub(ports);
		await connected([t], 15_000);
		await tick(10);
		await second.stop();
		await closeTalkers([t]);
	},
	/** A hub with keys: members removed (SIGHUP) while everyone talks; their own connections are closed. */
	'hub-sighup-keys-removed': async () => {
		const members: KeyPair[] = Array.from({length: 4}, () => generateKeyPair());
		const listed = (keys: KeyPair[]) => keys.map((k, i) => ({key: k.publicKey, nick: `m${i}`}));
		const hub = await startHub({curve: hubKeys, access: store => new Access(store, {authorized: listed(members)})});
		const talkers = members.map((k, i) => talker(hub, `m${i}`, {serverKey: hubKeys.publicKey, ...k}));
		await connected(talkers);
		for (let cut = 1; cut <= 2; cut++) {
			await tick(10);
			hub.access.setAuthorized(listed(members.slice(0, members.length - cut)).map((e, i) => ({...e, nick: `m${i}`})));
			hub.accessChanged();
		}
		await tick(10);
		await hub.stop();
		await closeTalkers(talkers);
	},
	/** Clients close while their lines and the feed are in flight. */
	'client-close': async () => {
		const hub = await hubForClients();
		const talkers = ['ann', 'bob', 'cy', 'di'].map(n => talker(hub, `${n}${randomBytes(2).toString('hex')}`));
		await connected(talkers);
		await tick(15);
		await closeTalkers(talkers);
	},
	/** The client's reconnect() (a silent hub): disconnect and connect again, mid-flow. */
	'client-reconnect': async () => {
		const hub = await hubForClients();
		const talkers = ['ann', 'bob'].map(n => talker(hub, `${n}${randomBytes(2).toString('hex')}`));
		await connected(talkers);
		for (let i = 0; i < 4; i++) {
			await tick(4);
			for (const t of talkers) t.transport.reconnect();
		}
		await closeTalkers(talkers);
	},
	/** The tests' bare DEALER and SUB closed mid-flow, as in an after() hook. */
	'test-helpers-close': async () => {
		const hub = await hubForClients();
		const raw = await rawTraffic(hub);
		await tick(15);
		await raw.close();
	},
};
