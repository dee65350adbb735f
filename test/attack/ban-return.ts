/**
 * Issue 12, a ban that binds only the nick: a member joins with its key as --nick, says
 * something, and (unless --stay) leaves. The parent bans that nick (or kicks, then bans it)
 * and writes "go"; the member comes back with the same key under --nick2, on new sockets.
 * Usage: node ban-return.js --sub P --pub P --key F --server-key Z [--nick bob] [--nick2 bob2] [--stay]
 * Progress: {event: "ready"}. Result: whether it got in under the new nick, and could speak.
 */
import {parseArgs} from 'node:util';
import {CONNECT_OPTIONS, curveFromFiles, emit, finish, secret, stdinLines, zmqEndpoint} from './kit.js';
import {Peer} from './peer.js';

const {values: a} = parseArgs({options: {...CONNECT_OPTIONS, nick: {type: 'string', default: 'bob'}, nick2: {type: 'string', default: 'bob2'}, stay: {type: 'boolean', default: false}}});
const input = stdinLines();
const curve = curveFromFiles(a.key, a['server-key']);
const endpoint = zmqEndpoint(a.host, a.sub!, a.from);
const first = new Peer(endpoint, {...curve, sendTimeout: 1000});
const welcome = await first.request({type: 'hello', v: 1, id: 'hello', nick: a.nick!, session: secret(), rooms: ['lobby']}, 10_000);
if (welcome?.['type'] !== 'welcome') await finish({ok: false, error: `no welcome: ${JSON.stringify(welcome)}`});
await first.request({type: 'say', id: 'hi', room: 'lobby', text: `${a.nick} was here`}, 5000);
if (!a.stay) {
	await first.request({type: 'bye', id: 'bye'}, 3000);
	await first.close();
}
emit({event: 'ready'});
await input.next(60_000);
const removedNotice = a.stay ? first.replies.find(r => r.reply['type'] === 'notice')?.reply : undefined;
if (a.stay) await first.close();

// Back with the same key, new sockets, another nick.
const again = new Peer(endpoint, {...curve, sendTimeout: 1000});
const answer = await again.request({type: 'hello', v: 1, id: 'hello2', nick: a.nick2!, session: secret(), rooms: ['lobby']}, 3000);
const said = answer?.['type'] === 'welcome' ? await again.request({type: 'say', id: 'back', room: 'lobby', text: `${a.nick2} is ${a.nick} again`}, 3000) : undefined;
await again.close();
await finish({
	ok: true,
	attack: 'ban-return',
	removedNotice: removedNotice === undefined ? undefined : {code: removedNotice['code']},
	welcomed: answer?.['type'] === 'welcome',
	answer: answer === undefined ? 'no answer' : answer['type'] === 'error' ? `error ${String(answer['code'])}` : String(answer['type']),
	said: said === undefined ? undefined : String(said['type']),
	/** The hub refused the key at the handshake (ZAP): the socket never got in. */
	handshakeRefused: again.events.authFailures > 0,
	events: again.events,
});
