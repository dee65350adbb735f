import assert from 'node:assert/strict';
import {readdirSync} from 'node:fs';
import {join} from 'node:path';
import type {Socket} from 'node:net';
import {after, describe, test} from 'node:test';
import {generateKeyPair, writeKeyPair} from '../src/keys.js';
import {spawnHub, spawnZchat, type Proc} from './helpers/cli.js';
import {tempDir} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';
import {greeting, rawConnect} from './helpers/zmtp.js';

/**
 * Connection floods: hundreds of connections that never finish their handshake, and a hub
 * started with few file descriptors that runs out of them. Real hub processes, real clients.
 */

const procs: Proc[] = [];
const flood: Socket[] = [];
const dir = tempDir('zchat-conn-');
after(() => {
	for (const s of flood) s.destroy();
	for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
	dir.remove();
});

const hubKeys = generateKeyPair();
const member = generateKeyPair();
const hubKeyFile = join(dir.path, 'hub.key');
const memberKeyFile = join(dir.path, 'member.key');
writeKeyPair(hubKeyFile, hubKeys);
writeKeyPair(memberKeyFile, member);

type Kind = 'open' | 'keyed';
const keyArgs = (kind: Kind) => (kind === 'keyed' ? ['--server-key', hubKeys.publicKey, '--key', memberKeyFile] : []);

/** A zchat hub whose limit of open files is lowered first. */
async function hubWithFdLimit(kind: Kind, limit: number): Promise<{proc: Proc; sub: number; pub: number; pid: number}> {
	const hub = await spawnHub(kind === 'keyed' ? ['--key', hubKeyFile] : [], {openFiles: limit});
	procs.push(hub.proc);
	return {proc: hub.proc, sub: hub.sub, pub: hub.pub, pid: hub.ready.pid};
}

/** Open `n` TCP connections to a port that say nothing; `greet` sends half a ZMTP greeting first, then stalls. */
async function halfOpen(port: number, n: number, greet = false): Promise<Array<{socket: Socket; closed: Promise<void>}>> {
	const conns = [];
	for (let i = 0; i < n; i++) {
		try {
			const c = await rawConnect(port);
			if (greet) c.socket.write(greeting().subarray(0, 11));
			flood.push(c.socket);
			conns.push(c);
		} catch {
			// refused: the hub is out of room, which is what some tests are after
		}
	}
	return conns;
}

/** Join, say a line, and leave; resolves with the exit code and how long it took. */
async function joinAndSay(kind: Kind, sub: number, pub: number, nick: string, timeoutS = 10): Promise<{code: number | string; ms: number; stderr: string}> {
	const started = Date.now();
	const p = spawnZchat(['join', '--nick', nick, '--timeout', String(timeoutS), '--sub', String(sub), '--pub', String(pub), ...keyArgs(kind)]);
	procs.push(p);
	p.child.stdin.end(`${nick} got in\n`);
	const code = await p.exited;
	return {code, ms: Date.now() - started, stderr: p.stderr()};
}

for (const kind of ['open', 'keyed'] as const) {
	describe(`connection floods against ${kind === 'open' ? 'an open hub' : 'a hub with keys'}`, () => {
		test('hundreds of half-open and stalled connections: a real client still joins, and the hub drops them after its handshake timeout', {timeout: 60_000}, async t => {
			const hub = await spawnHub(kind === 'keyed' ? ['--key', hubKeyFile] : []);
			procs.push(hub.proc);
			// The same join before the flood: what it costs on this machine now.
			const calm = await joinAndSay(kind, hub.sub, hub.pub, 'calm');
			assert.equal(calm.code, 0, calm.stderr);
			const started = Date.now();
			const silent = [...(await halfOpen(hub.sub, 200)), ...(await halfOpen(hub.pub, 200))];
			const stalled = [...(await halfOpen(hub.sub, 50, true)), ...(await halfOpen(hub.pub, 50, true))];
			const opened = Date.now() - started;
			const openedAt = Date.now();
			const joined = await joinAndSay(kind, hub.sub, hub.pub, 'real');
			assert.equal(joined.code, 0, joined.stderr);
			const all = [...silent, ...stalled];
			const closedWithin = Date.now();
			await Promise.all(all.map(c => c.closed));
			const dropAfter = Date.now() - closedWithin;
			t.diagnostic(
				`${all.length} connections opened in ${opened} ms; a real client joined and was acked in ${joined.ms} ms while they were open (${calm.ms} ms before them); ` +
					`the hub had closed all of them ${dropAfter} ms later (handshake timeout 3 s)`,
			);
			assert.ok(joined.ms < 2 * calm.ms + 3000, `joined in ${joined.ms} ms with the flood open, ${calm.ms} ms without`);
			assert.ok(Date.now() - openedAt < 12_000, `the hub drops half-open connections (all closed ${Date.now() - openedAt} ms after the last was opened)`);
			assert.equal(hub.proc.child.exitCode, null);
			hub.proc.child.kill('SIGTERM');
		});

		test('out of file descriptors: the hub survives, and serves again once the flood is gone', {timeout: 60_000}, async t => {
			const hub = await hubWithFdLimit(kind, 128);
			const fds = () => {
				assert.equal(hub.proc.child.exitCode ?? hub.proc.child.signalCode, null, `the hub died (stderr: ${hub.proc.stderr()})`);
				return readdirSync(`/proc/${hub.pid}/fd`).length;
			};
			const before = fds();
			// Both ports at once: the guard's relays and libzmq's PUB listener race for the last
			// descriptors (a unix-socket ROUTER behind the guard aborted the process here).
			const conns = (await Promise.all([halfOpen(hub.sub, 300), halfOpen(hub.pub, 300)])).flat();
			await waitFor('the hub to be at its limit or refusing', () => fds() > 100 || conns.some(c => c.socket.destroyed), 10_000);
			const during = await joinAndSay(kind, hub.sub, hub.pub, 'during', 4);
			assert.equal(hub.proc.child.exitCode, null, `the hub is alive (stderr: ${hub.proc.stderr()})`);
			const peak = fds();
			for (const c of conns) c.socket.destroy();
			const after_ = await joinAndSay(kind, hub.sub, hub.pub, 'after', 10);
			t.diagnostic(
				`limit 128 open files: ${before} in use at start, ${peak} under a flood of ${conns.length} connections; ` +
					`a client during the flood: ${during.code === 0 ? `got in (${during.ms} ms)` : `gave up after ${during.ms} ms`}; ` +
					`after: exit ${after_.code} in ${after_.ms} ms`,
			);
			assert.equal(after_.code, 0, after_.stderr);
			assert.equal(hub.proc.child.exitCode, null, 'still running');
			hub.proc.child.kill('SIGTERM');
			assert.equal(await hub.proc.exited, 0, 'and stops cleanly');
		});
	});
}
