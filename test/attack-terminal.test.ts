import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {forgedRow, hostileHubOutputs, lineModeBanReason, tuiKickReason} from './attack/scenarios-terminal.js';

/**
 * Issue 12's terminal rows, played by attackers: an operator's kick or ban reason, and a
 * hostile hub's texts, carrying OSC 0 (title), OSC 52 (clipboard), OSC 8 (link), ESC[2J, C1
 * controls, a bidi override and BEL; and a message padded to forge a row. Nothing of it may
 * reach a terminal or an output raw (test/attack/hostile-text.ts says what "raw" is).
 * Written before the defence: on the hub of 2026-11-30 the TUI, `zchat send` and the
 * forged-row tests fail.
 */

/** Raw controls allowed in any output: none. */
const RAW_ALLOWED = 0;

describe('issue 12: nothing raw on any terminal', {concurrency: false}, () => {
	test("issue 12, a kick reason with OSC 0/52/8, ESC[2J and C1 controls: nothing raw in the TUI's exit message", async () => {
		const shown = await tuiKickReason();
		assert.equal(shown.raw.length, RAW_ALLOWED, `${shown.what} (exit ${shown.exit}): ${shown.raw.join('; ')}`);
	});

	test('issue 12, a ban reason with escapes: nothing raw in line mode', async () => {
		const shown = await lineModeBanReason();
		assert.ok(shown.reached, 'the reason was shown (escaped), so the check looked at it');
		assert.equal(shown.raw.length, RAW_ALLOWED, `${shown.what}: ${shown.raw.join('; ')}`);
	});

	test("issue 12, a hostile hub's texts: nothing raw from zchat send, who, stats and line mode", async () => {
		const outputs = await hostileHubOutputs();
		const reached = outputs.filter(s => s.reached).map(s => s.what);
		assert.ok(reached.length >= 5, `the hostile text reached only: ${reached.join(', ')}`);
		assert.deepEqual(
			outputs.filter(s => s.raw.length > RAW_ALLOWED).map(s => `${s.what} (exit ${s.exit}): ${s.raw.length} raw, first ${s.raw[0]}`),
			[],
		);
	});

	test('issue 12, a message padded with spaces does not forge a row in line mode on a terminal', async () => {
		const r = await forgedRow();
		assert.deepEqual(r.forgedRows, [], `the screen:\n${r.screen.filter(x => x.trim() !== '').join('\n')}`);
	});
});
