/**
 * The attack report: runs the named attacks (all when none are named) against fresh real
 * hubs and prints a markdown table: hub RSS before/peak/after, the bystander's ping, and what
 * the attack got.
 * Usage: node dist/test/attack/run.js [names...] [--scale test|report] [--ceiling-mb 1500] [--json] [--list]
 */
import {parseArgs} from 'node:util';
import {cpus, totalmem} from 'node:os';
import {bystanderText, type Measurement} from './measure.js';
import {ROWS, type Row} from './rows.js';
import type {Scale} from './scenarios-11.js';

const {values: a, positionals} = parseArgs({
	allowPositionals: true,
	options: {scale: {type: 'string', default: 'report'}, 'ceiling-mb': {type: 'string', default: '1500'}, json: {type: 'boolean', default: false}, list: {type: 'boolean', default: false}},
});
if (a.list) {
	for (const [name, row] of Object.entries(ROWS)) process.stdout.write(`${name.padEnd(20)} issue ${row.issue}: ${row.what}\n`);
	process.exit(0);
}
const unknown = positionals.filter(n => !(n in ROWS));
if (unknown.length > 0) {
	process.stderr.write(`unknown attack${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (--list names them)\n`);
	process.exit(2);
}
const scale = a.scale as Scale;
if (scale !== 'test' && scale !== 'report') {
	process.stderr.write('--scale is "test" (the acceptance tests\' sizes) or "report" (the issues\' own)\n');
	process.exit(2);
}
const options = {scale, ceilingMb: Number(a['ceiling-mb'])};
const names = positionals.length > 0 ? positionals : Object.keys(ROWS);

interface Line {
	readonly name: string;
	readonly issue: number;
	readonly rss: string;
	readonly bystander: string;
	readonly result: string;
	readonly seconds: number;
	readonly measurement?: Measurement<unknown>;
}

const lines: Line[] = [];
for (const name of names) {
	const row: Row = ROWS[name]!;
	const t0 = Date.now();
	process.stderr.write(`${name}: ${row.what} …`);
	let line: Line;
	try {
		const out = await row.run(options);
		const m = out.measurement;
		line = {
			name,
			issue: row.issue,
			rss: m ? `${m.rss.beforeMb} / ${m.rss.peakMb} / ${m.hubDied ? 'died' : m.rss.afterMb}${m.ceilingHit ? ' (ceiling)' : ''}` : '-',
			bystander: m ? bystanderText(m.bystander) : '-',
			result: out.summary,
			seconds: Math.round((Date.now() - t0) / 100) / 10,
			...(a.json && m ? {measurement: m} : {}),
		};
	} catch (err) {
		line = {name, issue: row.issue, rss: '-', bystander: '-', result: `failed to run: ${(err as Error).message.split('\n')[0]}`, seconds: Math.round((Date.now() - t0) / 100) / 10};
	}
	process.stderr.write(` ${line.seconds} s\n`);
	lines.push(line);
}

if (a.json) {
	process.stdout.write(JSON.stringify({date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 2 ** 20), options, lines}, null, 1) + '\n');
} else {
	const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
	process.stdout.write(`${new Date().toISOString().slice(0, 16)}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, scale ${scale}, ceiling +${options.ceilingMb} MiB\n\n`);
	process.stdout.write('| attack | issue | hub RSS MiB before / peak / after | bystander ping | what the attack got |\n| --- | --- | --- | --- | --- |\n');
	for (const l of lines) process.stdout.write(`| ${l.name} | ${l.issue} | ${cell(l.rss)} | ${cell(l.bystander)} | ${cell(l.result)} |\n`);
}
