/**
 * The close stress table: every order of close-order-list.ts, many rounds each, in child
 * processes, with a CPU hog on each core; prints orders × aborts as a markdown table.
 *
 *   node dist/scripts/zmq-close-stress.js [--rounds 200] [--hogs <cores>] [--orders a,b] [--budget-s 120]
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {availableParallelism} from 'node:os';
import {parseArgs} from 'node:util';
import {ORDERS} from '../test/helpers/close-order-list.js';
import {stressOrder} from '../test/helpers/close-stress.js';

const {values} = parseArgs({
	options: {
		rounds: {type: 'string', default: '200'},
		hogs: {type: 'string', default: String(availableParallelism())},
		orders: {type: 'string'},
		'budget-s': {type: 'string', default: '120'},
		'per-process': {type: 'string', default: '25'},
	},
});
const rounds = Number(values.rounds);
const names = values.orders ? values.orders.split(',') : Object.keys(ORDERS);
const unknown = names.filter(n => !(n in ORDERS));
if (unknown.length > 0) {
	process.stderr.write(`unknown orders: ${unknown.join(', ')}; known: ${Object.keys(ORDERS).join(', ')}\n`);
	process.exit(2);
}

const hogs: ChildProcess[] = Array.from({length: Number(values.hogs)}, () => spawn(process.execPath, ['-e', 'for(;;){}'], {stdio: 'ignore'}));
const stopHogs = () => {
	for (const h of hogs) h.kill('SIGKILL');
};
process.on('exit', stopHogs);
process.on('SIGINT', () => process.exit(130));

process.stdout.write(`${rounds} rounds per order, ${hogs.length} CPU hog(s), node ${process.version}\n\n`);
process.stdout.write('| order | rounds | aborts (SIGABRT) | other crashes | other failures | s | first words |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |\n');
for (const name of names) {
	const r = await stressOrder(name, rounds, {budgetMs: Number(values['budget-s']) * 1000, perProcess: Number(values['per-process'])});
	const said = r.assertion ?? r.failure ?? '';
	process.stdout.write(`| ${name} | ${r.rounds} | ${r.aborts} | ${r.crashes} | ${r.failures} | ${(r.ms / 1000).toFixed(0)} | ${said.replace(/\|/g, '\\|').slice(0, 140)} |\n`);
}
stopHogs();
