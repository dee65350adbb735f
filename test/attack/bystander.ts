/**
 * The bystander: a normal client (a DEALER that says hello, then pings every 15 ms) in a
 * process of its own, measuring how long each ping takes to be answered while an attack runs.
 * stdin: "mark" (report `marked` once a ping sent after it is answered: the hub serves again),
 * "stop" (print the result). Unanswered pings count with the time they waited.
 * Usage: node bystander.js --sub PORT [--nick N] [--every MS] [--key FILE --server-key Z85]
 */
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';
import {CONNECT_OPTIONS, curveFromFiles, emit, finish, num, secret, stdinLines, zmqEndpoint} from './kit.js';
import {Peer} from './peer.js';

const {values: a} = parseArgs({options: {...CONNECT_OPTIONS, nick: {type: 'string', default: 'bystander'}, every: {type: 'string', default: '15'}}});
const every = num(a.every, 15);
const peer = new Peer(zmqEndpoint(a.host, a.sub!, a.from), {...curveFromFiles(a.key, a['server-key']), sendTimeout: 0});

const welcome = await (async () => {
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) {
		// The first sends fail until the connection is up (send timeout 0): try again.
		const reply = await peer.request({type: 'hello', v: 1, id: 'hello', nick: a.nick!, session: secret(), client: 'bystander/1'}, 500);
		if (reply) return reply;
	}
	return undefined;
})();
if (welcome?.['type'] !== 'welcome') {
	await finish({ok: false, error: `no welcome: ${JSON.stringify(welcome)}`, sendFailures: peer.sendFailures});
}
emit({event: 'ready'});

const sentAt = new Map<string, number>();
const latencies: number[] = [];
const answeredAt: number[] = [];
let n = 0;
let sending = false;
let markAt: number | undefined;
let marked = false;
const start = performance.now();
let seen = 0;

const timer = setInterval(() => {
	if (sending) return;
	sending = true;
	const id = `p${n++}`;
	sentAt.set(id, performance.now());
	void peer.send({type: 'ping', id}).then(ok => {
		sending = false;
		if (!ok) sentAt.set(id, sentAt.get(id)!); // still waiting: it counts as unanswered
	});
}, every);

const collector = setInterval(() => {
	for (; seen < peer.replies.length; seen++) {
		const r = peer.replies[seen]!.reply;
		if (r['type'] !== 'pong' || typeof r['re'] !== 'string') continue;
		const t0 = sentAt.get(r['re']);
		if (t0 === undefined) continue;
		sentAt.delete(r['re']);
		const now = performance.now();
		latencies.push(now - t0);
		answeredAt.push(now);
		if (markAt !== undefined && !marked && t0 >= markAt) {
			marked = true;
			emit({event: 'marked', afterMs: Math.round(now - markAt)});
		}
	}
}, 2);

const input = stdinLines();
for (;;) {
	const line = await input.next(3_600_000);
	if (line === 'mark') markAt = performance.now();
	else break; // "stop", or the parent went away
}
clearInterval(timer);
clearInterval(collector);
const end = performance.now();
const unanswered = [...sentAt.values()].map(t0 => end - t0);
const all = [...latencies, ...unanswered].sort((x, y) => x - y);
const pct = (p: number) => (all.length === 0 ? 0 : all[Math.min(all.length - 1, Math.floor(p * all.length))]!);
let maxGap = 0;
let last = start;
for (const t of [...answeredAt, end]) {
	maxGap = Math.max(maxGap, t - last);
	last = t;
}
const round = (x: number) => Math.round(x * 10) / 10;
await finish({
	ok: true,
	sent: n,
	answered: latencies.length,
	p50Ms: round(pct(0.5)),
	p99Ms: round(pct(0.99)),
	maxMs: round(all.at(-1) ?? 0),
	maxGapMs: round(maxGap),
	durationMs: Math.round(end - start),
});
