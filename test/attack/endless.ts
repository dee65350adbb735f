/**
 * Issue 11, the never-ending message, over raw ZMTP (node:net): a DEALER (command port) or a
 * SUB (feed port) that says hello properly, then sends one message of millions of parts, each
 * an empty frame flagged "more" (2 bytes on the wire), holds it open, and (with --end) ends it.
 * Usage: node endless.js --sub PORT [--pub PORT --feed] [--from 127.0.0.2] [--parts 4000000]
 *          [--hold-ms 1000] [--end] [--subscribe-parts]
 * Prints {partsSent, bytesSent, closedByPeer, closedAfterParts, closedAfterMs, ended, …}.
 */
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';
import {finish, num, RAW_OPTIONS, writeOrStall, zmtpConnect, zmtpFrame} from './kit.js';

const {values: a} = parseArgs({
	options: {
		...RAW_OPTIONS,
		parts: {type: 'string', default: '4000000'},
		'chunk-parts': {type: 'string', default: '32768'},
		end: {type: 'boolean', default: false},
		feed: {type: 'boolean', default: false},
		'subscribe-parts': {type: 'boolean', default: false},
	},
});
const feed = a.feed === true;
const port = Number(feed ? a.pub : a.sub);
const parts = num(a.parts, 4_000_000);
const chunkParts = num(a['chunk-parts'], 32_768);

const t0 = performance.now();
const {socket, closed, received, handshaken} = await zmtpConnect({port, host: a.host!, ...(a.from ? {from: a.from} : {}), socketType: feed ? 'SUB' : 'DEALER'});
if (!handshaken) await finish({attack: 'endless', via: 'raw', error: 'no handshake', closedByPeer: true, partsSent: 0});
let closedAt: number | undefined;
let partsSent = 0;
let closedAfterParts: number | undefined;
void closed.then(() => {
	closedAt = performance.now();
	closedAfterParts = partsSent;
});
socket.on('error', () => {});

// One part: an empty frame with "more" set; on the feed port optionally a subscription body.
const part = a['subscribe-parts'] ? zmtpFrame(Buffer.from([0x01, 0x78]), true) : zmtpFrame(Buffer.alloc(0), true);
const chunk = Buffer.concat(Array.from({length: chunkParts}, () => part));
// The message starts like a real one: a command (or, on the feed, a subscription) flagged "more".
const first = feed ? zmtpFrame(Buffer.from('\x01#lobby:'), true) : zmtpFrame(Buffer.from(JSON.stringify({type: 'ping', id: 'endless'})), true);
let bytesSent = 0;
let stalled = false;
const write = async (b: Buffer): Promise<void> => {
	bytesSent += b.length;
	if ((await writeOrStall(socket, b, closed)) === 'stalled') stalled = true;
};
await write(first);
while (partsSent < parts && closedAt === undefined && !stalled) {
	const n = Math.min(chunkParts, parts - partsSent);
	await write(n === chunkParts ? chunk : chunk.subarray(0, n * part.length));
	partsSent += n;
}
const sentMs = performance.now() - t0;
// Hold the message open: what the hub holds meanwhile is what the parent measures.
const holdUntil = performance.now() + num(a['hold-ms'], 1000);
await Promise.race([closed, new Promise(resolve => setTimeout(resolve, Math.max(0, holdUntil - performance.now())))]);
let ended = false;
if (a.end && closedAt === undefined && !stalled) {
	await write(zmtpFrame(Buffer.alloc(0), false));
	ended = true;
	await Promise.race([closed, new Promise(resolve => setTimeout(resolve, 200))]);
}
const closedByPeer = closedAt !== undefined;
socket.destroy();
await finish({
	attack: 'endless',
	via: 'raw',
	port: feed ? 'feed' : 'command',
	partsSent,
	bytesSent,
	sentMs: Math.round(sentMs),
	closedByPeer,
	...(closedByPeer ? {closedAfterParts, closedAfterMs: Math.round(closedAt! - t0)} : {}),
	ended,
	/** The hub stopped reading for 3 s without closing the connection. */
	stalled,
	bytesReceived: received(),
});
