import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {LOOKALIKE_PAIRS} from './attack/lookalike-pairs.js';
import type {ScenarioOptions} from './attack/scenarios-11.js';
import {banReturn, lookalikes, muted} from './attack/scenarios-moderation.js';
import {finished} from './attack/verdicts.js';

/**
 * Issue 12's who-is-who rows, played by attackers against a real `zchat hub`
 * (test/attack/README.md): a muted member, bans of an offline nick, look-alike nicks.
 * Written before the defence: on the hub of 2026-11-30 every test here failed.
 */

/** The look-alike table must hold at least this many pairs. */
const LOOKALIKE_PAIRS_MIN = 40;
const CEILING_MB = 250;

const o: ScenarioOptions = {scale: 'test', ceilingMb: CEILING_MB};

describe('issue 12: mutes, bans and look-alikes, attacked', {concurrency: false}, () => {
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
});
