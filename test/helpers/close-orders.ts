/**
 * A child process for the close stress runs: repeats one order of opening, loading and closing
 * zeromq sockets, printing "ok <n>" after each round, so a parent counts how far it got when
 * libzmq aborts the process. Usage: node close-orders.js <order> <rounds> [deadline]
 */
import {ORDERS} from './close-order-list.js';

const [order, roundsText] = process.argv.slice(2);
const run = order ? ORDERS[order] : undefined;
if (!run) {
	process.stderr.write(`unknown order ${order ?? ''}; one of: ${Object.keys(ORDERS).join(', ')}\n`);
	process.exit(2);
}
const rounds = Number(roundsText ?? '1');
// Optional: stop early (still exit 0) once this time (ms since the epoch) has passed.
const deadline = Number(process.argv[4] ?? Infinity);
for (let i = 1; i <= rounds && Date.now() < deadline; i++) {
	await run();
	process.stdout.write(`ok ${i}\n`);
}
process.exit(0);
