/**
 * Flood control: a token bucket per session. The bucket holds up to `burst` tokens and
 * refills `burst` tokens every `seconds`; each message takes one. A sender that bursts gets
 * its first `burst` lines through at once, then one every `seconds / burst` seconds.
 */

export interface RateLimit {
	/** Messages allowed at once. */
	readonly burst: number;
	/** Seconds for a full bucket to refill. */
	readonly seconds: number;
}

export interface Bucket {
	tokens: number;
	/** When `tokens` was last brought up to date, ms. */
	at: number;
}

export function fullBucket(limit: RateLimit, now: number): Bucket {
	return {tokens: limit.burst, at: now};
}

/**
 * Take one token. Returns 0 when the message may go, otherwise how many milliseconds until
 * it may (the bucket is left as it was: a refused message costs nothing).
 */
export function takeToken(bucket: Bucket, limit: RateLimit, now: number): number {
	const msPerToken = (limit.seconds * 1000) / limit.burst;
	if (now > bucket.at) {
		bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) / msPerToken);
		bucket.at = now;
	}
	if (bucket.tokens >= 1) {
		bucket.tokens -= 1;
		return 0;
	}
	return Math.max(1, Math.ceil((1 - bucket.tokens) * msPerToken));
}

/** Parse "BURST/SECONDS" ("5/5", "3/3", "20/1.5") or "off"; an error in words otherwise. */
export function parseRateLimit(text: string): RateLimit | 'off' | {error: string} {
	const t = text.trim().toLowerCase();
	if (t === 'off' || t === 'none' || t === '0') return 'off';
	const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(t);
	if (!m) return {error: 'must be BURST/SECONDS (e.g. 5/5: 5 at once, then one a second) or "off"'};
	const burst = Number(m[1]);
	const seconds = Number(m[2]);
	if (burst < 1 || burst > 100_000) return {error: 'BURST must be from 1 to 100000'};
	if (!(seconds >= 0.01 && seconds <= 86_400)) return {error: 'SECONDS must be from 0.01 to 86400'};
	return {burst, seconds};
}
