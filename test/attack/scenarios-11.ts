/**
 * The rows of issue 11 as runnable scenarios: a fresh real hub each, the attacker processes,
 * the bystander, and what each measurement needs. The acceptance tests and the report both
 * run these; `scale` picks the sizes (the tests' are small enough for CI, the report's
 * are the issue's own).
 */
import {completed, startAttacker, type Outcome} from './children.js';
import {AttackHub} from './hub.js';
import {measure, type Measurement} from './measure.js';
import {FeedReader, Peer, textOf} from './peer.js';
import {secret} from './kit.js';

export type Scale = 'test' | 'report';

export interface ScenarioOptions {
	readonly scale: Scale;
	/** The hub may grow this much before the attack is stopped (twice this: the hub is killed). */
	readonly ceilingMb: number;
}

/** Attackers connect from here; the bystander and legitimate members from 127.0.0.1. */
export const ATTACKER_ADDRESS = '127.0.0.2';

export interface EndlessResult {
	readonly partsSent: number;
	readonly closedByPeer: boolean;
	readonly closedAfterParts?: number;
	readonly ended: boolean;
}

/** The never-ending message, on an open hub (raw ZMTP) or a hub with keys (pyzmq over CURVE with a member's key). */
export async function endless(o: ScenarioOptions, keys: boolean, port: 'command' | 'feed'): Promise<Measurement<Outcome<EndlessResult>>> {
	const hub = await AttackHub.start(keys ? {keys: true, members: ['alice', 'mallory']} : {});
	// Over CURVE every part is a box of its own: the attacker's side is slower, so fewer parts in the tests.
	const parts = o.scale === 'test' ? (keys ? 1_000_000 : 2_000_000) : port === 'command' ? 4_000_000 : 8_000_000;
	const hold = o.scale === 'test' ? '500' : '2000';
	try {
		return await measure(
			hub,
			ctx => {
				const attacker = keys
					? startAttacker<EndlessResult>(
							'endless',
							[
								'--endpoint', `tcp://${ATTACKER_ADDRESS}:0;${hub.host}:${port === 'command' ? hub.subPort : hub.pubPort}`,
								'--socket', port === 'command' ? 'dealer' : 'xsub',
								'--key', hub.identity('mallory').file, '--server-key', hub.serverKey!,
								'--parts', String(parts), '--hold-ms', hold, '--end',
							],
							{python: true},
						)
					: startAttacker<EndlessResult>('endless', [...hub.attackerArgs(), '--from', ATTACKER_ADDRESS, ...(port === 'feed' ? ['--feed'] : []), '--parts', String(parts), '--hold-ms', hold, '--end']);
				return ctx.track(attacker).result;
			},
			{ceilingMb: o.ceilingMb, bystander: keys ? 'alice' : 'bystander', recoveryMs: o.scale === 'test' ? 3000 : 60_000},
		);
	} finally {
		await hub.close();
	}
}

export interface UnreadResult {
	readonly requestsSent: number;
	readonly closedByPeer: boolean;
	readonly closedWhileHolding: boolean;
}

/** Say `count` lines of `bytes` in #lobby from a member of 127.0.0.1 (16 a message), all acked. */
export async function seedRoom(hub: AttackHub, count: number, bytes: number, nick = 'seeder'): Promise<void> {
	const p = new Peer(hub.cmdEndpoint, hub.curve(nick));
	try {
		const w = await p.request({type: 'hello', v: 1, id: 'h', nick, session: secret(), rooms: ['lobby']}, 10_000);
		if (w?.['type'] !== 'welcome') throw new Error(`seeder not welcomed: ${textOf(w)}`);
		const text = 'x'.repeat(bytes);
		for (let i = 0; i < count; i += 16) {
			const batch = Array.from({length: Math.min(16, count - i)}, (_, k) => ({type: 'say', id: `seed${i + k}`, room: 'lobby', text}));
			await p.send(...batch);
		}
		const last = `seed${count - 1}`;
		if (!(await p.waitFor(r => r['re'] === last, 30_000))) throw new Error('the seeding was not acked');
	} finally {
		await p.close();
	}
}

/** A DEALER asks `history` (500-event pages of a room of 4 KB lines) and never reads. */
export async function unreadHistory(o: ScenarioOptions): Promise<Measurement<Outcome<UnreadResult>>> {
	const hub = await AttackHub.start({});
	try {
		await seedRoom(hub, 500, 4096);
		return await measure(
			hub,
			ctx =>
				ctx.track(startAttacker<UnreadResult>('unread', [...hub.attackerArgs(), '--from', ATTACKER_ADDRESS, '--requests', '2000', '--hold-ms', o.scale === 'test' ? '1500' : '4000'])).result,
			{ceilingMb: o.ceilingMb, recoveryMs: o.scale === 'test' ? 3000 : 30_000},
		);
	} finally {
		await hub.close();
	}
}

export interface SubscriptionsResult {
	readonly subscriptionsSent: number;
	readonly closedByPeer: boolean;
}

/** 8,000 distinct 4 KB subscriptions on the feed port; the subscriber stays a moment, then leaves (RSS after = after it left). */
export async function subscriptions(o: ScenarioOptions): Promise<Measurement<Outcome<SubscriptionsResult>>> {
	const hub = await AttackHub.start({});
	// Feed traffic while it subscribes: a PUB socket takes in subscriptions as it sends.
	const talker = new Peer(hub.cmdEndpoint);
	try {
		await talker.request({type: 'hello', v: 1, id: 'h', nick: 'talker', session: secret(), rooms: ['lobby']}, 10_000);
		let stop = false;
		const talk = (async () => {
			for (let i = 0; !stop; i++) {
				await talker.request({type: 'say', id: `t${i}`, room: 'lobby', text: `tick ${i}`}, 5000);
				await new Promise(resolve => setTimeout(resolve, 20));
			}
		})();
		try {
			return await measure(
				hub,
				ctx => ctx.track(startAttacker<SubscriptionsResult>('subscriptions', [...hub.attackerArgs(), '--from', ATTACKER_ADDRESS, '--count', '8000', '--bytes', '4095', '--hold-ms', o.scale === 'test' ? '1500' : '3000'])).result,
				{ceilingMb: o.ceilingMb, recoveryMs: o.scale === 'test' ? 3000 : 10_000},
			);
		} finally {
			stop = true;
			await talk;
		}
	} finally {
		await talker.close();
		await hub.close();
	}
}

export interface RevokedResult {
	readonly served: string[];
	readonly historyTexts: string[];
	readonly feedTexts: string[];
	readonly feedEventsAfterGo: number;
	readonly repliesAfter: Array<{type: string; re?: string; code?: string}>;
}

export interface Revoked {
	readonly bob: RevokedResult & {done: true};
	/** Texts from bob after the removal that others saw (room feed or DMs). */
	readonly othersSaw: string[];
	/** What alice said after the removal reached bob (feed or history). */
	readonly secretReachedBob: boolean;
}

const SECRET = 'SECRET-AFTER-REMOVAL';
const BOB_WORDS = 'REVOKED-WORDS';

/** Bob's key is removed from --authorized (SIGHUP) or banned while his connections stay open. */
export async function revoked(o: ScenarioOptions, how: 'sighup' | 'ban'): Promise<Measurement<Revoked>> {
	const hub = await AttackHub.start({keys: true, members: ['alice', 'bob', 'carol'], ops: ['alice']});
	const alice = new Peer(hub.cmdEndpoint, hub.curve('alice'));
	const watcher = new FeedReader(hub.feedEndpoint, [''], hub.curve('alice'));
	try {
		const w = await alice.request({type: 'hello', v: 1, id: 'h', nick: 'alice', session: secret(), rooms: ['lobby']}, 10_000);
		if (w?.['type'] !== 'welcome') throw new Error(`alice not welcomed: ${textOf(w)}`);
		return await measure(
			hub,
			async ctx => {
				const bob = ctx.track(startAttacker<RevokedResult>('revoked', [...hub.attackerArgs('bob'), '--from', ATTACKER_ADDRESS, '--nick', 'bob', '--dm', 'alice', '--marker', BOB_WORDS]));
				await bob.waitEvent('ready');
				if (how === 'sighup') {
					hub.writeMembers(['alice', 'carol']);
					hub.signal('SIGHUP');
					await hub.waitLog(/SIGHUP: re-read/);
				} else {
					const ok = await alice.request({type: 'ban', id: 'ban', target: hub.identity('bob').pair.publicKey, reason: 'test'}, 5000);
					if (ok?.['type'] !== 'ok') throw new Error(`the ban was not taken: ${textOf(ok)}`);
				}
				const said = await alice.request({type: 'say', id: 'secret', room: 'lobby', text: SECRET}, 5000);
				if (said?.['type'] !== 'ack') throw new Error(`alice's line was not acked: ${textOf(said)}`);
				bob.send('go');
				const r = await completed(bob);
				// What the room kept: anything bob got stored after the removal is in there.
				await alice.request({type: 'history', id: 'check', room: 'lobby', limit: 500}, 5000);
				return {
					bob: r,
					othersSaw: [...watcher.all(), ...alice.replies.map(x => x.reply)].map(textOf).filter(t => t.includes(BOB_WORDS)),
					secretReachedBob: r.feedTexts.some(t => t.includes(SECRET)) || r.historyTexts.some(t => t.includes(SECRET)),
				};
			},
			{ceilingMb: o.ceilingMb, bystander: 'carol'},
		);
	} finally {
		await alice.close();
		await watcher.close();
		await hub.close();
	}
}

export interface SpecBotResult {
	readonly acked: number;
	readonly ackedPerSecond: number;
	readonly lost: number[];
}

/** The speed row's load: 4 spec-style bots (one command a message) × 4 subscribers, hub with --data. */
export async function specBot(o: ScenarioOptions): Promise<Measurement<Outcome<SpecBotResult>>> {
	const hub = await AttackHub.start({data: true});
	try {
		return await measure(hub, ctx => ctx.track(startAttacker<SpecBotResult>('specbot', [...hub.attackerArgs(), '--seconds', o.scale === 'test' ? '2' : '5'])).result, {ceilingMb: o.ceilingMb});
	} finally {
		await hub.close();
	}
}
