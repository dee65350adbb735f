import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {after, describe, test} from 'node:test';
import * as zmq from 'zeromq';
import {generateKeyPair} from '../src/keys.js';
import {readyVerdict} from '../src/hub/zmtp-guard.js';
import {spawnHub, spawnZchat, type Proc} from './helpers/cli.js';
import {startHub} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';
import {frame, generatedId, greeting, rawConnect, ready} from './helpers/zmtp.js';

/**
 * libzmq's ROUTER names a peer that gives no routing id with a zero byte and a counter that
 * starts at glibc's first unseeded rand() value, and it aborts the whole process when a peer
 * has already claimed the id it generates. These tests reproduce the abort on an unprotected
 * ROUTER (in a child process), then show that neither kind of zchat hub can be aborted so.
 */

const procs: Proc[] = [];
const children: Array<() => void> = [];
const sockets: zmq.Socket[] = [];
after(() => {
	for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
	for (const kill of children) kill();
	for (const s of sockets) s.close();
});

/** Run a helper script of this directory in a child process; resolves with its first line (an endpoint). */
async function child(script: string): Promise<{endpoint: string; port: number; exited: Promise<{code: number | null; signal: string | null}>; stderr: () => string; kill: () => void}> {
	const path = fileURLToPath(new URL(`./helpers/${script}`, import.meta.url));
	const proc = spawn(process.execPath, [path], {stdio: ['ignore', 'pipe', 'pipe']});
	let out = '';
	let err = '';
	proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
	proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
	const exited = new Promise<{code: number | null; signal: string | null}>(resolve => proc.on('exit', (code, signal) => resolve({code, signal})));
	children.push(() => proc.exitCode === null && proc.signalCode === null && proc.kill('SIGKILL'));
	const endpoint = await waitFor(`${script} to print its endpoint (stderr: ${err})`, () => (out.includes('\n') ? out.split('\n')[0] : undefined), 10_000);
	return {endpoint, port: Number(/:(\d+)$/.exec(endpoint)![1]), exited, stderr: () => err, kill: () => proc.kill('SIGKILL')};
}

/**
 * Claim `ids` as routing ids, each on a raw connection: greet, wait for the other side's
 * greeting (as a ZMTP peer does), wait `delayMs` more, then send a READY with the claim.
 */
async function claim(port: number, ids: readonly Buffer[], delayMs = 0) {
	const conns = await Promise.all(ids.map(() => rawConnect(port)));
	for (const c of conns) c.socket.write(greeting());
	await waitFor('the greetings', () => conns.every(c => c.received() >= 64));
	if (delayMs > 0) await new Promise(resolve => setTimeout(resolve, delayMs)); // the attack itself: the READY comes late
	conns.forEach((c, i) => c.socket.write(Buffer.concat([ready(ids[i]!), frame('{"type":"ping"}')])));
	return conns;
}

/** Connect nameless DEALERs (the ROUTER generates their ids) and have each get a pong. */
async function namelessPeers(endpoint: string, n: number, options: zmq.SocketOptions<zmq.Dealer> = {}): Promise<void> {
	const dealers = Array.from({length: n}, () => new zmq.Dealer({linger: 0, ...options}));
	sockets.push(...dealers);
	for (const d of dealers) d.connect(endpoint);
	await Promise.all(dealers.map(d => d.send(JSON.stringify({type: 'ping'}))));
	await Promise.all(dealers.map(async d => JSON.parse(String((await d.receive())[0])) as {type: string}));
	for (const d of dealers) d.close();
}

describe('routing ids: the libzmq abort, reproduced', () => {
	test('a peer that claims the next generated routing id aborts a bare ROUTER', {timeout: 20_000}, async t => {
		const victim = await child('bare-router.js');
		const [attacker] = await claim(victim.port, [generatedId(0)]);
		await waitFor('the ROUTER to answer the handshake', () => attacker!.received() >= 64);
		const innocent = new zmq.Dealer({linger: 0});
		sockets.push(innocent);
		innocent.connect(victim.endpoint);
		void innocent.send('hello').catch(() => {});
		const {signal} = await victim.exited;
		t.diagnostic(`the bare ROUTER died with ${signal}: ${victim.stderr().trim()}`);
		assert.equal(signal, 'SIGABRT');
		assert.match(victim.stderr(), /Assertion failed/);
	});

	test('the same attack aborts a zchat hub whose guard is turned off', {timeout: 20_000}, async () => {
		const victim = await child('unguarded-hub.js');
		const attackers = await claim(victim.port, [generatedId(0), generatedId(1), generatedId(2)]);
		await waitFor('the ROUTER to answer the handshakes', () => attackers.every(a => a.received() >= 64));
		const innocent = new zmq.Dealer({linger: 0});
		sockets.push(innocent);
		innocent.connect(victim.endpoint);
		void innocent.send(JSON.stringify({type: 'ping'})).catch(() => {});
		const {signal} = await victim.exited;
		assert.equal(signal, 'SIGABRT');
	});
});

describe('routing ids: zchat hubs cannot be aborted so', () => {
	test('an open hub: its guard refuses claimed ids that start with a zero byte, early or late', {timeout: 30_000}, async t => {
		const hub = await spawnHub();
		procs.push(hub.proc);
		const endpoint = `tcp://127.0.0.1:${hub.sub}`;
		const ids = Array.from({length: 32}, (_, k) => generatedId(k));
		const early = await claim(hub.sub, ids);
		const late = await claim(hub.sub, ids, 300);
		// A late READY that claims no id at all: the ROUTER generates one (the guard lets it by).
		const nameless = await claim(hub.sub, Array.from({length: 8}, () => Buffer.alloc(0)), 300);
		const started = Date.now();
		await Promise.all([...early, ...late].map(c => c.closed));
		t.diagnostic(`${early.length + late.length} connections claiming generated ids were closed by the hub within ${Date.now() - started} ms`);
		await namelessPeers(endpoint, 40);
		for (const c of nameless) c.socket.destroy();
		// Third-party ids that do not start with a zero byte are still welcome.
		const named = new zmq.Dealer({linger: 0, routingId: 'my-bot-1'});
		sockets.push(named);
		named.connect(endpoint);
		await named.send(JSON.stringify({type: 'ping', id: 'p'}));
		assert.equal((JSON.parse(String((await named.receive())[0])) as {type: string}).type, 'pong');
		const alice = spawnZchat(['join', '--nick', 'alice', ...hub.args]);
		procs.push(alice);
		alice.child.stdin.end('still standing\n');
		assert.equal(await alice.exited, 0);
		assert.equal(hub.proc.child.exitCode, null, 'the hub is running');
		assert.equal(hub.proc.child.signalCode, null);
	});

	test('a hub with keys: the ZAP handler names every connection, so claims are ignored and nothing is generated', {timeout: 30_000}, async t => {
		const hubKeys = generateKeyPair();
		const hub = await startHub({curve: hubKeys});
		try {
			const curve = () => {
				const mine = generateKeyPair();
				return {curveServerKey: hubKeys.publicKey, curvePublicKey: mine.publicKey, curveSecretKey: mine.secretKey};
			};
			// Peers claiming the ids the ROUTER would generate first, and nameless ones between them.
			const claimers = Array.from({length: 32}, (_, k) => new zmq.Dealer({linger: 0, routingId: generatedId(k) as unknown as string, ...curve()}));
			sockets.push(...claimers);
			for (const d of claimers) d.connect(hub.routerEndpoint);
			await Promise.all(claimers.map(d => d.send(JSON.stringify({type: 'ping'}))));
			const answers = await Promise.all(claimers.map(async d => (JSON.parse(String((await d.receive())[0])) as {type: string}).type));
			// A pong, not "unauthenticated": each claimer is on the id the handler gave it.
			assert.deepEqual(new Set(answers), new Set(['pong']));
			await namelessPeers(hub.routerEndpoint, 32, curve());
			// A claimed id is not the one the hub uses: the session is bound to the key the
			// ZAP handler saw, which it could not be had the claim won.
			const claimantKeys = curve();
			const claimant = new zmq.Dealer({linger: 0, routingId: 'i-claim-this-id', ...claimantKeys});
			sockets.push(claimant);
			claimant.connect(hub.routerEndpoint);
			await claimant.send(JSON.stringify({type: 'hello', id: 'h', v: 1, nick: 'claimant', session: 's'.repeat(24)}));
			const welcome = JSON.parse(String((await claimant.receive())[0])) as {type: string; key?: string};
			assert.equal(welcome.type, 'welcome');
			assert.equal(welcome.key, claimantKeys.curvePublicKey);
			t.diagnostic(`ZAP handler: ${JSON.stringify(hub.zap!.counters)}`);
		} finally {
			await hub.stop();
		}
	});

	test('the guard reads READY commands exactly', () => {
		const body = (id: Buffer) => ready(id);
		assert.equal(readyVerdict(body(Buffer.from('bot'))), 'ok');
		assert.equal(readyVerdict(body(Buffer.alloc(0))), 'ok');
		assert.equal(readyVerdict(body(generatedId(7))), 'reserved');
		assert.equal(readyVerdict(body(Buffer.from([0]))), 'reserved');
		assert.equal(readyVerdict(body(Buffer.from('bot')).subarray(0, 10)), 'more');
		assert.equal(readyVerdict(Buffer.from([0x00, 3, 1, 2, 3])), 'bad', 'a message, not a command');
		assert.equal(readyVerdict(Buffer.from([0x04, 6, 5, ...Buffer.from('HELLO')])), 'bad');
		const long = Buffer.alloc(9);
		long[0] = 0x06;
		long.writeBigUInt64BE(1n << 40n, 1);
		assert.equal(readyVerdict(long), 'bad', 'an oversized command');
		// The property name in another case still counts.
		const sneaky = Buffer.from(ready(generatedId(0)).toString('latin1').replace('Identity', 'IDENTITY'), 'latin1');
		assert.equal(readyVerdict(sneaky), 'reserved');
	});
});
