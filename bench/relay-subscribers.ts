/**
 * A subscriber process of the relay fan-out bench (relay-bench.ts forks it): CURVE SUBs on the
 * endpoints it is told, each from its own loopback address, timing the last arrival of each say.
 */
import * as zmq from 'zeromq';
import {endpointFrom} from '../src/bench/loopback.js';
import {generateKeyPair} from '../src/keys.js';
import {nowUs} from '../src/bench/clock.js';

/** One subscriber: the port it subscribes at (a hub's or a relay's), that server's key, and its source address. */
export interface SubscriberSpec {
	readonly pub: number;
	readonly serverKey: string;
	readonly from: string | undefined;
}

/** From the bench to this process. */
export type ToSubscribers = {readonly op: 'connect'; readonly subscribers: readonly SubscriberSpec[]; readonly messages: number} | {readonly op: 'collect'} | {readonly op: 'close'};

/**
 * From this process to the bench: all probed once; progress (deliveries so far, and how many
 * says from the first every one of its subscribers has); the figures.
 */
export type FromSubscribers =
	| {readonly op: 'ready'}
	| {readonly op: 'progress'; readonly delivered: number; readonly complete: number}
	| {readonly op: 'collected'; readonly latest: number[]; readonly counts: number[]};

const SAY = /"text":"(probe|m(\d+))"/;
const subs: zmq.Subscriber[] = [];
let latest = new Float64Array(0);
let counts = new Uint32Array(0);
let delivered = 0;
/** Says 0 … complete-1 have reached every subscriber of this process. */
let complete = 0;
let told = false;
let progress: NodeJS.Timeout | undefined;
const post = (m: FromSubscribers) => process.send!(m);

function connect(specs: readonly SubscriberSpec[], messages: number): void {
	// libzmq's context holds 1023 sockets unless told more (set before its first socket).
	zmq.context.maxSockets = Math.max(zmq.context.maxSockets, specs.length + 64);
	latest = new Float64Array(messages);
	counts = new Uint32Array(messages);
	const probed = new Set<number>();
	specs.forEach((spec, i) => {
		const me = generateKeyPair();
		const s = new zmq.Subscriber({linger: 0, receiveHighWaterMark: 0, curveServerKey: spec.serverKey, curvePublicKey: me.publicKey, curveSecretKey: me.secretKey});
		s.connect(endpointFrom('127.0.0.1', spec.pub, spec.from));
		s.subscribe('#lobby:');
		subs.push(s);
		void (async () => {
			try {
				for await (const frames of s) {
					const at = nowUs() / 1000;
					for (let f = 1; f < frames.length; f++) {
						const m = SAY.exec(frames[f]!.toString('latin1'));
						if (!m) continue;
						if (m[2] === undefined) {
							if (!probed.has(i)) {
								probed.add(i);
								if (probed.size === specs.length) post({op: 'ready'});
							}
							continue;
						}
						const n = Number(m[2]);
						if (n >= messages) continue;
						if (at > latest[n]!) latest[n] = at;
						delivered++;
						if (++counts[n]! === specs.length && n === complete) advance(specs.length);
					}
				}
			} catch {
				// closed
			}
		})();
	});
	progress = setInterval(() => post({op: 'progress', delivered, complete}), 200);
}

/** Move `complete` past every say all have, and tell the bench soon (once for a burst of arrivals): its sender waits for it. */
function advance(everyone: number): void {
	while (complete < counts.length && counts[complete] === everyone) complete++;
	if (told) return;
	told = true;
	setImmediate(() => {
		told = false;
		post({op: 'progress', delivered, complete});
	});
}

process.on('message', (m: ToSubscribers) => {
	if (m.op === 'connect') connect(m.subscribers, m.messages);
	else if (m.op === 'collect') post({op: 'collected', latest: Array.from(latest), counts: Array.from(counts)});
	else {
		clearInterval(progress);
		for (const s of subs) s.close();
		process.exit(0);
	}
});
process.on('disconnect', () => process.exit(0));
