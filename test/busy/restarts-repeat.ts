/**
 * The issue 15 scenario run again and again, one run after the other, for measuring a rate
 * of failure: `node dist/test/busy/restarts-repeat.js [runs=10] [lines=1000] [killAt=1500,3200]`.
 * Prints each run's exit codes, lost and duplicated lines, and a count of failed runs.
 */
import {cpuHogs, restartScenario} from '../helpers/restarts.js';

const runs = Number(process.argv[2] ?? 10);
const lines = Number(process.argv[3] ?? 1000);
const killAt = (process.argv[4] ?? '1500,3200').split(',').map(Number);
const hogs = cpuHogs();
let failed = 0;
try {
	for (let i = 1; i <= runs; i++) {
		const o = await restartScenario(i, {lines, killAt}, 120_000);
		const ok = o.codes.every(c => c === 0) && o.lost === 0 && o.duplicated === 0;
		if (!ok) failed++;
		console.log(`run ${i}: exit codes ${o.codes.join(',')}, lost ${o.lost}, duplicated ${o.duplicated}, watchdog ${o.watchdog}, ${o.ms} ms ${ok ? 'ok' : 'FAILED'}`);
		if (!ok) console.log(o.stderr.join('\n'));
	}
} finally {
	hogs.stop();
}
console.log(`${failed} of ${runs} runs failed (5 senders x ${lines} lines, hub killed at ${killAt.join(' and ')} messages seen, ${hogs.count} CPU hogs)`);
process.exit(failed === 0 ? 0 : 1);
