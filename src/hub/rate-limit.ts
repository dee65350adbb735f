/**
 * Flood control's arithmetic: token buckets. A bucket holds up to `burst` tokens and refills
 * `burst` tokens every `seconds`; a command takes its cost. A sender that bursts gets its
 * first `burst` commands through at once, then one every `seconds / burst` seconds. The byte
 * budget is a bucket too: `bytesPerMinute` bytes of text, refilled over a minute.
 */
import {MAX_TEXT_BYTES} from '../protocol/limits.js';

export interface RateLimit {
	/** Commands allowed at once. */
	readonly burst: number;
	/** Seconds for a full bucket to refill. */
	readonly seconds: number;
	/** Bytes of text one sender may send a minute (at once, or spread out); undefined for no byte budget. */
	readonly bytesPerMinute?: number;
}

export interface Bucket {
	tokens: number;
	/** When `tokens` was last brought up to date, ms. */
	at: number;
	/**
	 * A session's bucket after a refusal: everything is refused until then, so that what was
	 * sent after the refused command cannot get in before it is sent again (order is kept).
	 */
	holdUntil?: number;
}

/** The default byte budget: 64 KiB of text a minute (sixteen of the longest messages at once). */
export const DEFAULT_BYTES_PER_MINUTE = 64 * 1024;

export function fullBucket(limit: RateLimit, now: number): Bucket {
	return {tokens: limit.burst, at: now};
}

/** Milliseconds a bucket of this limit takes to gain one token. */
export function msPerToken(limit: {readonly burst: number; readonly seconds: number}): number {
	return (limit.seconds * 1000) / limit.burst;
}

/** Bring a bucket's tokens up to date (at most `burst`). */
export function refill(bucket: Bucket, limit: {readonly burst: number; readonly seconds: number}, now: number): void {
	if (now <= bucket.at) return;
	bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) / msPerToken(limit));
	bucket.at = now;
}

/** Refills add up in floating point: 0.999 + 0.001 may fall short of 1 by a hair. */
const EPSILON = 1e-6;

/** Milliseconds until a bucket (up to date) holds `need` tokens: 0 when it does now. */
export function waitFor(bucket: Bucket, limit: {readonly burst: number; readonly seconds: number}, need = 1): number {
	if (bucket.tokens >= need - EPSILON) return 0;
	return Math.max(1, Math.ceil((need - bucket.tokens) * msPerToken(limit) - EPSILON));
}

/** Whether a bucket left alone until `now` would be full again (then it need not be kept). */
export function fullBy(bucket: Bucket, limit: {readonly burst: number; readonly seconds: number}, now: number): boolean {
	return bucket.tokens + (now - bucket.at) / msPerToken(limit) >= limit.burst;
}

/**
 * Take one token. Returns 0 when the message may go, otherwise how many milliseconds until
 * it may (the bucket is left as it was: a refused message costs nothing).
 */
export function takeToken(bucket: Bucket, limit: RateLimit, now: number): number {
	refill(bucket, limit, now);
	const wait = waitFor(bucket, limit);
	if (wait === 0) bucket.tokens -= 1;
	return wait;
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

/** Parse a byte budget a minute: "64k", "1m", "4096", or "off"; an error in words otherwise. */
export function parseByteLimit(text: string): number | 'off' | {error: string} {
	const t = text.trim().toLowerCase();
	if (t === 'off' || t === 'none' || t === '0') return 'off';
	const m = /^(\d+(?:\.\d+)?)\s*(k|kb|kib|m|mb|mib)?$/.exec(t);
	if (!m) return {error: 'must be a number of bytes a minute (e.g. 65536, 64k, 1m) or "off"'};
	const unit = m[2]?.startsWith('m') ? 1024 * 1024 : m[2]?.startsWith('k') ? 1024 : 1;
	const bytes = Math.round(Number(m[1]) * unit);
	// A budget under one message of the longest text would refuse that message for good.
	if (bytes < MAX_TEXT_BYTES || bytes > 1024 * 1024 * 1024) return {error: `must be from ${MAX_TEXT_BYTES} bytes (one longest message) to 1 GiB a minute`};
	return bytes;
}
