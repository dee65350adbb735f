/**
 * Issue 12, the muted member who keeps talking: joins as bob; once the parent has had an
 * operator mute it and writes "go", it puts its words (carrying --marker) everywhere a muted
 * member might still reach others: say, DM, topic, away, a nick change, part and bye reasons
 * (3,780 bytes), and coming back as itself and as bob_ on a fresh session.
 * Usage: node muted.js --sub P [--from 127.0.0.2] [--key F --server-key Z] [--nick bob] [--dm alice] [--marker MUTEDWORDS]
 * Progress: {event: "ready"}, then {event: "muted"} if the notice came. Result: each try and its answer.
 */
import {parseArgs} from 'node:util';
import {CONNECT_OPTIONS, curveFromFiles, emit, finish, secret, stdinLines, zmqEndpoint} from './kit.js';
import {Peer, type Json} from './peer.js';

const {values: a} = parseArgs({options: {...CONNECT_OPTIONS, nick: {type: 'string', default: 'bob'}, dm: {type: 'string', default: 'alice'}, marker: {type: 'string', default: 'MUTEDWORDS'}}});
const input = stdinLines();
const nick = a.nick!;
const m = a.marker!;
const peer = new Peer(zmqEndpoint(a.host, a.sub!, a.from), {...curveFromFiles(a.key, a['server-key']), sendTimeout: 1000});
const hello = (n: string, id: string) => peer.request({type: 'hello', v: 1, id, nick: n, session: secret(), rooms: ['lobby']}, 3000);
const first = await hello(nick, 'hello');
if (first?.['type'] !== 'welcome') await finish({ok: false, error: `no welcome: ${JSON.stringify(first)}`});
emit({event: 'ready'});
await input.next(60_000);
const notice = await peer.waitFor(r => r['type'] === 'notice' && r['code'] === 'muted', 2000);
if (notice) emit({event: 'muted'});

const tries: Array<{what: string; answer: string}> = [];
const answer = (r: Json | undefined) => (r === undefined ? 'no answer' : r['type'] === 'error' ? `error ${String(r['code'])}` : String(r['type']));
const attempt = async (what: string, command: Json & {id: string}) => tries.push({what, answer: answer(await peer.request(command, 1500))});
const long = (label: string) => `${m} ${label} `.padEnd(3780, '.');

await attempt('say', {type: 'say', id: 'say', room: 'lobby', text: `${m} say`});
await attempt('msg', {type: 'msg', id: 'msg', to: a.dm!, text: `${m} msg`});
await attempt('topic', {type: 'topic', id: 'topic', room: 'lobby', text: `${m} topic`});
await attempt('away', {type: 'away', id: 'away', text: `${m} away`});
await attempt('nick', {type: 'nick', id: 'nick', nick: `${nick}-said`});
await attempt('part with a reason', {type: 'part', id: 'part', room: 'lobby', reason: long('part')});
await attempt('join again', {type: 'join', id: 'join', room: 'lobby'});
await attempt('bye with a reason', {type: 'bye', id: 'bye', reason: long('bye')});
// Back under its own nick with a new session, then as a look-alike.
tries.push({what: `hello as ${nick} (new session)`, answer: answer(await hello(nick, 'hello2'))});
await attempt(`say as ${nick} again`, {type: 'say', id: 'say2', room: 'lobby', text: `${m} say after coming back`});
await attempt(`bye as ${nick}`, {type: 'bye', id: 'bye2', reason: `${m} bye after coming back`});
tries.push({what: `hello as ${nick}_`, answer: answer(await hello(`${nick}_`, 'hello3'))});
await attempt(`say as ${nick}_`, {type: 'say', id: 'say3', room: 'lobby', text: `${m} say as ${nick}_`});
await attempt(`msg as ${nick}_`, {type: 'msg', id: 'msg3', to: a.dm!, text: `${m} msg as ${nick}_`});
await attempt(`away as ${nick}_`, {type: 'away', id: 'away3', text: `${m} away as ${nick}_`});
await attempt(`topic as ${nick}_`, {type: 'topic', id: 'topic3', room: 'lobby', text: `${m} topic as ${nick}_`});
// Stay online (away text shows in who/whois) until the parent has looked.
emit({event: 'tried', tries});
await input.next(30_000);
await peer.close();
await finish({ok: true, attack: 'muted', mutedNotice: notice !== undefined, tries});
