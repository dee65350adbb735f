/**
 * Flood control: a session's messages charged to its token bucket, refusals, and the rule
 * that drops a connection's frames unread once it was refused too often within a second.
 */
import type {CommandContext} from './outbox.js';
import {fullBucket, takeToken, type Bucket, type RateLimit} from './rate-limit.js';
import type {Session} from './sessions.js';
import {framesDropped, rateLimited} from './wording.js';

/**
 * A connection refused this many times as too fast within a second is flooding: until the
 * second is over its messages are dropped unread, so a flood costs the hub almost nothing
 * and everyone else's messages are not kept waiting behind it. A zchat client paces itself
 * and never gets here; what is dropped, it sends again.
 */
const REFUSALS_BEFORE_DROPPING = 64;

/** A connection being refused as too fast: refusals in the current second, and since when. */
interface Flood {
	since: number;
	refused: number;
	dropped: number;
}

export class FloodControl {
	/** By connection (routing id as latin1). */
	private readonly floods = new Map<string, Flood>();

	constructor(
		/** The limit per session; undefined for none. */
		readonly limit: RateLimit | undefined,
		private readonly log: (line: string) => void,
		private readonly counters: {rateLimited: number; dropped: number},
	) {}

	/** A new session's bucket, full (none without a limit). */
	bucket(now: number): Bucket | undefined {
		return this.limit === undefined ? undefined : fullBucket(this.limit, now);
	}

	/** True when a message of `frames` frames from this connection is to be dropped unread now (it is counted). */
	dropping(peerKey: string, frames: number, now: number): boolean {
		const flood = this.floods.get(peerKey);
		if (!flood || now - flood.since >= 1000 || flood.refused < REFUSALS_BEFORE_DROPPING) return false;
		flood.dropped += frames;
		this.counters.dropped += frames;
		return true;
	}

	/**
	 * Charge one message to a session's bucket. False, with a `rate_limited` error sent, when
	 * it is over its limit; the refused message costs nothing.
	 */
	charge(session: Session, ctx: CommandContext): boolean {
		if (!this.limit || !session.bucket) return true;
		const wait = takeToken(session.bucket, this.limit, ctx.now);
		if (wait === 0) return true;
		this.counters.rateLimited++;
		this.noteRefusal(session.peerKey, ctx.now);
		ctx.error('rate_limited', rateLimited(this.limit, wait), wait);
		return false;
	}

	/** Forget the connections whose second is over (the transport's timer). */
	sweep(now: number): void {
		for (const [peerKey, flood] of this.floods) {
			if (now - flood.since < 1000) continue;
			this.over(flood);
			this.floods.delete(peerKey);
		}
	}

	private noteRefusal(peerKey: string, now: number): void {
		let flood = this.floods.get(peerKey);
		if (!flood || now - flood.since >= 1000) {
			if (flood) this.over(flood);
			this.floods.set(peerKey, (flood = {since: now, refused: 0, dropped: 0}));
		}
		flood.refused++;
	}

	/** A flood's second is over: tell the operator what was dropped. */
	private over(flood: Flood): void {
		if (flood.dropped > 0) this.log(framesDropped(flood.dropped));
	}
}
