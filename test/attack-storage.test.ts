import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {ScenarioOptions} from './attack/scenarios-11.js';
import {roomGrab, sessionCycle} from './attack/scenarios-12.js';
import {finished, floodConclusive, memoryProblems} from './attack/verdicts.js';

/**
 * Issue 12's acceptance played by attackers (test/attack/README.md), its storage and rooms
 * rows: the session-cycling flood of attack-limits.test.ts with 4 KB of control characters a
 * line, against --data and against a --memory hub, and hellos that grab rooms.
 * Written before the defence: on the hub of 2026-11-30 every test here fails.
 */

/** What one attacker may add to --data a second (4 KB of control characters a line), averaged over the flood. */
const DATA_GROWTH_MAX_BYTES_PER_S = 64 * 1024;
/** What the same flood may add to a --memory hub's RSS. */
const MEMORY_HUB_GROWTH_MAX_MB = 20;
/** The room grab must have asked for more rooms than an unchecked hub holds (10,000 / 32). */
const ROOM_GRAB_HELLOS_MIN = 320;
const CEILING_MB = 250;

const o: ScenarioOptions = {scale: 'test', ceilingMb: CEILING_MB};

describe('issue 12: storage and rooms, attacked', {concurrency: false}, () => {
	test(`issue 12, the same with 4 KB of control characters a line: --data grows at most ${DATA_GROWTH_MAX_BYTES_PER_S / 1024} KiB a second`, async () => {
		const m = await sessionCycle(o, {kind: 'say', ctrl: true, data: true});
		const problems: string[] = [];
		const a = finished(m.attack, problems);
		if (a && !floodConclusive(a)) problems.push(`inconclusive: the attacker tried only ${a.attempted} lines`);
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
		if (a && !floodConclusive(a)) problems.push(`inconclusive: the attacker tried only ${a.attempted} lines`);
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
