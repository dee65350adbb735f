import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {logLine, parseSince} from '../src/cli/log-command.js';
import type {HubServer} from '../src/hub/server.js';
import type {FeedEvent} from '../src/protocol/types.js';
import {spawnZchat} from './helpers/cli.js';
import {join, type Member} from './helpers/front-door.js';
import {startHub} from './helpers/hub.js';
import {waitFor} from './helpers/wait.js';

/**
 * Long histories from the command line: `zchat join --history N` for any N the hub keeps
 * (and "all"), paged 500 at a time; `zchat log` prints a room's history, paged, oldest first,
 * escaped like line mode, with --since and --json.
 */

const TOTAL = 1200;
const EVIL = 'title\x1b]0;pwned\x07 red\x1b[31m bidi\u202e end';

async function run(args: readonly string[], input = ''): Promise<{code: number | string; stdout: string; stderr: string}> {
	const p = spawnZchat(args, {ZCHAT_CONFIG: ''});
	p.child.stdin.end(input);
	const code = await p.exited;
	return {code, stdout: p.stdout(), stderr: p.stderr()};
}

describe('long histories: join --history and zchat log', () => {
	let hub: HubServer;
	let writer: Member;
	let at: string[];
	/** The room's events as the hub stored them (each test's readers add their joins and quits). */
	const storedEvents = (): FeedEvent[] => {
		const out: FeedEvent[] = [];
		for (let after = 0; ; ) {
			const page = hub.store.history('big', {after, limit: 500});
			out.push(...page.events.map(json => JSON.parse(json) as FeedEvent));
			if (!page.more) return out;
			after = out[out.length - 1]!.seq;
		}
	};

	before(async () => {
		hub = await startHub();
		at = ['--host', '127.0.0.1', '--sub', String(hub.subPort), '--pub', String(hub.pubPort)];
		writer = await join(hub, 'writer', ['big']);
		for (let i = 1; i <= TOTAL; i++) writer.client.intent({type: 'say', text: i === 7 ? EVIL : `line ${i}`});
		await waitFor('every line stored', () => writer.client.state.pending.length === 0 && writer.client.state.queue.length - writer.client.state.queueHead === 0 && hub.store.head('big') === TOTAL + 1, 60_000);
		assert.equal(storedEvents().length, TOTAL + 1, 'the writer joined, then said every line');
	});

	after(async () => {
		await writer.close();
		await hub.stop();
	});

	test('join --history 1100: the last 1100 events of the room, once each, in order (it stopped at 500)', async () => {
		const stored = storedEvents();
		const r = await run(['join', '--plain', '--no-timestamps', '--nick', 'reader', '--room', 'big', '--history', '1100', ...at]);
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.trimEnd().split('\n');
		const history = lines.slice(0, 1100);
		assert.deepEqual(history, stored.slice(-1100).map(e => (e.type === 'message' ? `<writer> ${e.text}` : `not a message: ${e.type}`)));
		assert.equal(lines[1100], '-- reader joined #big', 'then the live feed');
	});

	test('join --history all: everything the hub keeps', async () => {
		const stored = storedEvents();
		const r = await run(['join', '--json', '--nick', 'reader2', '--room', 'big', '--history', 'all', ...at]);
		assert.equal(r.code, 0, r.stderr);
		const events = r.stdout.trimEnd().split('\n').map(l => JSON.parse(l) as {seq: number; replay?: boolean});
		assert.deepEqual(events.filter(e => e.replay).map(e => e.seq), stored.map(e => e.seq));
	});

	test('join --history: a bad value says what it must be, exit 2', async () => {
		const r = await run(['join', '--history', 'lots', ...at]);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /--history <n\|all>' argument 'lots' is invalid\. must be a whole number of events \(0 for none\), or "all"/);
	});

	test('zchat log: the whole room, paged, oldest first, one line per event with its date, escaped', async () => {
		const stored = storedEvents();
		const r = await run(['log', '--room', '#big', ...at]);
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.trimEnd().split('\n');
		assert.ok(lines.length > 1000);
		assert.deepEqual(lines, stored.map(logLine));
		assert.match(lines[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d -- writer joined #big$/);
		assert.match(lines[7]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d <writer> title\^\[\]0;pwned\^G red\^\[\[31m bidi<U\+202E> end$/);
		assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, 'nothing that acts on a terminal');
	});

	test('zchat log --since and --json: only what happened since, as objects; the exact text for scripts, terminal-safe', async () => {
		const stored = storedEvents();
		const from = stored[900]!;
		const since = new Date(from.ts).toISOString();
		const r = await run(['log', '--room', 'big', '--json', '--since', since, ...at]);
		assert.equal(r.code, 0, r.stderr);
		const got = r.stdout.trimEnd().split('\n').map(l => JSON.parse(l) as {seq: number; from: string; type: string});
		assert.deepEqual(got.map(e => e.seq), stored.filter(e => e.ts >= from.ts).map(e => e.seq));

		const all = await run(['log', '--room', 'big', '--json', '--since', '1h', ...at]);
		const evil = all.stdout.split('\n').find(l => l.includes('pwned'))!;
		assert.doesNotMatch(evil, /[\u0000-\u001f\u007f-\u009f\u202e]/);
		assert.equal((JSON.parse(evil) as {text: string}).text, EVIL);
		assert.equal(all.stdout.trimEnd().split('\n').length, stored.length);

		const future = await run(['log', '--room', 'big', '--since', new Date(Date.now() + 3_600_000).toISOString(), ...at]);
		assert.deepEqual([future.code, future.stdout], [0, '']);
		const empty = await run(['log', '--room', 'nothing-here', ...at]);
		assert.deepEqual([empty.code, empty.stdout, empty.stderr], [0, '', '']);
	});

	test('zchat log: a bad --since, a dead hub: one line each, exit 2 and 1', async () => {
		const bad = await run(['log', '--since', 'last week', ...at]);
		assert.equal(bad.code, 2);
		assert.match(bad.stderr, /--since <when>' argument 'last week' is invalid\. must be a duration back from now/);
		const dead = await run(['log', '--sub', '9', '--timeout', '0.5']);
		assert.equal(dead.code, 1);
		assert.equal(dead.stderr, 'zchat: no answer from the hub at tcp://127.0.0.1:9 in 0.5 s: is "zchat hub" running there? (check --host and --sub)\n');
	});
});

test('--since: durations back from now, or times (a date alone is its local midnight)', () => {
	const now = Date.UTC(2026, 11, 1, 12, 0, 0);
	assert.equal(parseSince('2h', now), now - 7_200_000);
	assert.equal(parseSince('30m', now), now - 1_800_000);
	assert.equal(parseSince('2026-12-01T09:30:00Z', now), Date.UTC(2026, 11, 1, 9, 30));
	assert.equal(parseSince('2026-12-01', now), new Date(2026, 11, 1).getTime());
	assert.equal(parseSince('2026-12-01 09:30', now), new Date(2026, 11, 1, 9, 30).getTime());
	for (const bad of ['yesterday', '2026-13-45', '', '-5m']) assert.throws(() => parseSince(bad, now), /must be a duration back from now/, bad);
});
