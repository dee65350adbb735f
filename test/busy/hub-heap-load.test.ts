// The hub's heap follows its load (src/cli/hub-heap.ts), on a real `zchat hub`: V8's young
// generation grows under a flood of stored messages and is given back once the flood ends.
// In test/busy/: the flood must reach the busy rate, and RSS readings want a quiet machine.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {startAttacker} from '../attack/children.js';
import {peakRssMb, rssMb, settledRssMb} from '../attack/rss.js';
import {spawnHub} from '../helpers/cli.js';
import {waitFor} from '../helpers/wait.js';

/** What the young generation must have grown to under the flood (it is 1–2 MiB at rest; V8's most is 32). */
const GROWN_MIB_MIN = 8;
/** How soon after the flood's end it must be small again: 2 s to call it rest, ~8 s of V8's memory reducer at worst. */
const GIVEN_BACK_MS = 20_000;
/** The hub's RSS then, above what it was before the flood (the flood's history stays in memory: ~6 MB measured). */
const RSS_LEFT_MB_MAX = 20;

test(`a flood grows the hub's young generation to ${GROWN_MIB_MIN} MiB or more; ${GIVEN_BACK_MS / 1000} s after it ends it is back to 2 MiB, and the RSS within ${RSS_LEFT_MB_MAX} MB of before`, async () => {
	const hub = await spawnHub();
	const pid = hub.proc.child.pid!;
	try {
		const before = (await settledRssMb(pid, 7, 50)) ?? 0;
		const flood = startAttacker<{acked: number}>('specbot', [...hub.args, '--senders', '2', '--subscribers', '1', '--seconds', '4']);
		await hub.proc.waitLine(/heap: busy/, 10_000);
		const r = await flood.result;
		const peak = peakRssMb(pid);
		const ended = Date.now();
		assert.ok(r.done, `the flood did not finish: ${JSON.stringify(r)}`);
		const atRest = await hub.proc.waitLine(/heap: at rest: young generation \d+ MiB/, 10_000);
		const [, grown, left] = /young generation (\d+) MiB, now (\d+) MiB/.exec(atRest) ?? [];
		assert.ok(Number(grown) >= GROWN_MIB_MIN, `the young generation was ${grown} MiB at the flood's end (${r.acked} messages; RSS ${before} → ${peak} MB): it did not grow`);
		if (Number(left) > 2) await hub.proc.waitLine(/heap: young generation given back/, Math.max(1000, GIVEN_BACK_MS - (Date.now() - ended)));
		const back = await waitFor(
			() => `the hub's RSS to come within ${RSS_LEFT_MB_MAX} MB of ${before} MB (now ${rssMb(pid)} MB, peak ${peak} MB)`,
			() => {
				const now = rssMb(pid) ?? Infinity;
				return now <= before + RSS_LEFT_MB_MAX ? now : undefined;
			},
			Math.max(1000, GIVEN_BACK_MS - (Date.now() - ended)),
			100,
		);
		assert.ok(back <= before + RSS_LEFT_MB_MAX);
	} finally {
		hub.proc.child.kill('SIGTERM');
		await hub.proc.exited;
	}
});
