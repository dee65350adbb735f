/**
 * Issue 12, a hostile hub: a ROUTER and a PUB that speak the protocol well enough for zchat's
 * own commands, and put terminal escapes (hostile-text.ts) in everything a client prints:
 * the refusal of a hello, a kick notice, who's away text, stats' version, rooms' topics,
 * the errors of questions.
 * Usage: node hostile-hub.js [--hello refuse|kick|welcome] [--questions answer|error]
 * Progress: {event: "ready", sub, pub}. Runs until stdin closes; result: what it answered.
 */
import {parseArgs} from 'node:util';
import * as zmq from 'zeromq';
import {emit, finish, stdinLines} from './kit.js';
import {HOSTILE_TEXT} from './hostile-text.js';

const {values: a} = parseArgs({options: {hello: {type: 'string', default: 'kick'}, questions: {type: 'string', default: 'answer'}}});
const router = new zmq.Router({linger: 0});
const pub = new zmq.Publisher({linger: 0});
await router.bind('tcp://127.0.0.1:*');
await pub.bind('tcp://127.0.0.1:*');
const port = (s: zmq.Router | zmq.Publisher) => Number(s.lastEndpoint!.split(':').pop());
const answered: Record<string, number> = {};
const epoch = 'hostile1';

function replyTo(cmd: Record<string, unknown>): Array<Record<string, unknown>> {
	const re = typeof cmd['id'] === 'string' ? {re: cmd['id']} : {};
	const type = String(cmd['type']);
	answered[type] = (answered[type] ?? 0) + 1;
	const nick = typeof cmd['nick'] === 'string' ? cmd['nick'] : 'someone';
	if (type === 'hello') {
		if (a.hello === 'refuse') return [{type: 'error', ...re, code: 'banned', message: `you are banned: ${HOSTILE_TEXT}`}];
		const welcome = {
			type: 'welcome',
			...re,
			v: 1,
			nick,
			epoch,
			resumed: false,
			rooms: [{room: 'lobby', seq: 0, topic: HOSTILE_TEXT, members: [nick]}],
			ttlMs: 10_000,
			limits: {textBytes: 4096, frames: 16, frameBytes: 65_536, roomsPerSession: 32, historyLimit: 500},
			hub: {name: 'zchat', version: HOSTILE_TEXT},
		};
		if (a.hello === 'welcome') return [welcome];
		return [welcome, {type: 'notice', code: 'kicked', message: `you were kicked from the hub by op: ${HOSTILE_TEXT}`}];
	}
	if (a.questions === 'error' && type !== 'bye') return [{type: 'error', ...re, code: 'bad_field', message: HOSTILE_TEXT}];
	switch (type) {
		case 'who':
			return [{type: 'who', ...re, members: [{nick: 'mallory', idleMs: 1000, away: HOSTILE_TEXT}]}];
		case 'whois':
			return [{type: 'whois', ...re, nick: 'mallory', rooms: ['lobby'], idleMs: 1000, since: Date.now(), away: HOSTILE_TEXT, client: HOSTILE_TEXT}];
		case 'stats':
			return [{type: 'stats', ...re, uptimeMs: 1000, sessions: 1, rooms: 1, messages: 1, connections: 1, subscribers: 1, epoch, version: HOSTILE_TEXT}];
		case 'rooms':
			return [{type: 'rooms', ...re, rooms: [{room: 'lobby', members: 1, topic: HOSTILE_TEXT}]}];
		case 'ping':
			return [{type: 'pong', ...re, ts: Date.now(), heads: {lobby: 0}, epoch, session: true}];
		case 'history':
			return [{type: 'history', ...re, room: String(cmd['room'] ?? 'lobby'), epoch, head: 0, events: [], more: false}];
		case 'say':
			return [{type: 'error', ...re, code: 'text_too_long', message: HOSTILE_TEXT}];
		case 'bye':
			return [{type: 'ok', ...re, command: 'bye'}];
		default:
			return [{type: 'error', ...re, code: 'bad_type', message: HOSTILE_TEXT}];
	}
}

const loop = (async () => {
	try {
		for await (const [peer, ...frames] of router) {
			const req = frames[0]?.length === 0;
			for (const f of req ? frames.slice(1) : frames) {
				let cmd: Record<string, unknown>;
				try {
					cmd = JSON.parse(f.toString('utf8')) as Record<string, unknown>;
				} catch {
					continue;
				}
				const replies = replyTo(cmd).map(r => JSON.stringify(r));
				// A REQ takes one frame per reply, after its empty delimiter.
				if (req) await router.send([peer!, Buffer.alloc(0), replies[0]!]);
				else await router.send([peer!, ...replies]);
			}
		}
	} catch {
		// closed
	}
})();
emit({event: 'ready', sub: port(router), pub: port(pub)});
await stdinLines().next(600_000);
router.close();
pub.close();
await loop;
await finish({ok: true, attack: 'hostile-hub', answered});
