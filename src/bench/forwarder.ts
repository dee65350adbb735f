/**
 * The baseline of every bench run: a bare zeromq.js forwarder, ROUTER in → PUB out, doing
 * nothing a hub must do (no parsing, no sessions, no storage, no acks). What it reaches on
 * this machine is what a JavaScript hub on zeromq.js could reach at best, so zchat's figures
 * are reported as ratios to it.
 *
 *   node dist/src/bench/forwarder.js [--batched] [--host 127.0.0.1] [--topic '#bench:']
 *
 * It binds a ROUTER and a PUB on free ports and prints one JSON line {"sub":…,"pub":…}.
 * - unbatched: `for await` each ROUTER message, `await pub.send([topic, …frames])`;
 * - batched: the receive loop queues frames and a flush (setImmediate, like the hub's)
 *   sends everything queued as one PUB message [topic, frame, frame, …] — the same shape as
 *   zchat's feed, so subscribers pay the same per frame for both.
 * Socket options are the hub's (high-water marks, linger), so both drop or block alike.
 */
import * as zmq from 'zeromq';
import {closeSocket} from '../zmq/close.js';
import {endpointPort, tcpEndpoint} from '../zmq/endpoint.js';

const args = process.argv.slice(2);
const batched = args.includes('--batched');
const host = valueOf('--host') ?? '127.0.0.1';
const topic = valueOf('--topic') ?? '#bench:';

function valueOf(flag: string): string | undefined {
	const i = args.indexOf(flag);
	return i >= 0 ? args[i + 1] : undefined;
}

const router = new zmq.Router({sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000, linger: 500});
const pub = new zmq.Publisher({sendHighWaterMark: 1000, linger: 500});
await router.bind(tcpEndpoint(host, 0));
await pub.bind(tcpEndpoint(host, 0));
process.stdout.write(JSON.stringify({sub: endpointPort(router.lastEndpoint!), pub: endpointPort(pub.lastEndpoint!), batched}) + '\n');

let stopping = false;
const stop = () => {
	if (stopping) return;
	stopping = true;
	void closeSocket(router, {label: 'forwarder commands'});
	void closeSocket(pub, {label: 'forwarder feed'});
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
	if (!batched) {
		for await (const [, ...frames] of router) await pub.send([topic, ...frames]);
	} else {
		let queue: Buffer[] = [];
		let scheduled = false;
		let sending: Promise<void> = Promise.resolve();
		const flush = () => {
			scheduled = false;
			const batch = queue;
			queue = [];
			sending = sending.then(() => pub.send([topic, ...batch])).catch(() => {});
		};
		for await (const [, ...frames] of router) {
			for (const f of frames) queue.push(f);
			if (!scheduled) {
				scheduled = true;
				setImmediate(flush);
			}
		}
	}
} catch (err) {
	if (!stopping) throw err;
}
