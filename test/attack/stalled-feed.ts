/**
 * Issue 12, subscribers that never read: K raw ZMTP SUBs subscribe to #lobby and never take a
 * byte off the wire, while a member says lines of 4 KB of control characters (about 24 KB
 * each once escaped in the feed) as fast as the hub acks them. What the hub queues for the
 * stalled ones is what the parent measures.
 * It stops once --events lines are acked (a volume, so that a slow machine does not make the
 * attack weaker), or when the time is up.
 * Usage: node stalled-feed.js --sub P --pub P [--from 127.0.0.2] [--subscribers 8] [--events 6000] [--seconds 30] [--text-bytes 4096] [--window 64]
 */
import {parseArgs} from 'node:util';
import type {Socket} from 'node:net';
import * as zmq from 'zeromq';
import {CONNECT_OPTIONS, curveFromFiles, emit, finish, num, secret, zmqEndpoint, zmtpConnect, zmtpFrame} from './kit.js';

const {values: a} = parseArgs({
	options: {...CONNECT_OPTIONS, subscribers: {type: 'string', default: '8'}, events: {type: 'string', default: '6000'}, seconds: {type: 'string', default: '30'}, 'text-bytes': {type: 'string', default: '4096'}, window: {type: 'string', default: '64'}},
});
const stalled: Socket[] = [];
let closedByPeer = 0;
for (let i = 0; i < num(a.subscribers, 8); i++) {
	const {socket, closed} = await zmtpConnect({port: Number(a.pub), host: a.host!, ...(a.from ? {from: a.from} : {}), socketType: 'SUB'});
	void closed.then(() => closedByPeer++);
	socket.on('error', () => {});
	socket.pause();
	socket.write(zmtpFrame(Buffer.from('\x01#lobby:')));
	stalled.push(socket);
}

// Control characters: 1 byte each in the text, 6 in the JSON of the event.
const n = num(a['text-bytes'], 4096);
const text = 'x' + Array.from({length: n - 1}, (_, k) => String.fromCharCode(1 + (k % 8))).join('');
const d = new zmq.Dealer({linger: 0, ...curveFromFiles(a.key, a['server-key'])});
d.connect(zmqEndpoint(a.host, a.sub!, a.from));
await d.send(JSON.stringify({type: 'hello', v: 1, id: 'h', nick: 'loud', session: secret(), rooms: ['lobby']}));
for (;;) {
	const [f] = await d.receive();
	if (f?.toString().includes('"welcome"')) break;
	if (f?.toString().includes('"error"')) await finish({ok: false, error: f.toString()});
}
emit({event: 'ready'});
let acked = 0;
let refused = 0;
let inFlight = 0;
const windowSize = num(a.window, 64);
const reader = (async () => {
	try {
		for await (const frames of d) {
			for (const f of frames) {
				const s = f.toString();
				if (s.startsWith('{"type":"ack"')) acked++, inFlight--;
				else if (s.startsWith('{"type":"error"')) refused++, inFlight--;
			}
		}
	} catch {
		// closed
	}
})();
const t0 = Date.now();
let said = 0;
const target = num(a.events, 6000);
while (Date.now() - t0 < num(a.seconds, 30) * 1000 && acked < target) {
	if (inFlight >= windowSize) {
		await new Promise(resolve => setTimeout(resolve, 1));
		continue;
	}
	// 16 lines a message, as zchat's own client packs them.
	const batch = Array.from({length: 16}, () => JSON.stringify({type: 'say', id: `s${said++}`, room: 'lobby', text}));
	inFlight += 16;
	await d.send(batch);
}
const seconds = (Date.now() - t0) / 1000;
d.close();
await reader;
for (const s of stalled) s.destroy();
await finish({ok: true, attack: 'stalled-feed', subscribers: stalled.length, target, said, acked, refused, seconds: Math.round(seconds * 10) / 10, eventBytesApprox: acked * (6 * n), closedByPeer});
