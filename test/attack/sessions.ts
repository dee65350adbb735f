/**
 * Issue 12, what a session costs: N raw ZMTP connections (spread over many loopback source
 * addresses, so per-address limits do not stop them) each answer a ping first (connected,
 * no session), then say `hello` (a session each, in #lobby), pinging to stay alive. The
 * parent reads the hub's RSS at each step: (sessions − connections) / N is a session's cost.
 * Usage: node sessions.js --sub P [--count 1000] [--addresses 1000]
 * stdin: "hello" (make the sessions), "stop". Progress: {event: "connected"}, {event: "sessions"}.
 */
import {parseArgs} from 'node:util';
import type {Socket} from 'node:net';
import {emit, finish, jsonFrames, num, secret, stdinLines, zmtpConnect, ZmtpReader, zmtpFrame} from './kit.js';

const {values: a} = parseArgs({
	options: {host: {type: 'string', default: '127.0.0.1'}, sub: {type: 'string'}, pub: {type: 'string'}, count: {type: 'string', default: '1000'}, addresses: {type: 'string', default: '1000'}},
});
const count = num(a.count, 1000);
const addresses = num(a.addresses, 1000);
const input = stdinLines();
const conns: Array<{socket: Socket; pongs: number; welcomes: number; errors: string[]}> = [];
let closedByPeer = 0;

async function open(i: number): Promise<void> {
	const k = i % addresses;
	const from = `127.0.${1 + Math.floor(k / 250)}.${1 + (k % 250)}`;
	const {socket, closed} = await zmtpConnect({port: Number(a.sub), host: a.host!, from, socketType: 'DEALER'});
	const c = {socket, pongs: 0, welcomes: 0, errors: [] as string[]};
	void closed.then(() => closedByPeer++);
	new ZmtpReader(frames => {
		for (const r of jsonFrames(frames)) {
			if (r['type'] === 'pong') c.pongs++;
			else if (r['type'] === 'welcome') c.welcomes++;
			else if (r['type'] === 'error') c.errors.push(String(r['code']));
		}
	}, true).attach(socket);
	socket.write(zmtpFrame(Buffer.from(JSON.stringify({type: 'ping', id: 'p'}))));
	conns.push(c);
}
// 50 handshakes at a time: a crowd arriving, not a flood of half-open connections.
for (let i = 0; i < count; i += 50) await Promise.all(Array.from({length: Math.min(50, count - i)}, (_, j) => open(i + j)));
const deadline = (ms: number) => Date.now() + ms;
const until = async (what: () => boolean, ms: number) => {
	const end = deadline(ms);
	while (!what() && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10));
};
await until(() => conns.every(c => c.pongs > 0), 20_000);
emit({event: 'connected', answered: conns.filter(c => c.pongs > 0).length, closedByPeer});

// Pings keep the sessions alive (the hub's TTL is 10 s).
const keepAlive = setInterval(() => {
	for (const c of conns) if (!c.socket.destroyed) c.socket.write(zmtpFrame(Buffer.from(JSON.stringify({type: 'ping'}))));
}, 2000);

if ((await input.next(120_000)) === 'hello') {
	conns.forEach((c, i) => c.socket.write(zmtpFrame(Buffer.from(JSON.stringify({type: 'hello', v: 1, id: 'h', nick: `idle${i}`, session: secret(), rooms: ['lobby']})))));
	await until(() => conns.every(c => c.welcomes > 0 || c.errors.length > 0), 30_000);
	emit({event: 'sessions', welcomed: conns.filter(c => c.welcomes > 0).length, refused: conns.filter(c => c.welcomes === 0).map(c => c.errors[0] ?? 'no answer').slice(0, 5), closedByPeer});
	await input.next(120_000);
}
clearInterval(keepAlive);
for (const c of conns) c.socket.destroy();
await finish({ok: true, attack: 'sessions', connections: count, welcomed: conns.filter(c => c.welcomes > 0).length, closedByPeer});
