/**
 * Issue 11, the DEALER that asks and never reads: raw ZMTP, one `history` question (500-event
 * pages, no session needed) a message, and the socket paused so not one reply byte is taken
 * off the wire. Every answer waits in the hub. At the end it reads for a moment to learn
 * whether the hub closed the connection.
 * Usage: node unread.js --sub PORT [--from 127.0.0.2] [--requests 2000] [--room lobby] [--hold-ms 1000]
 */
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';
import {finish, num, RAW_OPTIONS, writeOrStall, zmtpConnect, zmtpFrame} from './kit.js';

const {values: a} = parseArgs({options: {...RAW_OPTIONS, requests: {type: 'string', default: '2000'}, room: {type: 'string', default: 'lobby'}, 'read-ms': {type: 'string', default: '1000'}}});
const requests = num(a.requests, 2000);
const t0 = performance.now();
const {socket, closed, handshaken} = await zmtpConnect({port: Number(a.sub), host: a.host!, ...(a.from ? {from: a.from} : {}), socketType: 'DEALER'});
if (!handshaken) await finish({attack: 'unread-history', error: 'no handshake', requestsSent: 0, closedByPeer: true, closedWhileHolding: true});
let closedAt: number | undefined;
void closed.then(() => (closedAt = performance.now()));
socket.on('error', () => {});
// Never read: the kernel's buffers fill, then the hub's.
socket.pause();
let bytesSent = 0;
let sent = 0;
let stalled = false;
while (sent < requests && closedAt === undefined && !stalled) {
	const frame = zmtpFrame(Buffer.from(JSON.stringify({type: 'history', id: `q${sent}`, room: a.room, limit: 500})));
	bytesSent += frame.length;
	sent++;
	// A hub that stops reading us while our answers wait is doing what it should.
	if ((await writeOrStall(socket, frame, closed)) === 'stalled') stalled = true;
}
const sentMs = performance.now() - t0;
await Promise.race([closed, new Promise(resolve => setTimeout(resolve, num(a['hold-ms'], 1000)))]);
const closedWhileHolding = closedAt !== undefined;
// Now read for a moment: a connection the hub closed ends once what it had sent is read.
let bytesRead = 0;
let ended = closedAt !== undefined;
socket.on('data', d => (bytesRead += d.length));
socket.on('end', () => (ended = true));
socket.resume();
await Promise.race([closed, new Promise(resolve => setTimeout(resolve, num(a['read-ms'], 1000)))]);
socket.destroy();
await finish({
	attack: 'unread-history',
	requestsSent: sent,
	bytesSent,
	/** The hub stopped reading our questions (3 s without taking a byte) before we were done. */
	stalled,
	sentMs: Math.round(sentMs),
	closedWhileHolding,
	closedByPeer: ended,
	bytesReadAfterwards: bytesRead,
});
