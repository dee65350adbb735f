/**
 * `zchat relay` as real processes on 127.0.0.1: a hub with keys, relay A trusted by the hub,
 * relay B chained below A; real clients on each. Messages in one order everywhere, DMs never
 * on a feed, an untrusted relay refused, a ban reaching a client two relays away, and a relay
 * killed -9 mid-stream and restarted on its ports with nothing lost or doubled.
 */
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import * as zmq from 'zeromq';
import type {ClientCurve} from '../src/client/transport.js';
import type {KeyPair} from '../src/keys.js';
import {closeSocket} from '../src/zmq/close.js';
import {spawnHub, spawnRelay, spawnZchat, type SpawnedHub, type SpawnedRelay} from './helpers/cli.js';
import {connectClient, curveOptions, type TestClient} from './helpers/client.js';
import {keyFiles} from './helpers/key-files.js';
import {hubOnData} from './helpers/restarts.js';
import {waitFor} from './helpers/wait.js';

const files = keyFiles('zchat-relay-');
const hubKey = files.keyFile('hub');
const relayA = files.keyFile('relay-a');
const relayB = files.keyFile('relay-b');
const opKey = files.keyFile('op');
let hub: SpawnedHub;
let a: SpawnedRelay;
let b: SpawnedRelay;
const clients: TestClient[] = [];

function curve(serverKey: string, mine: KeyPair = files.keyFile('client').pair): ClientCurve {
	return {serverKey, publicKey: mine.publicKey, secretKey: mine.secretKey};
}

function join(where: {sub: number; pub: number}, serverKey: string, nick: string, mine?: KeyPair): TestClient {
	const c = connectClient({subPort: where.sub, pubPort: where.pub}, nick, {}, curve(serverKey, mine));
	clients.push(c);
	return c;
}

before(async () => {
	hub = await spawnHub(['--key', hubKey.file, '--relay', relayA.pub, '--op', opKey.pair.publicKey]);
	files.procs.push(hub.proc);
	a = await spawnRelay(['--upstream', `127.0.0.1:${hub.sub}:${hub.pub}`, '--server-key', hubKey.pub, '--key', relayA.file, '--relay', relayB.pub]);
	files.procs.push(a.proc);
	b = await spawnRelay(['--upstream', `127.0.0.1:${a.sub}:${a.pub}`, '--server-key', relayA.pub, '--key', relayB.file]);
	files.procs.push(b.proc);
	await Promise.all([a.proc.waitLine('connected'), b.proc.waitLine('connected')]);
});

after(async () => {
	await Promise.all(clients.map(c => c.close()));
});

test('clients on the hub, on a relay and two relays down see every message in the same order', {timeout: 30_000}, async () => {
	const carol = join(hub, hubKey.pair.publicKey, 'carol');
	const alice = join(a, relayA.pair.publicKey, 'alice');
	const bob = join(b, relayB.pair.publicKey, 'bob');
	await Promise.all([carol, alice, bob].map(c => c.waitConnected()));
	const n = 30;
	for (let i = 0; i < n; i++) {
		alice.client.line(`a${i}`);
		bob.client.line(`b${i}`);
		carol.client.line(`c${i}`);
	}
	const all = (c: TestClient) => c.messages('lobby').filter(m => /: [abc]\d+$/.test(m));
	for (const c of [carol, alice, bob]) {
		await waitFor(() => `every line at ${c.client.state.nick} (has ${all(c).length})`, () => all(c).length >= 3 * n, 20_000);
	}
	assert.deepEqual(all(alice), all(carol), 'alice (relay A) saw what carol (the hub) saw, in the same order');
	assert.deepEqual(all(bob), all(carol), 'bob (relay B, below A) saw the same, in the same order');
	assert.equal(all(carol).length, 3 * n, 'nothing doubled');
	for (const [nick, p] of [['alice', 'a'], ['bob', 'b'], ['carol', 'c']] as const) {
		assert.deepEqual(
			all(carol).filter(m => m.startsWith(`${nick}: `)),
			Array.from({length: n}, (_, i) => `${nick}: ${p}${i}`),
			`${nick}'s lines in the order sent`,
		);
	}
});

test('a DM between clients of two relays reaches its one recipient and never any feed', {timeout: 20_000}, async () => {
	const listeners = await Promise.all(
		[
			[hub, hubKey.pair.publicKey],
			[a, relayA.pair.publicKey],
			[b, relayB.pair.publicKey],
		].map(async ([where, key]) => {
			const sub = new zmq.Subscriber({...curveOptions(key as string, files.keyFile('eve').pair), linger: 0});
			sub.connect(`tcp://127.0.0.1:${(where as SpawnedHub).pub}`);
			sub.subscribe('');
			const seen: string[] = [];
			void (async () => {
				for await (const frames of sub) seen.push(frames.map(f => f.toString()).join('|'));
			})().catch(() => {});
			return {sub, seen};
		}),
	);
	try {
		const dora = join(a, relayA.pair.publicKey, 'dora');
		const ed = join(b, relayB.pair.publicKey, 'ed');
		await Promise.all([dora.waitConnected(), ed.waitConnected()]);
		// Every listener is subscribed once it sees an event published after it connected.
		await waitFor('the listeners to get the feed', () => {
			dora.client.line('marker');
			return listeners.every(l => l.seen.some(s => s.includes('marker')));
		}, 10_000, 200);
		dora.client.line('/msg ed the secret is 42');
		await waitFor('ed to get the DM', () => ed.shown.some(s => s.item.kind === 'dm' && s.item.text === 'the secret is 42'), 10_000);
		dora.client.line('after the dm');
		await waitFor('the listeners to see the line after the DM', () => listeners.every(l => l.seen.some(s => s.includes('after the dm'))), 10_000);
		for (const l of listeners) assert.ok(!l.seen.some(s => s.includes('the secret')), 'the DM is on no feed');
	} finally {
		await Promise.all(listeners.map(l => closeSocket(l.sub)));
	}
});

test('a client of a relay may send 16 commands in one message, as to the hub (the envelope is the 17th frame)', {timeout: 20_000}, async () => {
	const dealer = new zmq.Dealer({...curveOptions(relayA.pair.publicKey, files.keyFile('pinger').pair), linger: 0, receiveTimeout: 5000});
	try {
		dealer.connect(`tcp://127.0.0.1:${a.sub}`);
		await dealer.send(Array.from({length: 16}, (_, i) => JSON.stringify({type: 'ping', id: `p${i}`})));
		const pongs: string[] = [];
		while (pongs.length < 16) for (const f of await dealer.receive()) pongs.push((JSON.parse(f.toString()) as {type: string; re: string}).re);
		assert.deepEqual(pongs, Array.from({length: 16}, (_, i) => `p${i}`));
	} finally {
		await closeSocket(dealer);
	}
});

test("two clients of one relay asking at once each get only their own replies", {timeout: 20_000}, async () => {
	const dealers = ['x', 'y'].map(name => ({name, socket: new zmq.Dealer({...curveOptions(relayA.pair.publicKey, files.keyFile(name).pair), linger: 0, receiveTimeout: 5000})}));
	try {
		for (const d of dealers) d.socket.connect(`tcp://127.0.0.1:${a.sub}`);
		// One small reply each per flush: the hub has replies for both in the same write to the
		// relay, the case where replies are joined into one message for a plain client.
		const rounds = 30;
		for (let i = 0; i < rounds; i++) {
			for (const d of dealers) await d.socket.send(JSON.stringify({type: 'ping', id: `${d.name}${i}`}));
			for (const d of dealers) {
				const frames = (await d.socket.receive()).map(f => f.toString());
				assert.deepEqual(frames.map(f => (f.startsWith('{') ? (JSON.parse(f) as {re?: string}).re : f)), [`${d.name}${i}`], `${d.name} gets its own pong and nothing else`);
			}
		}
	} finally {
		await Promise.all(dealers.map(d => closeSocket(d.socket)));
	}
});

test('a connection that is not a trusted relay cannot name a client: told so and closed', {timeout: 20_000}, async () => {
	const rogue = files.keyFile('rogue').pair;
	const dealer = new zmq.Dealer({...curveOptions(hubKey.pair.publicKey, rogue), linger: 0, receiveTimeout: 5000});
	const disconnected = new Promise<void>(resolve => dealer.events.on('disconnect', () => resolve()));
	try {
		dealer.connect(`tcp://127.0.0.1:${hub.sub}`);
		const hello = {type: 'hello', id: 'h', v: 1, nick: 'victim', session: 'a-session-secret-of-the-victim'};
		await dealer.send([`@c1 127.0.0.1 ${opKey.pair.publicKey} dealer`, JSON.stringify(hello)]);
		const [reply] = await dealer.receive();
		const error = JSON.parse(reply!.toString()) as {type: string; code: string};
		assert.equal(error.type, 'error');
		assert.equal(error.code, 'not_relay');
		await disconnected;
		await hub.proc.waitLine('it sent a relay envelope and is not a trusted relay');
	} finally {
		await closeSocket(dealer);
	}
});

test('a ban on the hub reaches a client two relays away: told why, its connection closed, refused on return', {timeout: 30_000}, async () => {
	const op = join(hub, hubKey.pair.publicKey, 'op', opKey.pair);
	const malloryKey = files.keyFile('mallory').pair;
	const mallory = join(b, relayB.pair.publicKey, 'mallory', malloryKey);
	await Promise.all([op.waitConnected(), mallory.waitConnected()]);
	op.client.line('/ban mallory spam');
	await waitFor(
		() => `mallory's client to end (state ${mallory.client.state.connection})`,
		() => mallory.client.endedWith ?? mallory.client.state.exit,
		15_000,
	);
	const said = mallory.shown.map(s => JSON.stringify(s.item)).join('\n');
	assert.match(said, /banned/i, 'mallory is told she is banned');
	// Relay B was told to close her: it refuses her key at its handshake for a while, as the hub would.
	const back = new zmq.Dealer({...curveOptions(relayB.pair.publicKey, malloryKey), linger: 0});
	try {
		const refused = new Promise<void>(resolve => back.events.on('handshake:error:auth', () => resolve()));
		back.connect(`tcp://127.0.0.1:${b.sub}`);
		await refused;
	} finally {
		await closeSocket(back);
	}
});

test('kill -9 of a relay mid-stream, restarted on its ports: every line delivered once', {timeout: 60_000}, async t => {
	const k = await spawnRelay(['--upstream', `127.0.0.1:${hub.sub}:${hub.pub}`, '--server-key', hubKey.pub, '--key', relayA.file]);
	files.procs.push(k.proc);
	await k.proc.waitLine('connected');
	const fay = join(k, relayA.pair.publicKey, 'fay');
	const gus = join(k, relayA.pair.publicKey, 'gus');
	const hal = join(hub, hubKey.pair.publicKey, 'hal');
	await Promise.all([fay, gus, hal].map(c => c.waitConnected()));
	const n = 150;
	const lines = Array.from({length: n}, (_, i) => `k${i}`);
	let sent = 0;
	const sending = setInterval(() => {
		for (let j = 0; j < 3 && sent < n; j++) fay.client.line(lines[sent++]!);
		if (sent >= n) clearInterval(sending);
	}, 20);
	const mine = (c: TestClient) => c.messages('lobby').filter(m => /^fay: k\d+$/.test(m));
	// Killed while lines are on their way: some sent and not acked yet.
	const inFlight = () => fay.client.state.pending.filter(p => p.state === 'sent').length;
	await waitFor('some lines delivered and some in flight', () => mine(gus).length >= 30 && inFlight() > 0, 15_000, 1);
	const sentAtKill = sent;
	const unackedAtKill = inFlight();
	k.proc.child.kill('SIGKILL');
	await k.proc.exited;
	const restarted = await spawnRelay(['--upstream', `127.0.0.1:${hub.sub}:${hub.pub}`, '--server-key', hubKey.pub, '--key', relayA.file, '--sub', String(k.sub), '--pub', String(k.pub)]);
	files.procs.push(restarted.proc);
	for (const c of [gus, hal]) await waitFor(() => `all ${n} lines at ${c.client.state.nick} (has ${mine(c).length})`, () => mine(c).length >= n, 40_000, 50);
	await waitFor('fay to have every line acked', () => fay.client.state.pending.length === 0, 20_000);
	const count = (c: TestClient) => {
		const got = mine(c).map(m => m.slice('fay: '.length));
		const unique = new Set(got);
		return {delivered: unique.size, duplicated: got.length - unique.size, lost: lines.filter(l => !unique.has(l)).length, inOrder: got.every((l, i) => l === lines[i])};
	};
	const atGus = count(gus);
	const atHal = count(hal);
	assert.ok(sentAtKill < n, `killed mid-stream (${sentAtKill} of ${n} typed)`);
	t.diagnostic(`killed with ${sentAtKill} typed, ${unackedAtKill} sent and not acked; sent ${n}, acked ${n - fay.client.state.pending.length}; gus (on the relay): ${JSON.stringify(atGus)}; hal (on the hub): ${JSON.stringify(atHal)}`);
	assert.deepEqual(atGus, {delivered: n, duplicated: 0, lost: 0, inOrder: true});
	assert.deepEqual(atHal, {delivered: n, duplicated: 0, lost: 0, inOrder: true});
	restarted.proc.child.kill('SIGTERM');
	await restarted.proc.exited;
});

test('kill -9 of the hub behind a relay: its clients see they are cut off, then every line once', {timeout: 60_000}, async t => {
	const home = await hubOnData(['--key', hubKey.file, '--relay', relayA.pub, '--ttl', '4']);
	const k = await spawnRelay(['--upstream', `127.0.0.1:${home.sub}:${home.pub}`, '--server-key', hubKey.pub, '--key', relayA.file]);
	files.procs.push(k.proc);
	try {
		await k.proc.waitLine('connected');
		const ida = join(k, relayA.pair.publicKey, 'ida');
		const jon = join(k, relayA.pair.publicKey, 'jon');
		await Promise.all([ida, jon].map(c => c.waitConnected()));
		const n = 100;
		const lines = Array.from({length: n}, (_, i) => `h${i}`);
		const mine = (c: TestClient) => c.messages('lobby').filter(m => /^ida: h\d+$/.test(m));
		for (const l of lines.slice(0, n / 2)) ida.client.line(l);
		await waitFor('the first half to be delivered', () => mine(jon).length >= n / 2, 15_000);
		home.proc!.child.kill('SIGKILL');
		await home.proc!.exited;
		for (const l of lines.slice(n / 2)) ida.client.line(l);
		// The relay answers nothing while its upstream is gone: the client says so.
		await waitFor(() => `jon to see the hub gone (${jon.client.state.connection})`, () => jon.client.state.connection === 'reconnecting', 15_000);
		await k.proc.waitLine('lost');
		await home.start(30_000);
		await waitFor(() => `all ${n} lines at jon (has ${mine(jon).length})`, () => mine(jon).length >= n, 40_000, 50);
		await waitFor('ida to have every line acked', () => ida.client.state.pending.length === 0, 20_000);
		const got = mine(jon).map(m => m.slice('ida: '.length));
		const counts = {delivered: new Set(got).size, duplicated: got.length - new Set(got).size, lost: lines.filter(l => !got.includes(l)).length, inOrder: got.every((l, i) => l === lines[i])};
		t.diagnostic(`hub killed with ${n / 2} of ${n} delivered; jon: ${JSON.stringify(counts)}; jon is ${jon.client.state.connection}`);
		assert.deepEqual(counts, {delivered: n, duplicated: 0, lost: 0, inOrder: true});
		// The feed can bring every line before jon's own command connection has its answer from
		// the restarted hub (it failed so beside a hog): it says connected once it has.
		await waitFor(() => `jon to say connected again (${jon.client.state.connection})`, () => jon.client.state.connection === 'connected', 20_000);
	} finally {
		k.proc.child.kill('SIGTERM');
		await k.proc.exited;
		await home.done();
	}
});

test('zchat stats: on the hub its relays, through two relays each one with its clients and upstream', {timeout: 20_000}, async () => {
	const onHub = (await hubStats()) as {relays?: Array<{key: string; clients: number}>};
	assert.equal(onHub.relays?.length, 1, 'the hub lists its one trusted relay connected');
	assert.equal(onHub.relays[0]!.key, relayA.pair.publicKey);
	assert.ok(onHub.relays[0]!.clients >= 1, 'with the clients it named');
	const out = spawnZchat(['stats', '--json', ...b.args, '--server-key', relayB.pub, '--key', files.keyFile('stats').file]);
	assert.equal(await out.exited, 0, out.stderr());
	const stats = JSON.parse(out.stdout()) as {via: Array<{upstream: string; connected: boolean; clients: number}>};
	assert.deepEqual(
		stats.via.map(h => [h.upstream, h.connected]),
		[
			[`tcp://127.0.0.1:${hub.sub}`, true],
			[`tcp://127.0.0.1:${a.sub}`, true],
		],
		'relay A (upstream the hub), then relay B (upstream A)',
	);
	const text = spawnZchat(['stats', ...b.args, '--server-key', relayB.pub, '--key', files.keyFile('stats').file]);
	assert.equal(await text.exited, 0, text.stderr());
	assert.match(text.stdout(), new RegExp(`^relay .*upstream tcp://127\\.0\\.0\\.1:${a.sub} connected`, 'm'));
});

test('the CLI: --relay needs --key on the hub; a relay prints the exact zchat join that reaches it', {timeout: 20_000}, async () => {
	const open = spawnZchat(['hub', '--memory', '--sub', '0', '--pub', '0', '--relay', relayA.pair.publicKey]);
	assert.equal(await open.exited, 2);
	assert.match(open.stderr(), /--relay needs --key/);
	const fromEnv = spawnZchat(['hub', '--memory', '--sub', '0', '--pub', '0'], {ZCHAT_RELAY: `${relayA.pair.publicKey},${relayB.pub}`});
	assert.equal(await fromEnv.exited, 2, 'ZCHAT_RELAY is read (two keys, one of them a file): it too needs --key');
	const join = `npx zchat join --host 127.0.0.1 --sub ${a.sub} --pub ${a.pub} --server-key '${relayA.pair.publicKey}' --key YOUR_KEY_FILE`;
	assert.ok(a.proc.lines().includes(`  ${join}`), `the banner has "${join}"`);
});

/** The hub's stats, asked directly with a REQ (an operator's key sees the busiest connections). */
async function hubStats(): Promise<Record<string, unknown>> {
	const req = new zmq.Request({...curveOptions(hubKey.pair.publicKey, opKey.pair), linger: 0, receiveTimeout: 5000});
	try {
		req.connect(`tcp://127.0.0.1:${hub.sub}`);
		await req.send(JSON.stringify({type: 'stats', id: 's'}));
		const [reply] = await req.receive();
		return JSON.parse(reply!.toString()) as Record<string, unknown>;
	} finally {
		await closeSocket(req);
	}
}
