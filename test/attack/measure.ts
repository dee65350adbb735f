/**
 * One attack, measured: the hub's RSS before, at its peak and after (sampled every 50 ms from
 * /proc), a bystander's ping latency throughout, the bytes
 * under --data, and a ceiling that stops the attack (and at twice the ceiling, the hub) before
 * it takes the machine with it.
 */
import {performance} from 'node:perf_hooks';
import {startAttacker, type Attacker} from './children.js';
import type {AttackHub} from './hub.js';
import {dirBytes, rssMb, settledRssMb} from './rss.js';

export interface BystanderResult {
	readonly ok: boolean;
	readonly error?: string;
	readonly sent: number;
	readonly answered: number;
	readonly p50Ms: number;
	readonly p99Ms: number;
	readonly maxMs: number;
	readonly maxGapMs: number;
	/** How long after the attack the hub answered a new ping (undefined: not within the deadline). */
	readonly recoveredAfterMs?: number;
}

export interface Measurement<T> {
	readonly rss: {readonly beforeMb: number; readonly peakMb: number; readonly afterMb: number};
	readonly bystander?: BystanderResult;
	readonly data?: {readonly beforeBytes: number; readonly afterBytes: number; readonly bytesPerSecond: number};
	/** How long the attack ran (not counting the tail). */
	readonly attackMs: number;
	/** The hub grew past the ceiling: the attack was stopped there. */
	readonly ceilingHit: boolean;
	/** The hub was killed at twice the ceiling, or died by itself. */
	readonly hubDied: boolean;
	readonly attack: T;
}

export interface AttackContext {
	/** Attackers to kill when the ceiling is reached. */
	track<A extends Attacker<unknown>>(attacker: A): A;
	/** True once the ceiling was reached. */
	readonly stopped: () => boolean;
	/** RSS of the hub now, MiB above the baseline. */
	growthMb(): number;
}

export interface MeasureOptions {
	/** Stop the attack when the hub has grown this much (MiB). */
	readonly ceilingMb: number;
	/** The bystander's nick (its key on a hub with keys); false for none. @default "bystander" */
	readonly bystander?: string | false;
	/** After the attack, wait at most this long for the hub to answer the bystander again. @default 5000 */
	readonly recoveryMs?: number;
}

export async function measure<T>(hub: AttackHub, attack: (ctx: AttackContext) => Promise<T>, options: MeasureOptions): Promise<Measurement<T>> {
	const nick = options.bystander ?? 'bystander';
	const bystander = nick === false ? undefined : startAttacker<BystanderResult>('bystander', [...hub.attackerArgs(nick), '--nick', nick]);
	if (bystander) await bystander.waitEvent('ready', 15_000);
	const beforeMb = (await settledRssMb(hub.pid)) ?? 0;
	const dataBefore = dirBytes(hub.dataDir);
	const tracked: Array<Attacker<unknown>> = [];
	let ceilingHit = false;
	let hubKilled = false;
	let peakMb = beforeMb;
	const sampler = setInterval(() => {
		// Read live: a scenario may restart the hub.
		const now = rssMb(hub.pid);
		if (now === undefined) return;
		peakMb = Math.max(peakMb, now);
		if (!ceilingHit && now - beforeMb > options.ceilingMb) {
			ceilingHit = true;
			for (const a of tracked) a.kill();
		}
		if (now - beforeMb > 2 * options.ceilingMb && !hubKilled) {
			hubKilled = true;
			hub.signal('SIGKILL');
		}
	}, 50);
	const ctx: AttackContext = {
		track: a => {
			tracked.push(a);
			if (ceilingHit) a.kill();
			return a;
		},
		stopped: () => ceilingHit,
		growthMb: () => (rssMb(hub.pid) ?? beforeMb) - beforeMb,
	};
	const t0 = performance.now();
	let result: T;
	try {
		result = await attack(ctx);
	} finally {
		for (const a of tracked) a.kill();
	}
	const attackMs = Math.round(performance.now() - t0);
	let recoveredAfterMs: number | undefined;
	if (bystander && hub.alive) {
		bystander.send('mark');
		try {
			const marked = await bystander.waitEvent('marked', options.recoveryMs ?? 5000);
			recoveredAfterMs = marked['afterMs'] as number;
		} catch {
			recoveredAfterMs = undefined;
		}
	}
	bystander?.send('stop');
	const by = bystander ? await bystander.result : undefined;
	clearInterval(sampler);
	const afterMb = (await settledRssMb(hub.pid)) ?? 0;
	peakMb = Math.max(peakMb, afterMb);
	const dataAfter = dirBytes(hub.dataDir);
	const round = (x: number) => Math.round(x * 10) / 10;
	return {
		rss: {beforeMb: round(beforeMb), peakMb: round(peakMb), afterMb: round(afterMb)},
		...(by === undefined
			? {}
			: {
					bystander: by.done
						? {...(by as unknown as BystanderResult), ...(recoveredAfterMs === undefined ? {} : {recoveredAfterMs})}
						: {ok: false, error: `bystander did not finish: ${by.stderr.slice(-300)}`, sent: 0, answered: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, maxGapMs: 0},
				}),
		...(hub.dataDir === undefined ? {} : {data: {beforeBytes: dataBefore, afterBytes: dataAfter, bytesPerSecond: Math.round(((dataAfter - dataBefore) * 1000) / Math.max(1, attackMs))}}),
		attackMs,
		ceilingHit,
		hubDied: hubKilled || !hub.alive,
		attack: result,
	};
}

/** "12.3 → 850.1 → 40.2 MiB" and the like, for messages and tables. */
export function rssText(m: Measurement<unknown>): string {
	return `${m.rss.beforeMb} / ${m.rss.peakMb} / ${m.rss.afterMb} MiB`;
}

export function bystanderText(b: BystanderResult | undefined): string {
	if (!b) return '-';
	if (!b.ok) return `(bystander failed: ${b.error ?? '?'})`;
	return `p50 ${b.p50Ms} ms, p99 ${b.p99Ms} ms, max gap ${b.maxGapMs} ms, ${b.answered}/${b.sent} answered${b.recoveredAfterMs === undefined ? ', no answer after the attack' : ''}`;
}
