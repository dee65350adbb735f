/**
 * Issue 12, limits that follow the session: one connection says `hello` with a fresh session
 * secret, spends that session's burst (5 says, DMs, nick changes or topic changes), and says
 * hello again with another secret, as fast as the hub answers (a few cycles in flight).
 * With --text-bytes and --ctrl each line is that many control characters (what costs the
 * most once escaped).
 * Usage: node session-cycle.js --sub P [--pub P] [--from 127.0.0.2] [--key F --server-key Z]
 *          [--kind say|msg|nick|topic] [--per 5] [--seconds 3] [--text-bytes 20] [--ctrl] [--window 4]
 * Result: stored (acked or ok), refused by code, welcomes, cycles, lines attempted, a second's rate.
 */
import {parseArgs} from 'node:util';
import * as zmq from 'zeromq';
import {CONNECT_OPTIONS, curveFromFiles, finish, num, secret, zmqEndpoint} from './kit.js';

const {values: a} = parseArgs({
	options: {
		...CONNECT_OPTIONS,
		kind: {type: 'string', default: 'say'},
		per: {type: 'string', default: '5'},
		seconds: {type: 'string', default: '3'},
		'text-bytes': {type: 'string', default: '20'},
		ctrl: {type: 'boolean', default: false},
		window: {type: 'string', default: '4'},
		nick: {type: 'string', default: 'cycler'},
	},
});
const kind = a.kind as 'say' | 'msg' | 'nick' | 'topic';
const per = num(a.per, 5);
const seconds = num(a.seconds, 3);
const windowSize = num(a.window, 4);
const curve = curveFromFiles(a.key, a['server-key']);
const endpoint = zmqEndpoint(a.host, a.sub!, a.from);

function text(i: number): string {
	const n = num(a['text-bytes'], 20);
	if (!a.ctrl) return `cycle line ${i} `.padEnd(n, '.').slice(0, Math.max(n, 1));
	// Every C0 control but NUL, LF and CR, then ESC-heavy: each becomes 6 bytes of JSON escape.
	const chars: string[] = [];
	for (let k = 0; chars.length < n; k++) {
		const c = 1 + (k % 31);
		chars.push(c === 10 || c === 13 ? '\x1b' : String.fromCharCode(c));
	}
	chars[0] = 'x'; // not blank
	return chars.join('');
}

// For DMs: someone to send them to, on a connection of its own, reading them.
let sinkNick: string | undefined;
let dmsReceived = 0;
let sink: zmq.Dealer | undefined;
if (kind === 'msg') {
	sink = new zmq.Dealer({linger: 0, ...curve});
	sink.connect(endpoint);
	sinkNick = `sink${Math.floor(Math.random() * 1e6)}`;
	await sink.send(JSON.stringify({type: 'hello', v: 1, id: 'h', nick: sinkNick, session: secret(), rooms: ['lobby']}));
	const [w] = await sink.receive();
	if (!w?.toString().includes('"welcome"')) await finish({ok: false, error: `sink not welcomed: ${w?.toString()}`});
	const s = sink;
	void (async () => {
		try {
			for await (const frames of s) for (const f of frames) if (f.toString().startsWith('{"type":"dm"')) dmsReceived++;
		} catch {
			// closed
		}
	})();
}

const dealer = new zmq.Dealer({linger: 0, ...curve});
dealer.connect(endpoint);
const counts = {cycles: 0, welcomes: 0, stored: 0, refused: {} as Record<string, number>, replies: 0, givenUp: 0};
let line = 0;
let outstanding = 0;
let lastReply = Date.now();

function cycle(c: number): string[] {
	const frames = [JSON.stringify({type: 'hello', v: 1, id: `h${c}`, nick: a.nick!, session: secret(), rooms: ['lobby'], client: 'cycler/1'})];
	for (let k = 0; k < per; k++) {
		const id = `c${c}-${k}`;
		const i = line++;
		if (kind === 'say') frames.push(JSON.stringify({type: 'say', id, room: 'lobby', text: text(i)}));
		else if (kind === 'msg') frames.push(JSON.stringify({type: 'msg', id, to: sinkNick, text: text(i)}));
		else if (kind === 'nick') frames.push(JSON.stringify({type: 'nick', id, nick: `cy${c % 1000}x${k}`}));
		else frames.push(JSON.stringify({type: 'topic', id, room: 'lobby', text: text(i)}));
	}
	return frames;
}

const reader = (async () => {
	try {
		for await (const frames of dealer) {
			lastReply = Date.now();
			for (const f of frames) {
				counts.replies++;
				const r = JSON.parse(f.toString()) as Record<string, unknown>;
				const re = typeof r['re'] === 'string' ? r['re'] : '';
				if (r['type'] === 'welcome') counts.welcomes++;
				else if ((r['type'] === 'ack' || r['type'] === 'ok') && re.startsWith('c')) counts.stored++;
				else if (r['type'] === 'error') counts.refused[String(r['code'])] = (counts.refused[String(r['code'])] ?? 0) + 1;
				// The last command of a cycle answered: that cycle is done.
				if (re.endsWith(`-${per - 1}`)) outstanding--;
			}
		}
	} catch {
		// closed
	}
})();

const t0 = Date.now();
let c = 0;
while (Date.now() - t0 < seconds * 1000) {
	if (outstanding >= windowSize) {
		// A hub that drops what it will not answer: a flooder does not wait for it, it goes on.
		if (Date.now() - lastReply > 250) {
			counts.givenUp += outstanding;
			outstanding = 0;
			lastReply = Date.now();
		}
		await new Promise(resolve => setTimeout(resolve, 1));
		continue;
	}
	outstanding++;
	await dealer.send(cycle(c++));
	counts.cycles++;
}
const elapsed = (Date.now() - t0) / 1000;
// The answers to what was sent last.
const deadline = Date.now() + 3000;
while (outstanding > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10));
dealer.close();
sink?.close();
await reader;
await finish({
	ok: true,
	attack: 'session-cycle',
	kind,
	...counts,
	/** Lines (says, DMs, nick or topic changes) sent, answered or not. */
	attempted: counts.cycles * per,
	seconds: Math.round(elapsed * 100) / 100,
	storedPerSecond: Math.round(counts.stored / elapsed),
	textBytes: num(a['text-bytes'], 20),
	...(kind === 'msg' ? {dmsReceived} : {}),
});
