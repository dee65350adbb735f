import assert from 'node:assert/strict';
import {chmodSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import * as zmq from 'zeromq';
import type {HubServer} from '../src/hub/server.js';
import {Access} from '../src/hub/access.js';
import {parseAuthorized} from '../src/hub/authorized.js';
import {generateKeyPair, publicKeyOf, readKeyPair, type KeyPair} from '../src/keys.js';
import {z85Decode, z85Encode} from '../src/protocol/z85.js';
import {connectClient, curveOptions, RawDealer, RawSub} from './helpers/client.js';
import {spawnHub, spawnZchat, type Proc} from './helpers/cli.js';
import {startHub} from './helpers/hub.js';
import {keyFiles} from './helpers/key-files.js';
import {waitFor} from './helpers/wait.js';

/**
 * Encryption and identities: zchat keygen, a hub with --key and --authorized, clients with
 * the right and the wrong keys, identities bound to keys, a ZAP handler that fails closed,
 * and an authorized file re-read on SIGHUP.
 */

const {dir, procs, keyFile} = keyFiles('zchat-keys-');
const track = (p: Proc) => (procs.push(p), p);

describe('keys', () => {
	test('Z85 round-trips and matches the RFC 32 example', () => {
		const bytes = Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
		assert.equal(z85Encode(bytes), 'HelloWorld');
		assert.deepEqual(z85Decode('HelloWorld'), bytes);
		assert.equal(z85Decode('Hello World'), undefined);
		assert.equal(z85Decode('#####'), undefined, 'over 32 bits');
	});

	test("our key pairs are libzmq's: a public key derived with Node matches libzmq's own", () => {
		const theirs = zmq.curveKeyPair();
		assert.equal(publicKeyOf(theirs.secretKey), theirs.publicKey);
		const ours = generateKeyPair();
		assert.equal(publicKeyOf(ours.secretKey), ours.publicKey);
	});

	test('zchat keygen: secret 0600, public printed and written beside it, no overwrite without --force', async () => {
		const out = join(dir.path, 'me.key');
		const first = track(spawnZchat(['keygen', '--out', out, '--comment', 'me@laptop']));
		assert.equal(await first.exited, 0);
		const printed = first.stdout().trim();
		assert.match(printed, /^\S{40}$/);
		assert.equal(statSync(out).mode & 0o777, 0o600);
		assert.equal(statSync(`${out}.pub`).mode & 0o777, 0o644);
		assert.deepEqual(readKeyPair(out).publicKey, printed);
		assert.match(readFileSync(`${out}.pub`, 'utf8'), new RegExp(`public-key = "${printed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
		assert.doesNotMatch(readFileSync(`${out}.pub`, 'utf8'), /secret-key/);
		assert.match(first.stderr(), /keep it secret/);

		const again = track(spawnZchat(['keygen', '--out', out]));
		assert.equal(await again.exited, 2);
		assert.match(again.stderr(), /exists: pass --force to replace it/);
		assert.equal(readKeyPair(out).publicKey, printed, 'the key was not replaced');

		const forced = track(spawnZchat(['keygen', '--out', out, '--force']));
		assert.equal(await forced.exited, 0);
		assert.notEqual(forced.stdout().trim(), printed);
		assert.equal(statSync(out).mode & 0o777, 0o600);
	});

	test('key files others can read, or damaged, are refused', () => {
		const k = keyFile('loose');
		chmodSync(k.file, 0o644);
		assert.throws(() => readKeyPair(k.file), /can be read by other users \(mode 0644\): run "chmod 600/);
		chmodSync(k.file, 0o600);
		const text = readFileSync(k.file, 'utf8').replace(k.pair.publicKey, generateKeyPair().publicKey);
		writeFileSync(k.file, text, {mode: 0o600});
		assert.throws(() => readKeyPair(k.file), /damaged/);
		assert.throws(() => readKeyPair(k.pub), /holds no secret key/);
	});

	test('authorized files: comments, blank lines, and each mistake named with its line', () => {
		const a = generateKeyPair().publicKey;
		const b = generateKeyPair().publicKey;
		const entries = parseAuthorized(`# members\n\n${a} alice laptop at home\n  ${b}   bob\n`, 'members');
		assert.deepEqual(entries, [
			{key: a, nick: 'alice', comment: 'laptop at home'},
			{key: b, nick: 'bob'},
		]);
		assert.throws(() => parseAuthorized('not-a-key alice\n', 'm'), /^ZchatError: m:1: "not-a-key" is not a public key/);
		assert.throws(() => parseAuthorized(`${a}\n`, 'm'), /m:1: no nick/);
		assert.throws(() => parseAuthorized(`${a} alice\n${a} bob\n`, 'm'), /m:2: this key is already listed on line 1/);
		assert.throws(() => parseAuthorized(`${a} alice\n${generateKeyPair().publicKey} ALICE\n`, 'm'), /m:2: the nick "ALICE" clashes with line 1/);
		assert.throws(() => parseAuthorized(`${a} al!ce\n`, 'm'), /m:1: "al!ce" is not a nick/);
	});
});

describe('a hub with --key and --authorized (real processes)', () => {
	const hubKey = keyFile('hub');
	const alice = keyFile('alice');
	const bob = keyFile('bob');
	const mallory = keyFile('mallory');
	const members = join(dir.path, 'members');
	let hub: Awaited<ReturnType<typeof spawnHub>>;

	before(async () => {
		writeFileSync(members, `${alice.pair.publicKey} alice\n${bob.pair.publicKey} bob\n`);
		hub = await spawnHub(['--key', hubKey.file, '--authorized', members]);
		track(hub.proc);
	});

	const join_ = (nick: string, key: {file: string} | undefined, extra: string[] = [], serverKey = hubKey.pub) =>
		track(spawnZchat(['join', '--nick', nick, '--timeout', '8', ...hub.args, ...(key ? ['--server-key', serverKey, '--key', key.file] : []), ...extra]));

	test('the banner gives the hub key and the join command', () => {
		assert.match(hub.proc.stdout(), new RegExp(`security\\s+encrypted \\(CURVE\\), hub key ${hubKey.pair.publicKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; 2 member keys`));
		assert.ok(hub.proc.stdout().includes(`--server-key '${hubKey.pair.publicKey}'`));
		assert.equal(hub.ready.serverKey, hubKey.pair.publicKey, 'and --ready-json gives the key');
	});

	test('members chat; without a key nobody reads the feed or gets an answer', async () => {
		// Sockets without keys, watched from before they connect.
		const spy = new zmq.Subscriber({linger: 0});
		const plain = new zmq.Dealer({linger: 0});
		const spyRefused = refusals(spy);
		const plainRefused = refusals(plain);
		const seen: string[] = [];
		spy.subscribe('');
		spy.connect(`tcp://127.0.0.1:${hub.pub}`);
		plain.connect(`tcp://127.0.0.1:${hub.sub}`);
		void (async () => {
			for await (const m of spy) seen.push(String(m));
		})().catch(() => {});
		void (async () => {
			for await (const m of plain) seen.push(String(m));
		})().catch(() => {});
		plain.send(JSON.stringify({type: 'who', id: 'w'})).catch(() => {}); // it never leaves: nothing lets it in
		const b = join_('bob', bob, ['--json', '--stay']);
		try {
			await b.waitLine('"type":"join","from":"bob"');
			const a = join_('alice', alice);
			a.child.stdin.end('only for members\n');
			assert.equal(await a.exited, 0);
			await b.waitLine('only for members');
			await waitFor('the plain sockets to have been turned away', () => spyRefused() > 0 && plainRefused() > 0);
			assert.deepEqual(seen, [], 'sockets without a key got nothing: no feed, no answer');
		} finally {
			b.child.kill('SIGTERM');
			spy.close();
			plain.close();
		}
	});

	test('an unknown key: refused, with a message naming the key, exit 2', async () => {
		const started = Date.now();
		// A --timeout of 20 s: a client that kept trying until then would take at least that long.
		const m = join_('mallory', mallory, ['--timeout', '20']);
		m.child.stdin.end('let me in\n');
		assert.equal(await m.exited, 2);
		assert.ok(m.stderr().includes(`refused our key ${mallory.pair.publicKey}`), m.stderr());
		assert.match(m.stderr(), /not on the hub's list of members, or it is banned/);
		const took = Date.now() - started;
		assert.ok(took < 20_000, `no endless retry: it exited on the refusal, ${took} ms after it started, not at its --timeout`);
		await waitFor('the hub to log the refusal', () => hub.proc.stdout().includes(`unknown key ${mallory.pair.publicKey}`));
	});

	test('a wrong hub key: the message says so, exit 2', async () => {
		const w = join_('alice', alice, [], mallory.pub);
		w.child.stdin.end('hi\n');
		assert.equal(await w.exited, 2);
		assert.match(w.stderr(), /does not accept our encrypted handshake: --server-key is not that hub's public key/);
	});

	test('a client without --server-key: told the hub needs encryption, exit 2', async () => {
		const p = join_('plain', undefined);
		p.child.stdin.end('hi\n');
		assert.equal(await p.exited, 2);
		assert.match(p.stderr(), /requires encryption: pass --server-key/);
	});

	test('an encrypting client against an open hub: told so, exit 2', async () => {
		const open = await spawnHub();
		track(open.proc);
		const p = track(spawnZchat(['join', '--nick', 'alice', '--timeout', '20', ...open.args, '--server-key', hubKey.pub, '--key', alice.file]));
		p.child.stdin.end('hi\n');
		assert.equal(await p.exited, 2);
		assert.match(p.stderr(), /does not use encryption \(it runs without --key\)/);
		open.proc.child.kill('SIGTERM');
	});

	test('flag mistakes: exit 2 with what to change', async () => {
		const noKey = track(spawnZchat(['hub', '--memory', '--sub', '0', '--pub', '0', '--authorized', members]));
		assert.equal(await noKey.exited, 2);
		assert.match(noKey.stderr(), /--authorized needs --key/);
		const bad = join(dir.path, 'bad-members');
		writeFileSync(bad, `${alice.pair.publicKey} alice\nnonsense here\n`);
		const badFile = track(spawnZchat(['hub', '--memory', '--sub', '0', '--pub', '0', '--key', hubKey.file, '--authorized', bad]));
		assert.equal(await badFile.exited, 2);
		assert.ok(badFile.stderr().includes(`${bad}:2: "nonsense" is not a public key`), badFile.stderr());
		const keyOnly = track(spawnZchat(['join', '--key', alice.file, '--sub', '1', '--pub', '2']));
		assert.equal(await keyOnly.exited, 2);
		assert.match(keyOnly.stderr(), /--key needs --server-key/);
		for (const p of [noKey, badFile, keyOnly]) assert.doesNotMatch(p.stderr(), /\n\s+at /, 'no stack trace');
	});

	test('SIGHUP re-reads the list: a removed member is told and shut out; a broken file keeps the old list', async () => {
		const b = join_('bobby', bob, ['--json', '--stay']);
		await b.waitLine('"type":"join","from":"bobby"');
		const a = join_('alicia', alice, ['--json', '--stay']);
		await a.waitLine('"type":"join","from":"alicia"');
		writeFileSync(members, `${alice.pair.publicKey} alice\nbroken line\n`);
		hub.proc.child.kill('SIGHUP');
		await hub.proc.waitLine(/SIGHUP: .*:2: "broken" is not a public key.*keeping the previous list/);
		writeFileSync(members, `${alice.pair.publicKey} alice\n`);
		hub.proc.child.kill('SIGHUP');
		await hub.proc.waitLine(/SIGHUP: re-read .*: 1 member \(1 removed, [1-9]\d* sessions? ended\)/);
		assert.equal(await b.exited, 1);
		assert.match(b.stderr(), /your key is no longer on this hub's list/);
		const again = join_('bobby', bob);
		again.child.stdin.end('back?\n');
		assert.equal(await again.exited, 2);
		assert.match(again.stderr(), /refused our key/);
		// alice stays, and goes on receiving the feed after the feed socket was replaced.
		const c = join_('alice3', alice);
		c.child.stdin.end('after the reload\n');
		assert.equal(await c.exited, 0);
		await a.waitLine('after the reload');
		a.child.kill('SIGTERM');
	});
});

describe('identities bound to keys (in-process hub)', () => {
	let hub: HubServer;
	const hubKeys = generateKeyPair();
	const alice = generateKeyPair();
	const mallory = generateKeyPair();
	const dealer = (mine: KeyPair) => new RawDealer(hub, curveOptions(hubKeys.publicKey, mine));
	before(async () => {
		hub = await startHub({
			curve: hubKeys,
			access: store => new Access(store, {authorized: [{key: alice.publicKey, nick: 'alice'}, {key: mallory.publicKey, nick: 'mallory'}]}),
		});
	});
	after(async () => {
		await hub.stop();
	});

	test('a member holding one key cannot speak as another: not their nick, not their session', async () => {
		const aliceSecret = 'alice-session-secret-0123456789';
		const a = dealer(alice);
		const m = dealer(mallory);
		const feed = new RawSub({pubEndpoint: hub.pubEndpoint, socketOptions: curveOptions(hubKeys.publicKey, alice)}, '#lobby:');
		try {
			await a.hello('alice', ['lobby'], aliceSecret);
			// Not the nick, in any case or look-alike spelling.
			for (const nick of ['alice', 'ALICE', 'a1ice', 'aIice']) {
				const r = await m.tryHello(nick);
				assert.ok(r.type === 'error' && r.code === 'nick_reserved', `${nick}: ${JSON.stringify(r)}`);
			}
			// Not the session, even with its secret.
			const stolen = await m.tryHello('alice', aliceSecret);
			assert.ok(stolen.type === 'error' && stolen.code === 'unauthorized', JSON.stringify(stolen));
			// Under its own name, mallory cannot take alice's nick later either.
			await m.hello('mallory');
			await m.send({type: 'nick', id: 'n1', nick: 'Alice'});
			const renamed = await m.reply('error', r => r.re === 'n1');
			assert.equal(renamed.code, 'nick_reserved');
			await m.send({type: 'say', id: 's1', room: 'lobby', text: 'I am alice', from: 'alice'});
			await m.reply('ack', r => r.re === 's1');
			await a.send({type: 'say', id: 's2', room: 'lobby', text: 'the real alice'});
			await waitFor('both messages on the feed', () => feed.text().includes('the real alice') && feed.text().includes('I am alice'));
			const events = feed.messages.flatMap(([, ...frames]) => frames.map(f => JSON.parse(f) as {type: string; from: string; text?: string}));
			assert.deepEqual(
				events.filter(e => e.type === 'message').map(e => `${e.from}: ${e.text}`),
				['mallory: I am alice', 'alice: the real alice'],
			);
			const who = await (async () => {
				await a.send({type: 'who', id: 'w'});
				return a.reply('who', r => r.re === 'w');
			})();
			assert.deepEqual(who.members.map(x => x.nick), ['alice', 'mallory']);
		} finally {
			await Promise.all([a.close(), m.close(), feed.close()]);
		}
	});

	test('the welcome names the key the hub saw; a zchat client uses it', async () => {
		const c = connectClient(hub, 'alicia', {}, {serverKey: hubKeys.publicKey, ...alice});
		try {
			await c.waitConnected();
			c.client.line('hello with a key');
			await c.waitMessage('hello with a key');
		} finally {
			await c.close();
		}
	});
});

describe('the feed port admits keys itself, by the access list, and fails closed', () => {
	const hubKeys = generateKeyPair();
	const alice = generateKeyPair();
	/** An access list whose check can be made to throw, as a broken store would. */
	class BrittleAccess extends Access {
		broken = false;
		override refuses(key: string, now: number): ReturnType<Access['refuses']> {
			if (this.broken) throw new Error('the access store is unreadable');
			return super.refuses(key, now);
		}
	}
	let access: BrittleAccess | undefined;
	const makeAccess = (store: ConstructorParameters<typeof Access>[0]) => (access = new BrittleAccess(store, {authorized: [{key: alice.publicKey, nick: 'alice'}]}));
	const curveOf = (k: {publicKey: string; secretKey: string}) => ({curveServerKey: hubKeys.publicKey, curvePublicKey: k.publicKey, curveSecretKey: k.secretKey});

	test('a listed member reads the feed; a stranger is refused at the handshake', async () => {
		const hub = await startHub({curve: hubKeys, access: makeAccess});
		const member = new zmq.Subscriber({linger: 0, ...curveOf(alice)});
		const stranger = new zmq.Subscriber({linger: 0, ...curveOf(generateKeyPair())});
		const strangerRefused = refusals(stranger);
		try {
			for (const s of [member, stranger]) {
				s.subscribe('');
				s.connect(hub.pubEndpoint);
			}
			await waitFor('the feed to turn the stranger away', () => strangerRefused() > 0, 10_000);
			await waitFor('the member to be subscribed', () => hub.feed.stats().subscriptions === 1, 10_000);
			assert.equal(hub.feed.stats().closed['key-refused'] !== undefined, true);
		} finally {
			member.close();
			stranger.close();
			await hub.stop();
		}
	});

	test('an access check that throws refuses: connections made before go on, new ones are refused', async () => {
		const hub = await startHub({curve: hubKeys, access: makeAccess});
		const before_ = connectClient(hub, 'alice', {}, {serverKey: hubKeys.publicKey, ...alice});
		const late = new zmq.Subscriber({linger: 0, ...curveOf(alice)});
		const lateRefused = refusals(late);
		try {
			await before_.waitConnected();
			access!.broken = true;
			late.subscribe('');
			late.connect(hub.pubEndpoint);
			await waitFor('the new subscriber to be refused', () => lateRefused() > 0, 10_000);
			assert.ok((hub.feed.stats().closed['key-refused'] ?? 0) > 0);
			access!.broken = false;
			before_.client.line('still connected');
			await before_.waitMessage('still connected');
		} finally {
			late.close();
			await before_.close();
			await hub.stop();
		}
	});
});

/** Count the times a socket's connection was turned away during its handshake (attach right after connecting). */
function refusals(socket: zmq.Dealer | zmq.Subscriber): () => number {
	let n = 0;
	for (const type of ['handshake:error:protocol', 'handshake:error:other', 'handshake:error:auth', 'disconnect'] as const) socket.events.on(type, () => n++);
	return () => n;
}
