/**
 * The rows of issue 12 about who is who as runnable scenarios: the muted member, the ban that
 * binds only the nick, look-alike nicks.
 */
import {completed, startAttacker, type Outcome} from './children.js';
import {AttackHub} from './hub.js';
import {secret} from './kit.js';
import {LOOKALIKE_BASES} from './lookalike-pairs.js';
import {measure, type Measurement} from './measure.js';
import {FeedReader, Peer, textOf, type Json} from './peer.js';
import {ATTACKER_ADDRESS, type ScenarioOptions} from './scenarios-11.js';
import {bystander} from './scenarios-12.js';

export interface MutedTry {
	readonly what: string;
	readonly answer: string;
}

export interface Muted {
	readonly bob: {mutedNotice: boolean; tries: MutedTry[]} & {done: true};
	/** Where bob's words were found by someone else: the feed, alice's replies (DMs, who, whois, history). */
	readonly leaks: string[];
	/** Bob's nick changed while muted (a nick event from him on the feed). */
	readonly nickChanged: boolean;
}

const MUTED_WORDS = 'MUTEDWORDS';

/** bob is muted by operator alice (open hub, no flood limit: only the mute stands in the way). */
export async function muted(o: ScenarioOptions): Promise<Measurement<Muted>> {
	const hub = await AttackHub.start({ops: ['alice']});
	const alice = new Peer(hub.cmdEndpoint);
	const watcher = new FeedReader(hub.feedEndpoint, ['']);
	try {
		const w = await alice.request({type: 'hello', v: 1, id: 'h', nick: 'alice', session: secret(), rooms: ['lobby']}, 10_000);
		if (w?.['type'] !== 'welcome' || w['op'] !== true) throw new Error(`alice is not an operator: ${textOf(w)}`);
		return await measure(
			hub,
			async ctx => {
				const bob = ctx.track(startAttacker<Muted['bob']>('muted', [...hub.attackerArgs(), '--from', ATTACKER_ADDRESS, '--nick', 'bob', '--dm', 'alice', '--marker', MUTED_WORDS]));
				await bob.waitEvent('ready');
				const ok = await alice.request({type: 'mute', id: 'mute', nick: 'bob', reason: 'test'}, 5000);
				if (ok?.['type'] !== 'ok') throw new Error(`the mute was not taken: ${textOf(ok)}`);
				bob.send('go');
				await bob.waitEvent('tried', 60_000);
				// While bob is still online under whatever nick he has: what do others see of him?
				for (const [id, cmd] of [
					['who', {type: 'who'}],
					['whois-bob', {type: 'whois', nick: 'bob'}],
					['whois-bob_', {type: 'whois', nick: 'bob_'}],
					['history', {type: 'history', room: 'lobby', limit: 500}],
					['topic', {type: 'topic', room: 'lobby'}],
				] as Array<[string, Json]>) {
					await alice.request({...cmd, id}, 5000);
				}
				bob.send('stop');
				const r = await completed(bob);
				const seen: Array<[string, unknown]> = [...watcher.all().map(e => ['feed', e] as [string, unknown]), ...alice.replies.map(x => [`alice's ${String(x.reply['type'])}`, x.reply] as [string, unknown])];
				return {
					bob: r,
					leaks: seen.filter(([, v]) => textOf(v).includes(MUTED_WORDS)).map(([where, v]) => `${where}: ${textOf(v).slice(0, 160)}`),
					nickChanged: watcher.all().some(e => e['type'] === 'nick' && e['from'] === 'bob'),
				};
			},
			{ceilingMb: o.ceilingMb, bystander: bystander(o, 'bystander')},
		);
	} finally {
		await alice.close();
		await watcher.close();
		await hub.close();
	}
}

export interface BanReturnResult {
	readonly welcomed: boolean;
	readonly answer: string;
	readonly said?: string;
	readonly handshakeRefused: boolean;
}

/**
 * A ban of a nick whose member is offline (bob left; alice bans "bob"; bob's key comes back as
 * bob2), or a kick then a ban (carol kicked, then banned for 10 minutes; her key comes back as dave).
 */
export async function banReturn(o: ScenarioOptions, variant: 'offline' | 'kick-then-ban'): Promise<Measurement<Outcome<BanReturnResult>>> {
	const offline = variant === 'offline';
	const hub = await AttackHub.start(
		offline ? {keys: true, members: ['alice', 'bob', 'carol'], ops: ['alice']} : {keys: true, anyKey: true, strangers: ['alice', 'carol', 'erin'], ops: ['alice']},
	);
	const alice = new Peer(hub.cmdEndpoint, hub.curve('alice'));
	try {
		const w = await alice.request({type: 'hello', v: 1, id: 'h', nick: 'alice', session: secret(), rooms: ['lobby']}, 10_000);
		if (w?.['type'] !== 'welcome' || w['op'] !== true) throw new Error(`alice is not an operator: ${textOf(w)}`);
		const who = offline ? 'bob' : 'carol';
		return await measure(
			hub,
			async ctx => {
				const member = ctx.track(
					startAttacker<BanReturnResult>('ban-return', [...hub.attackerArgs(who), '--from', ATTACKER_ADDRESS, '--nick', who, '--nick2', offline ? 'bob2' : 'dave', ...(offline ? [] : ['--stay'])]),
				);
				await member.waitEvent('ready');
				if (!offline) {
					const kicked = await alice.request({type: 'kick', id: 'kick', nick: who, reason: 'test'}, 5000);
					if (kicked?.['type'] !== 'ok') throw new Error(`the kick was not taken: ${textOf(kicked)}`);
				}
				const banned = await alice.request({type: 'ban', id: 'ban', target: who, ...(offline ? {} : {durationMs: 600_000}), reason: 'test'}, 5000);
				if (banned?.['type'] !== 'ok') throw new Error(`the ban was not taken: ${textOf(banned)}`);
				member.send('go');
				return member.result;
			},
			{ceilingMb: o.ceilingMb, bystander: bystander(o, offline ? 'carol' : 'erin')},
		);
	} finally {
		await alice.close();
		await hub.close();
	}
}

export interface LookalikeResult {
	readonly tries: Array<{held?: string; asked: string; how: string; answer: string; lookalike: boolean}>;
	readonly allowed: string[];
	readonly controlsRefused: string[];
}

/** Look-alikes of reserved nicks (hub with keys, the bases listed) or of nicks in use (open hub, both ways). */
export async function lookalikes(o: ScenarioOptions, mode: 'reserved' | 'inuse'): Promise<Measurement<Outcome<LookalikeResult>>> {
	const hub = await AttackHub.start(mode === 'reserved' ? {keys: true, members: [...LOOKALIKE_BASES, 'trudy', 'zoe']} : {});
	try {
		return await measure(
			hub,
			ctx => ctx.track(startAttacker<LookalikeResult>('lookalike', [...hub.attackerArgs('trudy'), '--from', ATTACKER_ADDRESS, '--mode', mode, '--self', 'trudy'])).result,
			{ceilingMb: o.ceilingMb, bystander: bystander(o, mode === 'reserved' ? 'zoe' : 'bystander')},
		);
	} finally {
		await hub.close();
	}
}
