import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {after, describe, test} from 'node:test';
import * as zmq from 'zeromq';
import {generateKeyPair} from '../src/keys.js';
import {spawnHub, spawnZchat, type Proc} from './helpers/cli.js';
import {startHub} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';
import {frame, generatedId, greeting, rawConnect, ready} from './helpers/zmtp.js';

/**
 * libzmq's ROUTER names a peer that gives no routing id with a zero byte and a counter that
 * starts at glibc's first unseeded rand() value, and it aborts the whole process when a peer
 * has already claimed the id it generates. The first test reproduces the abort on a bare
 * ROUTER (in a child process). A zchat hub's command port is not libzmq's: its own ZMTP
 * server (src/hub/front-door/) numbers every connection itself and reads a peer's Identity
 * only to drop it, so there is no table of claimed ids to collide in and nothing to abort.
 * The other tests throw the same claims at both kinds of hub and check that every claimer is
 * served as itself, and nobody as another.
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
});

describe('routing ids: zchat hubs cannot be aborted so', () => {
	test('an open hub: claims of the ids libzmq would generate, early or late, are served as anyone else', {timeout: 30_000}, async t => {
		const hub = await spawnHub();
		procs.push(hub.proc);
		const endpoint = `tcp://127.0.0.1:${hub.sub}`;
		const ids = Array.from({length: 32}, (_, k) => generatedId(k));
		const early = await claim(hub.sub, ids);
		const late = await claim(hub.sub, ids, 300);
		const nameless = await claim(hub.sub, Array.from({length: 8}, () => Buffer.alloc(0)), 300);
		// Each claim carried a ping: every claimer gets the hub's greeting and READY (as long as
		// ours), then its own pong (more than 30 bytes).
		const handshake = 64 + ready(Buffer.alloc(0), 'ROUTER').length;
		await waitFor('a pong on every claiming connection', () => [...early, ...late, ...nameless].every(c => c.received() > handshake + 30), 10_000);
		t.diagnostic(`${early.length + late.length} connections claiming generated ids and ${nameless.length} nameless ones were all answered`);
		await namelessPeers(endpoint, 40);
		for (const c of [...early, ...late, ...nameless]) c.socket.destroy();
		// Two peers claiming the same id each get their own answers.
		const twins = ['a', 'b'].map(() => new zmq.Dealer({linger: 0, routingId: 'my-bot-1'}));
		sockets.push(...twins);
		for (const d of twins) d.connect(endpoint);
		await Promise.all(twins.map((d, i) => d.send(JSON.stringify({type: 'ping', id: `twin-${i}`}))));
		const answers = await Promise.all(twins.map(async d => (JSON.parse(String((await d.receive())[0])) as {re: string}).re));
		assert.deepEqual(answers, ['twin-0', 'twin-1']);
		const alice = spawnZchat(['join', '--nick', 'alice', ...hub.args]);
		procs.push(alice);
		alice.child.stdin.end('still standing\n');
		assert.equal(await alice.exited, 0);
		assert.equal(hub.proc.child.exitCode, null, 'the hub is running');
		assert.equal(hub.proc.child.signalCode, null);
	});

	test('a hub with keys: claims are ignored, and a session is bound to the key its connection proved', {timeout: 30_000}, async t => {
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
			// A pong, not "unauthenticated": each claimer is known by the hub's number for its connection.
			assert.deepEqual(new Set(answers), new Set(['pong']));
			await namelessPeers(hub.routerEndpoint, 32, curve());
			// A claimed id is not the one the hub uses: the session is bound to the key the
			// connection's handshake proved.
			const claimantKeys = curve();
			const claimant = new zmq.Dealer({linger: 0, routingId: 'i-claim-this-id', ...claimantKeys});
			sockets.push(claimant);
			claimant.connect(hub.routerEndpoint);
			await claimant.send(JSON.stringify({type: 'hello', id: 'h', v: 1, nick: 'claimant', session: 's'.repeat(24)}));
			const welcome = JSON.parse(String((await claimant.receive())[0])) as {type: string; key?: string};
			assert.equal(welcome.type, 'welcome');
			assert.equal(welcome.key, claimantKeys.curvePublicKey);
			t.diagnostic(`command port: ${JSON.stringify(hub.commands.stats(Buffer.alloc(0)).port)}`);
		} finally {
			await hub.stop();
		}
	});
});
