/**
 * Issue 12, the room grab: one connection says `hello` naming 32 new rooms, again and again
 * with a fresh session each time, until the hub refuses for a while or the time is up.
 * Usage: node room-grab.js --sub P [--from 127.0.0.2] [--seconds 3] [--rooms 32] [--window 8] [--give-up 50]
 * Result: rooms taken (welcomes × rooms per hello), refusals by code.
 */
import {parseArgs} from 'node:util';
import * as zmq from 'zeromq';
import {CONNECT_OPTIONS, curveFromFiles, finish, num, secret, zmqEndpoint} from './kit.js';

const {values: a} = parseArgs({
	options: {
		...CONNECT_OPTIONS,
		seconds: {type: 'string', default: '3'},
		rooms: {type: 'string', default: '32'},
		window: {type: 'string', default: '8'},
		'give-up': {type: 'string', default: '50'},
		prefix: {type: 'string', default: 'grab'},
	},
});
const perHello = num(a.rooms, 32);
const windowSize = num(a.window, 8);
const giveUp = num(a['give-up'], 50);
const dealer = new zmq.Dealer({linger: 0, ...curveFromFiles(a.key, a['server-key'])});
dealer.connect(zmqEndpoint(a.host, a.sub!, a.from));
let welcomes = 0;
let refusedInARow = 0;
let outstanding = 0;
const refused: Record<string, number> = {};
const reader = (async () => {
	try {
		for await (const frames of dealer) {
			for (const f of frames) {
				const r = JSON.parse(f.toString()) as Record<string, unknown>;
				if (typeof r['re'] !== 'string' || !r['re'].startsWith('g')) continue;
				outstanding--;
				if (r['type'] === 'welcome') {
					welcomes++;
					refusedInARow = 0;
				} else {
					refused[String(r['code'])] = (refused[String(r['code'])] ?? 0) + 1;
					refusedInARow++;
				}
			}
		}
	} catch {
		// closed
	}
})();
const t0 = Date.now();
let n = 0;
while (Date.now() - t0 < num(a.seconds, 3) * 1000 && refusedInARow < giveUp) {
	if (outstanding >= windowSize) {
		await new Promise(resolve => setTimeout(resolve, 1));
		continue;
	}
	const rooms = Array.from({length: perHello}, (_, j) => `${a.prefix}${n}-${j}`);
	outstanding++;
	await dealer.send(JSON.stringify({type: 'hello', v: 1, id: `g${n++}`, nick: 'grabber', session: secret(), rooms}));
}
const deadline = Date.now() + 3000;
while (outstanding > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10));
dealer.close();
await reader;
await finish({ok: true, attack: 'room-grab', hellos: n, welcomes, roomsTaken: welcomes * perHello, refused, seconds: Math.round((Date.now() - t0) / 100) / 10});
