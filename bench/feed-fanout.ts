/**
 * `node dist/bench/feed-fanout.js`: the hub's own feed port (src/hub/feed/) against libzmq's PUB
 * (zeromq.js), in the same run, with the same zeromq.js SUBs in another process: how fast each
 * fans the same messages out, and the publishing process's CPU (every thread) a message.
 *
 *   node dist/bench/feed-fanout.js [--subscribers 4] [--messages 100000] [--rounds 3]
 */
import {fork} from 'node:child_process';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import * as zmq from 'zeromq';
import {FeedServer} from '../src/hub/feed/feed-server.js';

const args = process.argv.slice(2);
const value = (flag: string, fallback: number) => {
	const i = args.indexOf(flag);
	return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SUBSCRIBERS = value('--subscribers', 4);
const MESSAGES = value('--messages', 100_000);
const ROUNDS = value('--rounds', 3);
/** Messages handed over per turn of the event loop, as the hub flushes a batch. */
const PER_FLUSH = 64;
const TOPIC = '#lobby:';
const PROBE = 'probe';
const EVENT = JSON.stringify({type: 'msg', room: 'lobby', seq: 0, from: 'alice', text: 'x'.repeat(100), ts: Date.now()});

if (process.argv[2] === '--subscribers-child') {
	// The subscribers: connect, subscribe, say "ready" once each has had a probe, count; say "done" with all of them.
	const [endpoint, n, total] = [process.argv[3]!, Number(process.argv[4]), Number(process.argv[5])];
	const subs = Array.from({length: n}, () => new zmq.Subscriber({linger: 0, receiveHighWaterMark: 0}));
	let got = 0;
	let probed = 0;
	for (const s of subs) {
		s.connect(endpoint);
		s.subscribe(TOPIC);
		void (async () => {
			let seen = false;
			for await (const [, body] of s) {
				if (body!.length === PROBE.length) {
					if (!seen && (seen = true) && ++probed === n) process.send!('ready');
				} else if (++got === total * n) process.send!('done');
			}
		})();
	}
	process.on('message', m => {
		if (m === 'close') process.exit(0);
	});
} else {
	await main();
}

async function main(): Promise<void> {
	const results: Record<string, Array<{rate: number; cpuUs: number}>> = {libzmq: [], feed: []};
	for (let round = 0; round < ROUNDS; round++) {
		for (const kind of ['libzmq', 'feed'] as const) results[kind]!.push(await run(kind));
	}
	const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
	console.log(`feed fan-out: 1 publisher → ${SUBSCRIBERS} zeromq.js SUBs, ${MESSAGES} messages of ${EVENT.length + TOPIC.length} bytes, ${PER_FLUSH} a turn; medians of ${ROUNDS} rounds`);
	for (const kind of ['libzmq', 'feed'] as const) {
		const r = results[kind]!;
		console.log(`  ${kind === 'libzmq' ? "libzmq's PUB (zeromq.js)" : 'the hub\'s feed port   '}  ${Math.round(median(r.map(x => x.rate))).toLocaleString('en')} msg/s to each subscriber · publisher CPU ${median(r.map(x => x.cpuUs)).toFixed(2)} µs a message (all threads)`);
	}
}

async function run(kind: 'libzmq' | 'feed'): Promise<{rate: number; cpuUs: number}> {
	let publish: (frames: [string, string]) => Promise<void> | void;
	let flush = () => {};
	let endpoint: string;
	let close: () => Promise<void>;
	if (kind === 'libzmq') {
		const pub = new zmq.Publisher({linger: 0, sendHighWaterMark: 0});
		await pub.bind('tcp://127.0.0.1:0');
		endpoint = pub.lastEndpoint!;
		publish = frames => pub.send(frames);
		close = async () => pub.close();
	} else {
		const feed = await FeedServer.listen({port: 0, limits: {maxQueuedMessages: Number.MAX_SAFE_INTEGER, maxQueuedBytes: Number.MAX_SAFE_INTEGER, maxQueuedBytesTotal: Number.MAX_SAFE_INTEGER}});
		endpoint = `tcp://127.0.0.1:${feed.port}`;
		publish = ([topic, event]) => feed.publish(topic, [event]);
		flush = () => feed.flush();
		close = () => feed.stop();
	}
	const child = fork(fileURLToPath(import.meta.url), ['--subscribers-child', endpoint, String(SUBSCRIBERS), String(MESSAGES)]);
	const message = (what: string) => new Promise<void>(resolve => child.on('message', m => m === what && resolve()));
	const done = message('done');
	// Probes until every subscriber has one (its subscription has arrived), 10 s at most.
	let ready = false;
	void message('ready').then(() => (ready = true));
	for (const deadline = Date.now() + 10_000; !ready; ) {
		if (Date.now() > deadline) throw new Error('the subscribers did not connect within 10 s');
		await publish([TOPIC, PROBE]);
		flush();
		await new Promise(resolve => setTimeout(resolve, 10));
	}
	const cpu0 = process.cpuUsage();
	const t0 = performance.now();
	for (let i = 0; i < MESSAGES; i++) {
		await publish([TOPIC, EVENT]);
		if (i % PER_FLUSH === PER_FLUSH - 1) {
			flush();
			await new Promise(resolve => setImmediate(resolve));
		}
	}
	flush();
	await done;
	const seconds = (performance.now() - t0) / 1000;
	const cpu = process.cpuUsage(cpu0);
	child.send('close');
	await close();
	return {rate: MESSAGES / seconds, cpuUs: (cpu.user + cpu.system) / MESSAGES};
}
