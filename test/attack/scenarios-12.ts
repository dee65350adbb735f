/**
 * The rows of issue 12 that need a hub and a measurement as runnable scenarios (the
 * terminal rows are in scenarios-terminal.ts): session cycling, the room grab, the muted
 * member, the ban that binds only the nick, look-alikes, sessions' memory, stalled feeds.
 */
import {completed, startAttacker, type Outcome} from './children.js';
import {AttackHub} from './hub.js';
import {secret} from './kit.js';
import {LOOKALIKE_BASES} from './lookalike-pairs.js';
import {measure, type Measurement} from './measure.js';
import {FeedReader, Peer, textOf, type Json} from './peer.js';
import {settledRssMb} from './rss.js';
import {ATTACKER_ADDRESS, type ScenarioOptions} from './scenarios-11.js';

/** The hub's default flood limit, as `zchat hub` starts without --rate-limit. */
export const DEFAULT_RATE = {burst: 5, seconds: 5};

export interface CycleResult {
	readonly kind: string;
	readonly cycles: number;
	readonly welcomes: number;
	readonly stored: number;
	readonly refused: Record<string, number>;
	readonly seconds: number;
	readonly storedPerSecond: number;
	readonly dmsReceived?: number;
}

export interface CycleOptions {
	readonly kind: 'say' | 'msg' | 'nick' | 'topic';
	/** A hub with keys whose --authorized lists one key for the attacker (and one for the bystander). */
	readonly keyed?: boolean;
	/** 4 KB of control characters a line. */
	readonly ctrl?: boolean;
	/** History on disk (--data), to measure its growth; else --memory. */
	readonly data?: boolean;
}

/** A fresh session every 5 lines, on one connection, against the default flood limit. */
export async function sessionCycle(o: ScenarioOptions, c: CycleOptions): Promise<Measurement<Outcome<CycleResult>> & {logLines: number}> {
	const hub = await AttackHub.start({
		rateLimit: `${DEFAULT_RATE.burst}/${DEFAULT_RATE.seconds}`,
		...(c.keyed ? {keys: true, members: ['alice', 'mallory']} : {}),
		...(c.data ? {data: true} : {}),
	});
	try {
		const logBefore = hub.logLines().length;
		const seconds = o.scale === 'test' ? 2 : 5;
		const m = await measure(
			hub,
			ctx =>
				ctx.track(
					startAttacker<CycleResult>('session-cycle', [
						...hub.attackerArgs('mallory'),
						'--from', ATTACKER_ADDRESS,
						'--kind', c.kind,
						'--seconds', String(seconds),
						...(c.ctrl ? ['--ctrl', '--text-bytes', '4096'] : []),
					]),
				).result,
			{ceilingMb: o.ceilingMb, bystander: c.keyed ? 'alice' : 'bystander'},
		);
		return {...m, logLines: hub.logLines().length - logBefore};
	} finally {
		await hub.close();
	}
}

/** What the flood limit allows in `seconds`: the burst, then burst/seconds a second. */
export function allowedBy(rate: {burst: number; seconds: number}, seconds: number): number {
	return Math.floor(rate.burst + (seconds * rate.burst) / rate.seconds);
}

export interface RoomGrabResult {
	readonly roomsTaken: number;
	readonly welcomes: number;
	readonly refused: Record<string, number>;
}

export interface RoomGrab {
	readonly grab: Outcome<RoomGrabResult>;
	/** Another user's `join` of a new room right after the grab, and after a restart on the same data. */
	readonly createAfter: string;
	readonly createAfterRestart: string;
}

async function createRoom(hub: AttackHub, nick: string, room: string): Promise<string> {
	const p = new Peer(hub.cmdEndpoint);
	try {
		const w = await p.request({type: 'hello', v: 1, id: 'h', nick, session: secret(), rooms: ['lobby']}, 10_000);
		if (w?.['type'] !== 'welcome') return `hello: ${w ? `error ${String(w['code'])}` : 'no answer'}`;
		const j = await p.request({type: 'join', id: 'j', room}, 5000);
		return j === undefined ? 'no answer' : j['type'] === 'error' ? `error ${String(j['code'])}` : String(j['type']);
	} finally {
		await p.close();
	}
}

/** hello naming 32 new rooms, again and again, on a hub with the default limits and --data. */
export async function roomGrab(o: ScenarioOptions): Promise<Measurement<RoomGrab>> {
	const hub = await AttackHub.start({data: true, rateLimit: `${DEFAULT_RATE.burst}/${DEFAULT_RATE.seconds}`});
	try {
		return await measure(
			hub,
			async ctx => {
				const grab = await ctx.track(startAttacker<RoomGrabResult>('room-grab', [...hub.attackerArgs(), '--from', ATTACKER_ADDRESS, '--seconds', o.scale === 'test' ? '3' : '5'])).result;
				const createAfter = await createRoom(hub, 'newcomer', 'fresh-after-grab');
				await hub.restart();
				const createAfterRestart = await createRoom(hub, 'newcomer2', 'fresh-after-restart');
				return {grab, createAfter, createAfterRestart};
			},
			{ceilingMb: o.ceilingMb, bystander: false},
		);
	} finally {
		await hub.close();
	}
}

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
			{ceilingMb: o.ceilingMb},
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
			{ceilingMb: o.ceilingMb, bystander: offline ? 'carol' : 'erin'},
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
			{ceilingMb: o.ceilingMb, bystander: mode === 'reserved' ? 'zoe' : 'bystander'},
		);
	} finally {
		await hub.close();
	}
}

export interface SessionMemory {
	readonly connections: number;
	readonly welcomed: number;
	/** RSS with the connections open and answered, no session yet; then with a session on each. */
	readonly connectedMb: number;
	readonly sessionsMb: number;
	readonly perConnectionKiB: number;
	readonly perSessionKiB: number;
}

/** What 1000 sessions cost, apart from their connections. */
export async function sessionMemory(o: ScenarioOptions): Promise<Measurement<SessionMemory>> {
	const hub = await AttackHub.start({});
	const count = 1000;
	try {
		return await measure(
			hub,
			async ctx => {
				const before = (await settledRssMb(hub.pid, 7, 50)) ?? 0;
				const a = ctx.track(startAttacker('sessions', [...hub.attackerArgs(), '--count', String(count), '--addresses', '250']));
				const connected = await a.waitEvent('connected', 60_000);
				const connectedMb = (await settledRssMb(hub.pid, 7, 50)) ?? 0;
				a.send('hello');
				const sessions = await a.waitEvent('sessions', 60_000);
				const sessionsMb = (await settledRssMb(hub.pid, 7, 50)) ?? 0;
				a.send('stop');
				await a.result;
				const welcomed = Number(sessions['welcomed']);
				return {
					connections: Number(connected['answered']),
					welcomed,
					connectedMb,
					sessionsMb,
					perConnectionKiB: Math.round(((connectedMb - before) * 1024) / count),
					perSessionKiB: Math.round(((sessionsMb - connectedMb) * 1024) / Math.max(1, welcomed)),
				};
			},
			{ceilingMb: o.ceilingMb},
		);
	} finally {
		await hub.close();
	}
}

export interface StalledResult {
	readonly subscribers: number;
	readonly acked: number;
	readonly eventBytesApprox: number;
	readonly closedByPeer: number;
}

/**
 * Subscribers that never read while a member says 4 KB lines of control characters (~24 KB
 * events). The room keeps only 100 events (--history-limit), so what grows is what the feed
 * holds for the stalled, not the history.
 */
export async function stalledFeed(o: ScenarioOptions): Promise<Measurement<Outcome<StalledResult>>> {
	const hub = await AttackHub.start({extra: ['--history-limit', '100']});
	try {
		return await measure(
			hub,
			ctx =>
				ctx.track(
					startAttacker<StalledResult>('stalled-feed', [...hub.attackerArgs(), '--from', ATTACKER_ADDRESS, '--subscribers', o.scale === 'test' ? '8' : '16', '--seconds', o.scale === 'test' ? '3' : '5']),
				).result,
			{ceilingMb: o.ceilingMb},
		);
	} finally {
		await hub.close();
	}
}
