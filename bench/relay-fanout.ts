/**
 * `node dist/bench/relay-fanout.js`: the relay fan-out row of `npm run bench` on its own. One
 * hub (a real `zchat hub` process, with keys) and N subscribers, connected to it directly
 * against spread over R relays (real `zchat relay` processes), in the same run.
 *
 *   node dist/bench/relay-fanout.js [--subscribers 1000] [--relays 3] [--messages 1000] [--rounds 1] [--json]
 */
import {measureRelayFanout} from './relay-bench.js';
import {relayLines} from '../src/bench/relay-report.js';

const args = process.argv.slice(2);
const value = (flag: string, fallback: number, max: number) => {
	const i = args.indexOf(flag);
	if (i < 0) return fallback;
	const n = Number(args[i + 1]);
	if (!Number.isInteger(n) || n < 1 || n > max) {
		process.stderr.write(`relay-fanout: ${flag} takes a whole number from 1 to ${max}\n`);
		process.exit(2);
	}
	return n;
};
const settings = {
	subscribers: value('--subscribers', 1000, 5000),
	relays: value('--relays', 3, 16),
	messages: value('--messages', 1000, 100_000),
	rounds: value('--rounds', 1, 20),
};
const figures = await measureRelayFanout(settings, line => process.stderr.write(line + '\n'));
process.stdout.write(args.includes('--json') ? JSON.stringify(figures, null, 2) + '\n' : relayLines(figures).join('\n') + '\n');
if (figures.direct.errors.length + figures.relayed.errors.length > 0) process.exit(1);
