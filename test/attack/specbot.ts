/**
 * Issue 11's speed row, the load only: spec-style bots (one command per ZeroMQ message, as
 * PROTOCOL.md's Python bot sends) saying 100-byte lines as fast as their acks come back
 * (a window of unacked lines each), and subscribers counting what the feed delivers.
 * Usage: node specbot.js --sub P --pub P [--senders 4] [--subscribers 4] [--seconds 5] [--bytes 100] [--window 64]
 * Result: acked lines a second, what each subscriber received, lost = acked − received.
 */
import {parseArgs} from 'node:util';
import * as zmq from 'zeromq';
import {CONNECT_OPTIONS, curveFromFiles, finish, num, secret, zmqEndpoint} from './kit.js';

const {values: a} = parseArgs({
	options: {
		...CONNECT_OPTIONS,
		senders: {type: 'string', default: '4'},
		subscribers: {type: 'string', default: '4'},
		seconds: {type: 'string', default: '5'},
		bytes: {type: 'string', default: '100'},
		window: {type: 'string', default: '64'},
	},
});
const curve = curveFromFiles(a.key, a['server-key']);
const seconds = num(a.seconds, 5);
const windowSize = num(a.window, 64);
const text = 'x'.repeat(num(a.bytes, 100));

const received: number[] = [];
const probes: number[] = [];
const subs = Array.from({length: num(a.subscribers, 4)}, (_, i) => {
	const s = new zmq.Subscriber({linger: 0, receiveHighWaterMark: 0, ...curve});
	s.connect(zmqEndpoint(a.host, a.pub!, a.from));
	s.subscribe('#lobby:');
	received[i] = 0;
	probes[i] = 0;
	void (async () => {
		try {
			for await (const [, ...events] of s) {
				for (const e of events) {
					if (!e.includes('"type":"message"')) continue;
					if (e.includes('"text":"probe"')) probes[i]!++;
					else received[i]!++;
				}
			}
		} catch {
			// closed
		}
	})();
	return s;
});

interface Sender {
	readonly d: zmq.Dealer;
}

async function connectSender(i: number): Promise<Sender> {
	const d = new zmq.Dealer({linger: 0, ...curve});
	d.connect(zmqEndpoint(a.host, a.sub!, a.from));
	await d.send(JSON.stringify({type: 'hello', v: 1, id: 'h', nick: `spec${i}`, session: secret(), rooms: ['lobby']}));
	for (;;) {
		const [f] = await d.receive();
		if (f?.toString().includes('"welcome"')) return {d};
	}
}

async function run({d}: Sender, until: () => boolean): Promise<{acked: number; refused: number}> {
	let inFlight = 0;
	let acked = 0;
	let refused = 0;
	let n = 0;
	let stop = false;
	const reader = (async () => {
		for await (const frames of d) {
			for (const f of frames) {
				const s = f.toString();
				if (s.includes('"type":"ack"')) acked++, inFlight--;
				else if (s.includes('"type":"error"')) refused++, inFlight--;
			}
			if (stop && inFlight <= 0) return;
		}
	})();
	while (!until()) {
		if (inFlight >= windowSize) {
			await new Promise(resolve => setImmediate(resolve));
			continue;
		}
		inFlight++;
		await d.send(JSON.stringify({type: 'say', id: `s${n++}`, room: 'lobby', text}));
	}
	stop = true;
	const deadline = Date.now() + 5000;
	while (inFlight > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10));
	d.close();
	await reader.catch(() => {});
	return {acked, refused};
}

const senders = await Promise.all(Array.from({length: num(a.senders, 4)}, (_, i) => connectSender(i)));
// PUB drops for late joiners: probe until every subscriber hears the room, then count from zero.
{
	const probe = senders[0]!.d;
	const deadline = Date.now() + 10_000;
	for (let i = 0; probes.some(r => r === 0) && Date.now() < deadline; i++) {
		await probe.send(JSON.stringify({type: 'say', id: `probe${i}`, room: 'lobby', text: 'probe'}));
		await probe.receive();
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}
const t0 = Date.now();
const until = () => Date.now() - t0 > seconds * 1000;
const results = await Promise.all(senders.map(s => run(s, until)));
const elapsed = (Date.now() - t0) / 1000;
const acked = results.reduce((s, r) => s + r.acked, 0);
// Let the feed deliver what was acked.
const deadline = Date.now() + 3000;
while (received.some(r => r < acked) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20));
for (const s of subs) s.close();
await finish({
	attack: 'specbot',
	acked,
	refused: results.reduce((s, r) => s + r.refused, 0),
	seconds: Math.round(elapsed * 10) / 10,
	ackedPerSecond: Math.round(acked / elapsed),
	received,
	lost: received.map(r => acked - r),
});
