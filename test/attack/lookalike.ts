/**
 * Issue 12, look-alike nicks. Two modes:
 * - reserved (a hub with keys whose --authorized lists the bases): with a key of its own the
 *   attacker asks for every look-alike at hello and by /nick;
 * - inuse (any hub): a holder takes one nick of a pair, the attacker asks for the other, then
 *   the other way round; the controls are asked for while their base is held.
 * Usage: node lookalike.js --sub P [--key F --server-key Z] [--mode reserved|inuse] [--self trudy]
 * Result: every try with its answer; `allowed` lists the look-alikes the hub let in.
 */
import {parseArgs} from 'node:util';
import {CONNECT_OPTIONS, curveFromFiles, finish, secret, zmqEndpoint} from './kit.js';
import {LOOKALIKE_CONTROLS, LOOKALIKE_PAIRS} from './lookalike-pairs.js';
import {Peer, type Json} from './peer.js';

const {values: a} = parseArgs({options: {...CONNECT_OPTIONS, mode: {type: 'string', default: 'inuse'}, self: {type: 'string', default: 'trudy'}}});
const curve = curveFromFiles(a.key, a['server-key']);
const endpoint = zmqEndpoint(a.host, a.sub!, a.from);
const attacker = new Peer(endpoint, {...curve, sendTimeout: 2000});
let ids = 0;
const answer = (r: Json | undefined) => (r === undefined ? 'no answer' : r['type'] === 'error' ? `error ${String(r['code'])}` : String(r['type']));
const hello = async (p: Peer, nick: string) => answer(await p.request({type: 'hello', v: 1, id: `h${ids++}`, nick, session: secret(), rooms: ['lobby']}, 3000));
const bye = (p: Peer) => p.request({type: 'bye', id: `b${ids++}`}, 3000);
const tries: Array<{held?: string; asked: string; how: string; answer: string; lookalike: boolean}> = [];

if (a.mode === 'reserved') {
	for (const [, alike] of LOOKALIKE_PAIRS) {
		const r = await hello(attacker, alike);
		tries.push({asked: alike, how: 'hello', answer: r, lookalike: true});
		if (r === 'welcome') await bye(attacker);
	}
	const own = await hello(attacker, a.self!);
	if (own !== 'welcome') await finish({ok: false, error: `own nick ${a.self}: ${own}`});
	for (const [, alike] of LOOKALIKE_PAIRS) {
		const r = answer(await attacker.request({type: 'nick', id: `n${ids++}`, nick: alike}, 3000));
		tries.push({asked: alike, how: 'nick', answer: r, lookalike: true});
		if (r === 'ok') await attacker.request({type: 'nick', id: `n${ids++}`, nick: a.self!}, 3000);
	}
	for (const [, control] of LOOKALIKE_CONTROLS) {
		const r = answer(await attacker.request({type: 'nick', id: `n${ids++}`, nick: control}, 3000));
		tries.push({asked: control, how: 'nick', answer: r, lookalike: false});
		if (r === 'ok') await attacker.request({type: 'nick', id: `n${ids++}`, nick: a.self!}, 3000);
	}
} else {
	const holder = new Peer(endpoint, {...curve, sendTimeout: 2000});
	const clash = async (held: string, asked: string, lookalike: boolean) => {
		const h = await hello(holder, held);
		if (h !== 'welcome') return tries.push({held, asked, how: 'hello', answer: `(holder not welcomed: ${h})`, lookalike});
		const r = await hello(attacker, asked);
		tries.push({held, asked, how: 'hello', answer: r, lookalike});
		if (r === 'welcome') await bye(attacker);
		await bye(holder);
		return undefined;
	};
	for (const [base, alike] of LOOKALIKE_PAIRS) {
		await clash(base, alike, true);
		await clash(alike, base, true);
	}
	for (const [base, control] of LOOKALIKE_CONTROLS) await clash(base, control, false);
	await holder.close();
}
await attacker.close();
await finish({
	ok: true,
	attack: 'lookalike',
	mode: a.mode,
	tries,
	allowed: tries.filter(t => t.lookalike && (t.answer === 'welcome' || t.answer === 'ok')).map(t => `${t.held ?? '(reserved)'} → ${t.asked} (${t.how})`),
	controlsRefused: tries.filter(t => !t.lookalike && t.answer !== 'welcome' && t.answer !== 'ok').map(t => `${t.asked}: ${t.answer}`),
});
