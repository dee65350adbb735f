import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {ScenarioOptions} from './attack/scenarios-11.js';
import {sessionCycle} from './attack/scenarios-12.js';
import {finished, floodAllowance, floodConclusive} from './attack/verdicts.js';

/**
 * Issue 12 ("Limits that follow the person, not the session"), its acceptance played by
 * attackers: each row of the table (but the terminal ones: attack-terminal.test.ts)
 * tried again by a real attacker process against a real `zchat hub` (test/attack/README.md).
 * Here the floods; storage and rooms in attack-storage.test.ts, who-is-who rows in
 * attack-moderation.test.ts, memory in attack-memory.test.ts (each file well under the suite's
 * 120 s a file, also beside a CPU hog).
 * Written before the defence: on the hub of 2026-11-30 every test here fails.
 */

/** Lines the hub may log during the 2 s flood: a refused burst is logged once, not a line a refusal. */
const FLOOD_LOG_LINES_MAX = 20;
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
				const allowed = floodAllowance(a.seconds);
				if (!floodConclusive(a)) problems.push(`inconclusive: the attacker tried only ${a.attempted} ${kind} in ${a.seconds} s`);
				if (a.stored > allowed) problems.push(`${a.stored} ${kind} went through in ${a.seconds} s (${a.storedPerSecond}/s over ${a.welcomes} sessions), over the ${allowed} the limit allows; refusals: ${JSON.stringify(a.refused)}`);
				if (kind === 'msg' && (a.dmsReceived ?? 0) > allowed) problems.push(`${a.dmsReceived} DMs reached their one recipient`);
			}
			if (m.logLines > FLOOD_LOG_LINES_MAX) problems.push(`the hub logged ${m.logLines} lines during the flood, over ${FLOOD_LOG_LINES_MAX}`);
			assert.deepEqual(problems, []);
		});
	}
});
