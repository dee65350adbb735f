/**
 * Issue 12, the room grab: one connection says `hello` naming 32 new rooms, again and again
 * with a fresh session each time: --hellos of them (400 × 32 rooms: more than the hub's 10,000),
 * however the hub answers, unless the time is up first. Once the hub says it is full, one
 * room a hello, to take the last few.
 * Usage: node room-grab.js --sub P [--from 127.0.0.2] [--hellos 400] [--seconds 15] [--rooms 32] [--window 8]
 * Result: rooms taken (in the hellos welcomed), refusals by code.
 */
import {parseArgs} from 'node:util';
import * as zmq from 'zeromq';
import {CONNECT_OPTIONS, curveFromFiles, finish, num, secret, zmqEndpoint} from './kit.js';

const {values: a} = parseArgs({
	options: {
		...CONNECT_OPTIONS,
		hellos: {type: 'string', default: '400'},
		seconds: {type: 'string', default: '15'},
		rooms: {type: 'string', default: '32'},
		window: {type: 'string', default: '8'},
		prefix: {type: 'string', default: 'grab'},
	},
});
const perHello = num(a.rooms, 32);
const windowSize = num(a.window, 8);
const hellos = num(a.hellos, 400);
const dealer = new zmq.Dealer({linger: 0, ...curveFromFiles(a.key, a['server-key'])});
dealer.connect(zmqEndpoint(a.host, a.sub!, a.from));
let welcomes = 0;
let roomsTaken = 0;
let size = perHello;
let outstanding = 0;
let lastReply = Date.now();
const refused: Record<string, number> = {};
const reader = (async () => {
	try {
		for await (const frames of dealer) {
			lastReply = Date.now();
			for (const f of frames) {
				const r = JSON.parse(f.toString()) as Record<string, unknown>;
				if (typeof r['re'] !== 'string' || !r['re'].startsWith('g')) continue;
				outstanding--;
				if (r['type'] === 'welcome') {
					welcomes++;
					roomsTaken += Number(r['re'].split('-')[1]);
				} else {
					refused[String(r['code'])] = (refused[String(r['code'])] ?? 0) + 1;
					// Nearly full: take what is left, one room at a time.
					if (r['code'] === 'too_many_rooms') size = 1;
				}
			}
		}
	} catch {
		// closed
	}
})();
const t0 = Date.now();
let n = 0;
while (Date.now() - t0 < num(a.seconds, 15) * 1000 && n < hellos) {
	if (outstanding >= windowSize) {
		// Unanswered for a while: dropped. Go on.
		if (Date.now() - lastReply > 250) {
			outstanding = 0;
			lastReply = Date.now();
		}
		await new Promise(resolve => setTimeout(resolve, 1));
		continue;
	}
	const rooms = Array.from({length: size}, (_, j) => `${a.prefix}${n}-${j}`);
	outstanding++;
	await dealer.send(JSON.stringify({type: 'hello', v: 1, id: `g${n++}-${size}`, nick: 'grabber', session: secret(), rooms}));
}
const deadline = Date.now() + 3000;
while (outstanding > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10));
dealer.close();
await reader;
await finish({ok: true, attack: 'room-grab', hellos: n, welcomes, roomsTaken, refused, seconds: Math.round((Date.now() - t0) / 100) / 10});
