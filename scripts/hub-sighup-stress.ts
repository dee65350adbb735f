/**
 * The SIGHUP acceptance run in full (test/hub-sighup-stress.test.ts runs a small one in CI):
 * a `zchat hub` with keys, 200 subscribers and 1000 lines a second flowing, a member removed
 * and SIGHUP sent 50 times in a row. Exit 0 if the hub answered every SIGHUP, kept the feed
 * going and exited 0 at the end.
 *
 *   node dist/scripts/hub-sighup-stress.js [--subscribers 200] [--rate 1000] [--sighups 50]
 */
import {parseArgs} from 'node:util';
import {sighupStress} from '../test/helpers/sighup-stress.js';

const {values} = parseArgs({
	options: {
		subscribers: {type: 'string', default: '200'},
		rate: {type: 'string', default: '1000'},
		sighups: {type: 'string', default: '50'},
	},
});
const r = await sighupStress({
	subscribers: Number(values.subscribers),
	rate: Number(values.rate),
	sighups: Number(values.sighups),
	log: line => process.stdout.write(`${line}\n`),
});
const ok = r.aliveThroughout && r.answered === Number(values.sighups) && r.feedAfterLast && r.backAfterLast >= 0.9 && r.exit === 0 && r.removedHeard === 0;
process.stdout.write(
	`${ok ? 'ok' : 'FAILED'}: ${r.answered}/${values.sighups} SIGHUPs answered, hub alive throughout: ${r.aliveThroughout}, ` +
		`feed after the last: ${r.feedAfterLast} (${Math.round(r.backAfterLast * 100)}% of listeners back), 90% of listeners heard the feed again after each in ${r.recoveryMs.median} ms ` +
		`(median; max ${r.recoveryMs.max}; ${r.slow} took over 30 s), ` +
		`removed members hearing on: ${r.removedHeard}, hub exit: ${r.exit}, ${r.acked} of ${r.said} lines acked (${r.ratePerS} lines/s offered; senders said hello again ${r.helloAgain} times, errors ${JSON.stringify(r.errors)}), ${r.received} feed messages received, ${(r.ms / 1000).toFixed(1)} s\n`,
);
const sessionsEnded = r.stdout.split('\n').filter(l => / left \(/.test(l));
process.stdout.write(`hub log: ${sessionsEnded.length} sessions ended${sessionsEnded.length > 0 ? `, the last: ${sessionsEnded.at(-1)}` : ''}\n`);
if (!ok) process.stdout.write(`hub stderr:\n${r.stderr}\nhub log (last lines):\n${r.stdout.split('\n').filter(l => !/feed socket replaced|SIGHUP: re-read|refused a connection/.test(l)).slice(-40).join('\n')}\n`);
process.exit(ok ? 0 : 1);
