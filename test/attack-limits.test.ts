import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {ScenarioOptions} from './attack/scenarios-11.js';
import {allowedBy, DEFAULT_RATE, roomGrab, sessionCycle} from './attack/scenarios-12.js';
import {finished, memoryProblems} from './attack/verdicts.js';

/**
 * Issue 12 ("Limits that follow the person, not the session"), its acceptance played by
 * attackers: each row of the table (but the terminal ones: attack-terminal.test.ts)
 * tried again by a real attacker process against a real `zchat hub` (test/attack/README.md).
 * Here the floods, storage and rooms; who-is-who rows in attack-moderation.test.ts, memory in
 * attack-memory.test.ts (each file well under the suite's 120 s a file).
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
/** The flood must have tried this many times what the limit allows, or it proves nothing (a slow machine). */
const FLOOD_ATTEMPTS_MIN_FACTOR = 4;
/** The room grab must have asked for more rooms than an unchecked hub holds (10,000 / 32). */
const ROOM_GRAB_HELLOS_MIN = 320;
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
});
