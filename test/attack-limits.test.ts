import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {LOOKALIKE_PAIRS} from './attack/lookalike-pairs.js';
import type {ScenarioOptions} from './attack/scenarios-11.js';
import {allowedBy, DEFAULT_RATE, roomGrab, sessionCycle, sessionMemory, stalledFeed} from './attack/scenarios-12.js';
import {banReturn, lookalikes, muted} from './attack/scenarios-moderation.js';
import {finished, memoryProblems} from './attack/verdicts.js';

/**
 * Issue 12 ("Limits that follow the person, not the session"), its acceptance played by
 * attackers: each row of the table (but the terminal ones: attack-terminal.test.ts)
 * tried again by a real attacker process against a real `zchat hub` (test/attack/README.md).
 * Written before the defence: on the hub of 2026-11-30 every test here fails.
 */

/** The session-cycling flood may store what the default limit (5 at once, 1 a second) allows, plus this many. */
const FLOOD_TOLERANCE = DEFAULT_RATE.burst;
/** Lines the hub may log during the 2 s flood: a refused burst is logged once, not a line a refusal. */
const FLOOD_LOG_LINES_MAX = 20;
/** What one attacker may add to --data a second (4 KB of control characters a line), averaged over the flood. */
const DATA_GROWTH_MAX_BYTES_PER_S = 64 * 1024;
/** What the same flood may add to a --memory hub's RSS. */
const MEMORY_HUB_GROWTH_MAX_MB = 20;
/** A session's cost at rest, apart from its connection (1000 sessions). */
const SESSION_KIB_MAX = 8;
/** What 8 subscribers that never read may pin in the hub while 24 KB events flow. */
const STALLED_FEED_RSS_MAX_MB = 64;
/** The flood must have tried this many times what the limit allows, or it proves nothing (a slow machine). */
const FLOOD_ATTEMPTS_MIN_FACTOR = 4;
/** The room grab must have asked for more rooms than an unchecked hub holds (10,000 / 32). */
const ROOM_GRAB_HELLOS_MIN = 320;
/** The stalled-feed attack must have pushed this many 24 KB events (~140 MiB), or it proves nothing. */
const STALLED_EVENTS_MIN = 6000;
/** The look-alike table must hold at least this many pairs. */
const LOOKALIKE_PAIRS_MIN = 40;
const CEILING_MB = 250;

const o: ScenarioOptions = {scale: 'test', ceilingMb: CEILING_MB};

describe('issue 12: limits that follow the person, attacked', {concurrency: false}, () => {
	for (const [kind, keyed] of [
		['say', false],
		['msg', false],
		['nick', false],
		['topic', false],
		['say', true],
	] as const) {
		const where = keyed ? 'an --authorized hub, one key' : 'an open hub';
		test(`issue 12, hello with a fresh session every 5 lines (${kind}, ${where}): stores at most what the default limit allows (± one burst)`, async () => {
			const m = await sessionCycle(o, {kind, keyed});
			const problems: string[] = [];
			const a = finished(m.attack, problems);
			if (a) {
				const allowed = allowedBy(DEFAULT_RATE, a.seconds) + FLOOD_TOLERANCE;
				if (a.attempted < FLOOD_ATTEMPTS_MIN_FACTOR * allowed) problems.push(`inconclusive: the attacker tried only ${a.attempted} ${kind} in ${a.seconds} s`);
				if (a.stored > allowed) problems.push(`${a.stored} ${kind} went through in ${a.seconds} s (${a.storedPerSecond}/s over ${a.welcomes} sessions), over the ${allowed} the limit allows; refusals: ${JSON.stringify(a.refused)}`);
				if (kind === 'msg' && (a.dmsReceived ?? 0) > allowed) problems.push(`${a.dmsReceived} DMs reached their one recipient`);
			}
			if (m.logLines > FLOOD_LOG_LINES_MAX) problems.push(`the hub logged ${m.logLines} lines during the flood, over ${FLOOD_LOG_LINES_MAX}`);
			assert.deepEqual(problems, []);
		});
	}

	test(`issue 12, the same with 4 KB of control characters a line: --data grows at most ${DATA_GROWTH_MAX_BYTES_PER_S / 1024} KiB a second`, async () => {
		const m = await sessionCycle(o, {kind: 'say', ctrl: true, data: true});
		const problems: string[] = [];
		const a = finished(m.attack, problems);
		if (a && a.attempted < FLOOD_ATTEMPTS_MIN_FACTOR * (allowedBy(DEFAULT_RATE, a.seconds) + FLOOD_TOLERANCE)) problems.push(`inconclusive: the attacker tried only ${a.attempted} lines`);
		if (!m.data) problems.push('no --data was measured');
		else if (m.data.bytesPerSecond > DATA_GROWTH_MAX_BYTES_PER_S) {
			problems.push(`--data grew ${Math.round(m.data.bytesPerSecond / 1024)} KiB a second (${m.data.beforeBytes} → ${m.data.afterBytes} bytes in ${m.attackMs} ms)`);
		}
		assert.deepEqual(problems, []);
	});

	test(`issue 12, the same with 4 KB of control characters a line: a --memory hub grows at most ${MEMORY_HUB_GROWTH_MAX_MB} MB`, async () => {
		const m = await sessionCycle(o, {kind: 'say', ctrl: true});
		const problems = memoryProblems(m, MEMORY_HUB_GROWTH_MAX_MB);
		const a = finished(m.attack, problems);
		if (a && a.attempted < FLOOD_ATTEMPTS_MIN_FACTOR * (allowedBy(DEFAULT_RATE, a.seconds) + FLOOD_TOLERANCE)) problems.push(`inconclusive: the attacker tried only ${a.attempted} lines`);
		assert.deepEqual(problems, []);
	});

	test('issue 12, hello naming 32 new rooms, repeated: the hub stays usable (another user can create a room, also after a restart)', async () => {
		const m = await roomGrab(o);
		const r = m.attack;
		const problems: string[] = [];
		const grab = finished(r.grab, problems);
		if (grab && grab.hellos < ROOM_GRAB_HELLOS_MIN) problems.push(`inconclusive: the attacker sent only ${grab.hellos} hellos in its time`);
		if (r.createAfter !== 'joined') problems.push(`after the grab (${grab?.roomsTaken ?? '?'} rooms taken), another user's new room: ${r.createAfter}`);
		if (r.createAfterRestart !== 'joined') problems.push(`after a restart on the same data, another user's new room: ${r.createAfterRestart}`);
		assert.deepEqual(problems, []);
	});

	test("issue 12, a muted member's words reach no one (say, DM, topic, away, part and bye reasons, coming back as bob_), and its nick stays", async () => {
		const m = await muted(o);
		const problems = m.attack.leaks.map(l => `reached someone: ${l}`);
		if (m.attack.nickChanged) problems.push('the muted member changed its nick');
		assert.deepEqual(problems, [], `tries: ${JSON.stringify(m.attack.bob.tries)}`);
	});

	for (const variant of ['offline', 'kick-then-ban'] as const) {
		const what = variant === 'offline' ? '/ban bob while bob is offline: his key comes back as bob2' : '/kick carol then /ban carol 10m: her key comes back as dave';
		test(`issue 12, ${what}, and is kept out`, async () => {
			const m = await banReturn(o, variant);
			const problems: string[] = [];
			const a = finished(m.attack, problems);
			if (a?.welcomed) problems.push(`the banned member's key got in under another nick${a.said === 'ack' ? ' and spoke' : ''}`);
			assert.deepEqual(problems, []);
		});
	}

	for (const mode of ['reserved', 'inuse'] as const) {
		const what = mode === 'reserved' ? 'reserved nicks on a hub with keys (hello and /nick)' : 'nicks in use on an open hub, both ways';
		test(`issue 12, look-alikes of ${what}: all ${LOOKALIKE_PAIRS.length} pairs refused, plainly other names let in`, async () => {
			assert.ok(LOOKALIKE_PAIRS.length >= LOOKALIKE_PAIRS_MIN, `the table has ${LOOKALIKE_PAIRS.length} pairs, fewer than ${LOOKALIKE_PAIRS_MIN}`);
			const m = await lookalikes(o, mode);
			const problems: string[] = [];
			const a = finished(m.attack, problems);
			if (a) {
				if (a.allowed.length > 0) problems.push(`${a.allowed.length} look-alikes let in: ${a.allowed.join(', ')}`);
				if (a.controlsRefused.length > 0) problems.push(`other names refused: ${a.controlsRefused.join(', ')}`);
			}
			assert.deepEqual(problems, []);
		});
	}

	test(`issue 12, 1000 sessions: a session costs at most ${SESSION_KIB_MAX} KiB of hub memory at rest`, async () => {
		const m = await sessionMemory(o);
		const s = m.attack;
		const problems: string[] = [];
		if (s.welcomed < 1000) problems.push(`only ${s.welcomed} of 1000 sessions were made`);
		if (s.perSessionKiB > SESSION_KIB_MAX) problems.push(`a session costs ${s.perSessionKiB} KiB (${s.connectedMb.toFixed(1)} → ${s.sessionsMb.toFixed(1)} MiB for ${s.welcomed}; a connection ${s.perConnectionKiB} KiB besides)`);
		assert.deepEqual(problems, []);
	});

	test(`issue 12, 8 subscribers that never read while 24 KB events flow pin at most ${STALLED_FEED_RSS_MAX_MB} MB (the feed bound counts bytes)`, async () => {
		const m = await stalledFeed(o);
		const problems = memoryProblems(m, STALLED_FEED_RSS_MAX_MB);
		const a = finished(m.attack, problems);
		if (a && a.acked < STALLED_EVENTS_MIN) problems.push(`inconclusive: only ${a.acked} events were pushed past the stalled subscribers`);
		assert.deepEqual(problems, []);
	});
});
