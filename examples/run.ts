/**
 * Runs one example by name: `npm run example -- pub-sub` (after building). Each example is
 * also a program of its own: `node dist/examples/pub-sub.js`.
 */
export const EXAMPLES: Readonly<Record<string, string>> = {
	'req-rep': 'REQ-REP: strict request/reply, the EFSM error, a server that does not answer',
	'dealer-router': 'DEALER-ROUTER: no alternation, routing ids as the first frame, reconnects and impostors',
	'pub-sub': 'PUB-SUB: topic prefixes, the slow joiner measured, catch-up from history',
	'push-pull': 'PUSH-PULL: round-robin to workers, a slow worker, the high-water mark',
};

const name = process.argv[2];
const list = Object.entries(EXAMPLES)
	.map(([n, what]) => `  ${n.padEnd(14)} ${what}`)
	.join('\n');
if (name === undefined || name === '--help' || name === '-h') {
	process.stdout.write(`Run an example with: npm run example -- <name>\n${list}\n`);
	process.exit(0);
}
if (!Object.hasOwn(EXAMPLES, name)) {
	process.stderr.write(`no example "${name}": run one of these with npm run example -- <name>\n${list}\n`);
	process.exit(2);
}
await import(`./${name}.js`);
