/**
 * Issue 11, a key that keeps what it had: a member (zeromq.js DEALER and SUB with its CURVE
 * key) joins and stays connected; the parent then removes its key (SIGHUP) or bans it and
 * writes "go"; the member tries everything on the connections it already has: hello (same
 * and new secret), say, a DM, history, who, whois, rooms, ping; and reads the feed.
 * Usage: node revoked.js --sub P --pub P --key FILE --server-key Z85 [--nick bob] [--dm alice] [--listen-ms 1500]
 * Progress: {event: "ready"}. Result: every reply after "go", what the feed carried, events.
 */
import {parseArgs} from 'node:util';
import {CONNECT_OPTIONS, curveFromFiles, emit, finish, num, secret, stdinLines, zmqEndpoint} from './kit.js';
import {FeedReader, Peer} from './peer.js';

const {values: a} = parseArgs({
	options: {...CONNECT_OPTIONS, nick: {type: 'string', default: 'bob'}, dm: {type: 'string', default: 'alice'}, 'listen-ms': {type: 'string', default: '1500'}, marker: {type: 'string', default: 'REVOKED-WORDS'}},
});
const curve = curveFromFiles(a.key, a['server-key']);
const feed = new FeedReader(zmqEndpoint(a.host, a.pub!, a.from), [''], curve);
const cmd = new Peer(zmqEndpoint(a.host, a.sub!, a.from), {...curve, sendTimeout: 300});
const session = secret();
const welcome = await cmd.request({type: 'hello', v: 1, id: 'hello', nick: a.nick!, session, rooms: ['lobby']}, 10_000);
if (welcome?.['type'] !== 'welcome') await finish({ok: false, error: `no welcome: ${JSON.stringify(welcome)}`});
const said = await cmd.request({type: 'say', id: 'before', room: 'lobby', text: 'said before the removal'}, 5000);
emit({event: 'ready', said: said?.['type']});

await stdinLines().next(120_000);
const goAt = Date.now();
const repliesBefore = cmd.replies.length;
const feedBefore = feed.messages.length;
const m = a.marker!;
// Everything at once: a connection the hub closed would only refuse the rest anyway.
const tries: Array<[string, Record<string, unknown>]> = [
	['hello-same', {type: 'hello', v: 1, id: 'hello-same', nick: a.nick!, session, rooms: ['lobby']}],
	['hello-new', {type: 'hello', v: 1, id: 'hello-new', nick: a.nick!, session: secret(), rooms: ['lobby']}],
	['say', {type: 'say', id: 'say', room: 'lobby', text: `${m} in the room`}],
	['msg', {type: 'msg', id: 'msg', to: a.dm!, text: `${m} in a DM`}],
	['history', {type: 'history', id: 'history', room: 'lobby', limit: 500}],
	['who', {type: 'who', id: 'who'}],
	['whois', {type: 'whois', id: 'whois', nick: a.dm!}],
	['rooms', {type: 'rooms', id: 'rooms'}],
	['ping', {type: 'ping', id: 'ping'}],
];
const sendFailed: string[] = [];
for (const [name, command] of tries) if (!(await cmd.send(command))) sendFailed.push(name);
// Until every try is answered (today's hub answers them all at once) or the deadline passes
// (a hub that closed the connection answers none).
const ids = tries.map(([, c]) => c['id']);
const answered = () => ids.every(id => cmd.replies.slice(repliesBefore).some(r => r.reply['re'] === id));
for (const deadline = Date.now() + num(a['listen-ms'], 1500); !answered() && Date.now() < deadline; ) await new Promise(resolve => setTimeout(resolve, 10));
const after = cmd.replies.slice(repliesBefore).map(r => r.reply);
const feedAfter = feed.messages.filter(x => x.at >= goAt).flatMap(x => x.events);
await finish({
	ok: true,
	attack: 'revoked',
	repliesAfter: after.map(r => ({type: r['type'], re: r['re'], code: r['code']})),
	/** Replies that served a command (anything but an error or a notice). */
	served: after.filter(r => r['type'] !== 'error' && r['type'] !== 'notice').map(r => `${String(r['type'])}${r['re'] ? `(${String(r['re'])})` : ''}`),
	historyTexts: after.filter(r => r['type'] === 'history').flatMap(r => ((r['events'] as Array<Record<string, unknown>>) ?? []).map(e => String(e['text'] ?? ''))),
	feedEventsAfterGo: feedAfter.length,
	feedTexts: feed.all().map(e => String(e['text'] ?? '')).filter(t => t !== ''),
	feedMessagesBeforeGo: feedBefore,
	sendFailed,
	commandEvents: cmd.events,
	feedEvents: feed.events,
});
