/**
 * Issue 11, subscriptions as a weapon: a raw ZMTP SUB on the feed port sends thousands of
 * distinct long subscriptions (ZMTP 3.0 style: a message of 0x01 + the prefix), stays for a
 * while, then leaves (stdin "leave", or after --hold-ms) so the parent can see what the hub
 * gives back.
 * Usage: node subscriptions.js --pub PORT [--from 127.0.0.2] [--count 8000] [--bytes 4095: with its 0x01, a 4 KiB frame, the feed port's largest] [--hold-ms 1000]
 * Progress: {event: "subscribed"} once all are sent.
 */
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';
import {emit, finish, num, stdinLines, RAW_OPTIONS, writeOrStall, zmtpConnect, zmtpFrame} from './kit.js';

const {values: a} = parseArgs({options: {...RAW_OPTIONS, count: {type: 'string', default: '8000'}, bytes: {type: 'string', default: '4095'}, 'wait-leave': {type: 'boolean', default: false}}});
const count = num(a.count, 8000);
const bytes = num(a.bytes, 4096);
const t0 = performance.now();
const {socket, closed, handshaken} = await zmtpConnect({port: Number(a.pub), host: a.host!, ...(a.from ? {from: a.from} : {}), socketType: 'SUB'});
if (!handshaken) await finish({attack: 'subscriptions', error: 'no handshake', subscriptionsSent: 0, closedByPeer: true});
let closedAt: number | undefined;
void closed.then(() => (closedAt = performance.now()));
socket.on('error', () => {});
let sent = 0;
let bytesSent = 0;
let stalled = false;
const filler = Buffer.alloc(bytes, 'x');
for (; sent < count && closedAt === undefined && !stalled; sent++) {
	// Distinct from the first byte on, so nothing is shared in the hub's subscription trie.
	const prefix = Buffer.from(filler);
	prefix.write(`${sent.toString(36).padStart(6, '0')}#`, 0, 'latin1');
	const frame = zmtpFrame(Buffer.concat([Buffer.from([0x01]), prefix]));
	bytesSent += frame.length;
	if ((await writeOrStall(socket, frame, closed)) === 'stalled') stalled = true;
}
const sentMs = performance.now() - t0;
emit({event: 'subscribed', sent});
if (a['wait-leave']) await Promise.race([stdinLines().next(120_000), closed]);
else await Promise.race([closed, new Promise(resolve => setTimeout(resolve, num(a['hold-ms'], 1000)))]);
const closedByPeer = closedAt !== undefined;
socket.destroy();
await finish({attack: 'subscriptions', subscriptionsSent: sent, bytesSent, sentMs: Math.round(sentMs), closedByPeer, stalled});
