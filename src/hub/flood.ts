/**
 * Flood control: each command's cost charged to its session and to the person behind it (the
 * key on a hub with keys; the connection and source address on an open hub), a byte budget
 * on text, refusals; the rule that drops a connection's frames unread once it was refused too
 * often within a second; and one log line when a flood starts, one when it stops.
 */
import {senderIds, senderLabel} from './identity.js';
import type {CommandContext} from './outbox.js';
import {fullBucket, fullBy, refill, waitFor, type Bucket, type RateLimit} from './rate-limit.js';
import type {Session} from './sessions.js';
import {bytesLimited, floodEnded, floodStarted, rateLimited} from './wording.js';

/**
 * A connection refused this many times as too fast within a second is flooding: until the
 * second is over its messages are dropped unread, so a flood costs the hub almost nothing
 * and everyone else's messages are not kept waiting behind it. A zchat client paces itself
 * and never gets here; what is dropped, it sends again.
 */
const REFUSALS_BEFORE_DROPPING = 64;

/**
 * An open hub's source address stands for everyone behind it (a NAT, an office, a shared
 * machine), so it gets this many people's allowance: one connection still has one person's,
 * and one address cannot take more than this many people's share of the hub.
 */
export const PEOPLE_PER_ADDRESS = 16;

type Limit = {readonly burst: number; readonly seconds: number};

/** A limit and its source address's version, PEOPLE_PER_ADDRESS times a person's, made once. */
interface Scaled {
	readonly person: Limit;
	readonly address: Limit;
}

function scaledOf(limit: Limit): Scaled {
	return {person: limit, address: {burst: limit.burst * PEOPLE_PER_ADDRESS, seconds: limit.seconds}};
}

/** The limit for a sender id: a source address's is the scaled one. */
function scaled(limits: Scaled, id: string): Limit {
	return id.startsWith('addr:') ? limits.address : limits.person;
}

/** A flood is over (and logged as such) once its sender has gone this long without a refusal. */
const QUIET_MS = 1000;

/** A flood that goes on is reported this often (what was refused and dropped so far). */
const REPORT_MS = 60_000;

/** A connection being refused as too fast: refusals in the current second, and since when. */
interface Flood {
	since: number;
	refused: number;
	/** The episode its refusals and drops are counted in. */
	episode: Episode;
}

/** A flood as the operator hears of it: who, since when, how much was refused and dropped. */
interface Episode {
	readonly label: string;
	readonly since: number;
	last: number;
	/** When it was last reported. */
	reported: number;
	refused: number;
	dropped: number;
}

export class FloodControl {
	/** The count buckets of senders beyond their session, by sender id (identity.ts); full ones are forgotten. */
	private readonly people = new Map<string, Bucket>();
	/** Byte budgets by sender id. */
	private readonly budgets = new Map<string, Bucket>();
	/** Connections being refused, by routing id (latin1). */
	private readonly floods = new Map<string, Flood>();
	/** Floods being logged, by the widest sender id. */
	private readonly episodes = new Map<string, Episode>();
	private readonly byteLimit: Limit | undefined;
	/** The count and byte limits with their per-address versions (made once: `check` runs for every charged command). */
	private readonly counts: Scaled | undefined;
	private readonly bytes: Scaled | undefined;

	constructor(
		/** The limit; undefined for none. */
		readonly limit: RateLimit | undefined,
		private readonly log: (line: string) => void,
		private readonly counters: {rateLimited: number; dropped: number},
	) {
		this.byteLimit = limit?.bytesPerMinute === undefined ? undefined : {burst: limit.bytesPerMinute, seconds: 60};
		this.counts = limit && scaledOf(limit);
		this.bytes = this.byteLimit && scaledOf(this.byteLimit);
	}

	/** A new session's bucket, full (none without a limit). */
	bucket(now: number): Bucket | undefined {
		return this.limit === undefined ? undefined : fullBucket(this.limit, now);
	}

	/** True when a message of `frames` frames from this connection is to be dropped unread now (it is counted). */
	dropping(peerKey: string, frames: number, now: number): boolean {
		const flood = this.floods.get(peerKey);
		if (!flood || now - flood.since >= 1000 || flood.refused < REFUSALS_BEFORE_DROPPING) return false;
		flood.episode.dropped += frames;
		flood.episode.last = now;
		this.counters.dropped += frames;
		return true;
	}

	/**
	 * Charge a command to its session (if any) and to its sender. False, with a `rate_limited`
	 * error sent, when any of them is over its limit; a refused command costs nothing. A
	 * command may cost more tokens than are left (a hello making new rooms): it goes when at
	 * least one is, and the sender waits the rest off afterwards. `text`: the words it carries,
	 * charged to the byte budget.
	 */
	charge(ctx: CommandContext, session: Session | undefined, tokens = 1, text?: string): boolean {
		const refusal = this.check(ctx, session, tokens, text);
		if (refusal === undefined) return true;
		if (session?.bucket) session.bucket.holdUntil = ctx.now + refusal.wait;
		this.counters.rateLimited++;
		this.noteRefusal(ctx, refusal.who, session);
		const limit = this.limit!;
		ctx.error('rate_limited', refusal.bytes ? bytesLimited(limit.bytesPerMinute!, refusal.wait) : rateLimited(limit, refusal.wait), refusal.wait);
		return false;
	}

	/** Charge a command when that is allowed; otherwise charge nothing and say nothing (false). */
	tryCharge(ctx: CommandContext, session: Session | undefined, tokens = 1, text?: string): boolean {
		return this.check(ctx, session, tokens, text) === undefined;
	}

	/** Undefined when the command may go (and is charged), else how long to wait and whom it is for. */
	private check(ctx: CommandContext, session: Session | undefined, tokens: number, text: string | undefined): {wait: number; who: string; bytes: boolean} | undefined {
		const limit = this.limit;
		if (!limit) return undefined;
		const now = ctx.now;
		const ids = senderIds(ctx.info, ctx.peerKey);
		const buckets: Bucket[] = [];
		let wait = 0;
		let bytesBound = false;
		if (session?.bucket) {
			const b = session.bucket;
			refill(b, limit, now);
			wait = b.holdUntil !== undefined && b.holdUntil > now ? b.holdUntil - now : waitFor(b, limit);
			buckets.push(b);
		}
		for (const id of ids) {
			const l = scaled(this.counts!, id);
			const b = bucketOf(this.people, id, l.burst, now);
			refill(b, l, now);
			wait = Math.max(wait, waitFor(b, l));
			buckets.push(b);
		}
		const bytes = text === undefined ? 0 : Buffer.byteLength(text);
		const budgets: Bucket[] = [];
		if (bytes > 0 && this.byteLimit) {
			for (const id of ids) {
				const l = scaled(this.bytes!, id);
				const b = bucketOf(this.budgets, id, l.burst, now);
				refill(b, l, now);
				const w = waitFor(b, l, bytes);
				if (w > wait) {
					wait = w;
					bytesBound = true;
				}
				budgets.push(b);
			}
		}
		if (wait > 0) return {wait, who: ids[ids.length - 1]!, bytes: bytesBound};
		for (const b of buckets) b.tokens -= tokens;
		for (const b of budgets) b.tokens -= bytes;
		return undefined;
	}

	/**
	 * What a session's sender has left now, the least of its buckets: tokens (below 0 while it
	 * waits off a command that cost more than it had) and bytes of text. Undefined without a limit.
	 */
	left(ctx: CommandContext, session: Session | undefined): {tokens: number; bytes?: number} | undefined {
		const limit = this.limit;
		if (!limit) return undefined;
		const now = ctx.now;
		let tokens = limit.burst;
		if (session?.bucket) {
			refill(session.bucket, limit, now);
			tokens = session.bucket.tokens;
		}
		let bytes = this.byteLimit?.burst;
		for (const id of senderIds(ctx.info, ctx.peerKey)) {
			const b = this.people.get(id);
			if (b) {
				refill(b, scaled(this.counts!, id), now);
				tokens = Math.min(tokens, b.tokens);
			}
			const budget = this.budgets.get(id);
			if (budget && this.byteLimit && bytes !== undefined) {
				refill(budget, scaled(this.bytes!, id), now);
				bytes = Math.min(bytes, budget.tokens);
			}
		}
		return {tokens: Math.round(tokens * 1000) / 1000, ...(bytes === undefined ? {} : {bytes: Math.floor(bytes)})};
	}

	/**
	 * Time passes (the transport's timer): forget the buckets that are full again and the
	 * connections whose second is over, and log the floods that stopped.
	 */
	sweep(now: number): void {
		const limit = this.limit;
		if (limit) for (const [id, b] of this.people) if (fullBy(b, scaled(this.counts!, id), now)) this.people.delete(id);
		if (this.byteLimit) for (const [id, b] of this.budgets) if (fullBy(b, scaled(this.bytes!, id), now)) this.budgets.delete(id);
		for (const [peerKey, flood] of this.floods) if (now - flood.since >= 1000) this.floods.delete(peerKey);
		for (const [who, e] of this.episodes) {
			if (now - e.last >= QUIET_MS) {
				this.episodes.delete(who);
				this.log(floodEnded(e.label, e.refused, e.dropped, e.last - e.since, false));
			} else if (now - e.reported >= REPORT_MS) {
				e.reported = now;
				this.log(floodEnded(e.label, e.refused, e.dropped, now - e.since, true));
			}
		}
	}

	private noteRefusal(ctx: CommandContext, who: string, session: Session | undefined): void {
		const now = ctx.now;
		let episode = this.episodes.get(who);
		if (!episode) {
			const label = senderLabel(who) + (who.startsWith('conn:') && session ? ` (${session.nick})` : '');
			this.episodes.set(who, (episode = {label, since: now, last: now, reported: now, refused: 0, dropped: 0}));
			this.log(floodStarted(label));
		}
		episode.refused++;
		episode.last = now;
		let flood = this.floods.get(ctx.peerKey);
		if (!flood || now - flood.since >= 1000) this.floods.set(ctx.peerKey, (flood = {since: now, refused: 0, episode}));
		flood.refused++;
		flood.episode = episode;
	}
}

function bucketOf(map: Map<string, Bucket>, id: string, burst: number, now: number): Bucket {
	let b = map.get(id);
	if (!b) map.set(id, (b = {tokens: burst, at: now}));
	return b;
}
