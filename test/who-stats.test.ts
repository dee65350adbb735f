import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {statsText} from '../src/cli/stats-command.js';
import {whoText} from '../src/cli/who-command.js';
import type {HubServer} from '../src/hub/server.js';
import {deadPort, join, zchat, type Member} from './helpers/front-door.js';
import {startHub} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/**
 * The hub's front door, with the real binary over real sockets: \`zchat who\` and
 * \`zchat stats\` ask a running hub over a REQ socket.
 */

describe('zchat who and zchat stats (REQ to the hub)', () => {
	let hub: HubServer;
	let alice: Member;
	let bob: Member;
	let at: string[];

	before(async () => {
		hub = await startHub();
		at = ['--host', '127.0.0.1', '--sub', String(hub.subPort)];
		alice = await join(hub, 'alice', ['lobby', 'dev']);
		bob = await join(hub, 'bob', ['lobby']);
		bob.client.intent({type: 'away', text: 'at lunch'});
		alice.client.intent({type: 'say', text: 'hello'});
		await waitFor('bob to be away and alice to be heard', () => hub.core.counters.messages === 1 && bob.messages.includes('alice: hello'));
		await waitFor("both clients' feed connections", () => hub.core.connections.pub === 2);
		await waitFor('bob to be marked away', async () => (await zchat(['who', ...at])).stdout.includes('away: at lunch'));
		await waitFor('the askers so far to be gone', () => hub.core.connections.router === 2);
	});

	after(async () => {
		await alice.close();
		await bob.close();
		await hub.stop();
	});

	it('who: everyone on the hub, with idle time and away message', async () => {
		const run = await zchat(['who', ...at]);
		assert.equal(run.code, 0, run.stderr);
		const lines = run.stdout.trimEnd().split('\n');
		assert.equal(lines[0], '2 on the hub:');
		assert.match(lines[1]!, /^ {2}alice {2}idle \d+s$/);
		assert.match(lines[2]!, /^ {2}bob {4}idle \d+s, away: at lunch$/);
		assert.equal(run.stderr, '');
	});

	it('who #room: one room; --json for scripts; an empty room is an answer, not an error', async () => {
		const dev = await zchat(['who', '#dev', ...at]);
		assert.equal(dev.code, 0, dev.stderr);
		assert.match(dev.stdout, /^1 in #dev:\n {2}alice {2}idle \d+s\n$/);

		const json = await zchat(['who', 'lobby', '--json', ...at]);
		assert.equal(json.code, 0, json.stderr);
		const parsed = JSON.parse(json.stdout) as {room: string; members: Array<{nick: string; idleMs: number; away?: string}>};
		assert.equal(parsed.room, 'lobby');
		assert.deepEqual(
			parsed.members.map(m => [m.nick, m.away]),
			[
				['alice', undefined],
				['bob', 'at lunch'],
			],
		);
		assert.ok(parsed.members.every(m => Number.isInteger(m.idleMs) && m.idleMs >= 0));

		const empty = await zchat(['who', 'nobody-here', ...at]);
		assert.equal(empty.code, 0, empty.stderr);
		assert.equal(empty.stdout, 'nobody is in #nobody-here\n');
		const emptyJson = await zchat(['who', 'nobody-here', '--json', ...at]);
		assert.deepEqual(JSON.parse(emptyJson.stdout), {room: 'nobody-here', members: []});
	});

	it('stats: uptime, sessions, connections, messages and rooms, as text', async () => {
		const run = await zchat(['stats', ...at]);
		assert.equal(run.code, 0, run.stderr);
		const rows = Object.fromEntries(run.stdout.trimEnd().split('\n').map(l => [l.slice(0, 12).trim(), l.slice(13)]));
		assert.match(rows['hub']!, new RegExp(`^tcp://127\\.0\\.0\\.1:${hub.subPort} \\(zchat \\S+, epoch ${hub.store.epoch}\\)$`));
		assert.match(rows['up']!, /^\d+s$/);
		assert.equal(rows['sessions'], '2');
		assert.match(rows['connections']!, /^[23] on the command socket, 2 on the feed$/);
		assert.equal(rows['messages'], '1 carried since it started');
		assert.equal(rows['rooms'], '2: #dev (1), #lobby (2)');
		assert.match(rows['replies']!, /^0 B unread in all; 0 connections held until they read \(0 messages waiting\)$/);
		assert.equal(rows['closed'], 'none for a limit since it started');
		// Asked from the hub's own machine: the busiest connections, alice's and bob's among them.
		assert.match(run.stdout, /#\d+ 127\.0\.0\.1 DEALER alice: /);
		assert.match(run.stdout, /#\d+ 127\.0\.0\.1 DEALER bob: /);
	});

	it('stats --json: the same for scripts', async () => {
		const run = await zchat(['stats', '--json', ...at]);
		assert.equal(run.code, 0, run.stderr);
		const s = JSON.parse(run.stdout) as Record<string, unknown>;
		assert.equal(s['hub'], `tcp://127.0.0.1:${hub.subPort}`);
		assert.equal(s['epoch'], hub.store.epoch);
		assert.equal(s['sessions'], 2);
		assert.equal(s['subscribers'], 2);
		assert.ok(s['connections'] === 2 || s['connections'] === 3, `connections ${String(s['connections'])}: the two clients, and maybe the asker`);
		assert.equal(s['messages'], 1);
		assert.ok(typeof s['uptimeMs'] === 'number' && s['uptimeMs'] >= 0);
		assert.deepEqual(s['rooms'], [
			{room: 'dev', members: 1, topic: ''},
			{room: 'lobby', members: 2, topic: ''},
		]);
		const port = s['port'] as {accepted: number; unsentBytes: number; closed: Record<string, number>; messagesIn: number; batches: number};
		assert.ok(port.accepted >= 2 && port.unsentBytes === 0, JSON.stringify(port));
		// Every message of a command was handed to the core in some batch: the hellos, the say, this question.
		assert.ok(port.batches >= 1 && port.messagesIn >= port.batches && port.messagesIn >= 4, JSON.stringify(port));
		const busiest = s['busiest'] as Array<{nick?: string; socketType: string; messagesIn: number}>;
		assert.ok(busiest.some(c => c.nick === 'alice' && c.socketType === 'DEALER' && c.messagesIn > 0), JSON.stringify(busiest));
	});

	it('a hub that does not answer: one clear line and exit 1 within --timeout', async () => {
		const port = await deadPort();
		for (const args of [['who'], ['stats'], ['stats', '--json'], ['who', 'dev']]) {
			// The same command answered at once, just before: what starting one costs on this machine now.
			const answered = await zchat([...args, ...at]);
			assert.equal(answered.code, 0, answered.stderr);
			const run = await zchat([...args, '--sub', String(port), '--timeout', '0.5']);
			assert.equal(run.code, 1, `${args.join(' ')}: ${run.stderr}`);
			assert.equal(run.stdout, '');
			assert.equal(run.stderr, `zchat: no answer from the hub at tcp://127.0.0.1:${port} in 0.5 s: is "zchat hub" running there? (check --host and --sub)\n`);
			// The half second, and closing its socket: well under the default timeout of 5 s more.
			assert.ok(run.ms >= 500 && run.ms - answered.ms < 3000, `${args.join(' ')} took ${run.ms} ms, ${run.ms - answered.ms} ms more than when answered at once (${answered.ms} ms)`);
		}
	});

	it('bad values exit 2 before asking anything', async () => {
		const room = await zchat(['who', 'No Such!', ...at]);
		assert.equal(room.code, 2);
		assert.match(room.stderr, /is not a room name/);
		const timeout = await zchat(['stats', '--timeout', 'soon', ...at]);
		assert.equal(timeout.code, 2);
		assert.match(timeout.stderr, /must be a number of seconds/);
	});
});

describe('who and stats output, without sockets', () => {
	it('who: peer text is made safe for the terminal', () => {
		const text = whoText('lobby', [{nick: 'mallory', idleMs: 61_000, away: 'gone\x1b]0;pwned\x07 \u202eevil'}]);
		assert.equal(text, '1 in #lobby:\n  mallory  idle 1m, away: gone^[]0;pwned^G <U+202E>evil\n');
		assert.equal(whoText(undefined, []), 'nobody is on the hub\n');
	});

	it('stats: a hub that does not report connections says so', () => {
		const text = statsText({
			hub: 'tcp://127.0.0.1:5555',
			version: '0.1.0',
			epoch: 'abc',
			uptimeMs: 2 * 3600_000 + 5 * 60_000,
			sessions: 0,
			connections: null,
			subscribers: null,
			messages: 0,
			rooms: [],
			port: null,
			busiest: null,
			relays: [],
			via: [],
		});
		assert.match(text, /^up {11}2h 5m$/m);
		assert.match(text, /^connections {2}not reported by this hub$/m);
		assert.match(text, /^rooms {8}none with anyone in them$/m);
		assert.doesNotMatch(text, /^(replies|closed|busiest) /m);
	});

	it("stats: a hostile hub's counts that are not numbers reach the terminal as '?', its rooms and relays' text escaped", () => {
		const evil = '\x1b[2J\nforged row' as unknown as number;
		const text = statsText({
			hub: 'tcp://127.0.0.1:5555',
			version: '0.1.0',
			epoch: 'abc',
			uptimeMs: 60_000,
			sessions: evil,
			connections: evil,
			subscribers: evil,
			messages: evil,
			rooms: [{room: 'lobby', members: evil, topic: ''}],
			port: {handshaking: evil, accepted: evil, refusedFull: evil, refusedPerAddress: evil, closed: {'slow-consumer': evil}, unsentBytes: evil, held: evil, waiting: evil, messagesIn: evil, batches: evil},
			busiest: [{id: evil, address: '127.0.0.1', socketType: 'DEALER', ageMs: 1, unsentBytes: evil, bytesIn: evil, bytesOut: evil, messagesIn: evil, messagesOut: evil, stalls: evil, held: false}],
			relays: [{id: evil, address: '127.0.0.1', clients: evil, ageMs: 1000}],
			via: [{version: '0.1.0', uptimeMs: 1000, clients: evil, subscribers: evil, upstream: 'tcp://h:1', connected: true, topics: evil}],
		} as unknown as Parameters<typeof statsText>[0]);
		assert.doesNotMatch(text, /\x1b|forged row/);
		assert.match(text, /^sessions {5}\?$/m);
		assert.match(text, /^rooms {8}1: #lobby \(\?\)$/m);
	});

	it("stats: what the command port's limits did, and its busiest connections, peer text made safe", () => {
		const text = statsText({
			hub: 'tcp://127.0.0.1:5555',
			version: '0.1.0',
			epoch: 'abc',
			uptimeMs: 60_000,
			sessions: 1,
			connections: 2,
			subscribers: 1,
			messages: 3,
			rooms: [],
			port: {handshaking: 1, accepted: 9, refusedFull: 0, refusedPerAddress: 2, closed: {'slow-consumer': 1, 'too-many-frames': 2, 'peer-closed': 4}, unsentBytes: 3 * 1024 * 1024, held: 1, waiting: 250},
			busiest: [
				{id: 7, address: '127.0.0.2', socketType: 'DEALER', nick: 'evil\x1b[2J', ageMs: 5000, unsentBytes: 3 * 1024 * 1024, bytesIn: 120_000, bytesOut: 9_000_000, messagesIn: 2000, messagesOut: 4, stalls: 1, held: true},
			],
			relays: [{id: 3, address: '10.0.0.7', key: 'relay\x1b[2Jkey', clients: 12, ageMs: 65_000}],
			via: [
				{version: '0.1.0', upstream: 'tcp://hub:5555', connected: true, clients: 1, subscribers: 1, topics: 1, uptimeMs: 1000},
				{version: '0.1.0', upstream: 'tcp://relay-a:5555', connected: false, clients: 40, subscribers: 41, topics: 3, uptimeMs: 120_000},
			],
		});
		assert.match(text, /^relays {7}#3 10\.0\.0\.7 key relay\^\[\[2Jkey: 12 clients · 1m$/m);
		assert.match(text, /^relay {8}zchat 0\.1\.0, up 2m: 40 clients, 41 on its feed; upstream tcp:\/\/relay-a:5555 NOT connected: its clients get no answers until it is back \(3 topics\)$/m);
		assert.match(text, /^then relay {3}zchat 0\.1\.0, up 1s: 1 client, 1 on its feed; upstream tcp:\/\/hub:5555 connected \(1 topic\)$/m);
		assert.match(text, /^replies {6}3\.0 MiB unread in all; 1 connection held until they read \(250 messages waiting\)$/m);
		assert.match(text, /^closed {7}since it started: 1 left its replies unread \(slow consumer\), 2 sent over 16 frames in a message$/m);
		assert.match(text, /^refused {6}0 with the hub full, 2 over the limit per address \(9 accepted, 1 in their handshake now\)$/m);
		assert.match(text, /^busiest {6}#7 127\.0\.0\.2 DEALER evil\^\[\[2J: 3\.0 MiB unread, held · in 2000 \(117\.2 KiB\) · out 4 \(8\.6 MiB\) · 1 stall · 5s$/m);
	});
});
