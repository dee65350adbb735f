/**
 * The rows of issue 12 about volume as runnable scenarios: session cycling, the room grab,
 * sessions' memory, stalled feeds (who-is-who rows: scenarios-moderation.ts; terminal rows:
 * scenarios-terminal.ts).
 */
import {startAttacker, type Outcome} from './children.js';
import {AttackHub} from './hub.js';
import {secret} from './kit.js';
import {measure, type Measurement} from './measure.js';
import {Peer} from './peer.js';
import {settledRssMb} from './rss.js';
import {ATTACKER_ADDRESS, type ScenarioOptions} from './scenarios-11.js';

/**
 * The bystander for a scenario: issue 12's acceptance asks nothing of it, so the tests (scale
 * "test") go without and save a process each; the report measures it.
 */
export function bystander(o: ScenarioOptions, nick: string): string | false {
	return o.scale === 'test' ? false : nick;
}

/** The hub's default flood limit, as `zchat hub` starts without --rate-limit. */
export const DEFAULT_RATE = {burst: 5, seconds: 5};

export interface CycleResult {
	readonly kind: string;
	readonly cycles: number;
	/** Lines sent, answered or not. */
	readonly attempted: number;
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
			{ceilingMb: o.ceilingMb, bystander: bystander(o, c.keyed ? 'alice' : 'bystander')},
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
	/** hellos sent (400 × 32 rooms: more than an unchecked hub's 10,000). */
	readonly hellos: number;
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
				const grab = await ctx.track(startAttacker<RoomGrabResult>('room-grab', [...hub.attackerArgs(), '--from', ATTACKER_ADDRESS, '--hellos', '400'])).result;
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
				const a = ctx.track(startAttacker('sessions', [...hub.attackerArgs(), '--count', String(count), '--addresses', '1000']));
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
			{ceilingMb: o.ceilingMb, bystander: bystander(o, 'bystander')},
		);
	} finally {
		await hub.close();
	}
}

export interface StalledResult {
	readonly subscribers: number;
	/** Lines to have acked before it stops (a volume, not a time). */
	readonly target: number;
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
					startAttacker<StalledResult>('stalled-feed', [...hub.attackerArgs(), '--from', ATTACKER_ADDRESS, '--subscribers', o.scale === 'test' ? '8' : '16', '--events', o.scale === 'test' ? '6000' : '12000']),
				).result,
			{ceilingMb: o.ceilingMb, bystander: bystander(o, 'bystander')},
		);
	} finally {
		await hub.close();
	}
}
