/**
 * How the hub packs a room's feed events into PUB messages: bounded in events and in bytes,
 * so that the PUB's high-water mark, which counts messages, bounds a stalled subscriber in bytes.
 */

/**
 * Feed events per PUB message at most, and bytes: a busy room's batch is split into messages
 * of at most this many events and bytes (an event larger than that goes alone; the largest
 * event, 4096 bytes of control characters escaped in JSON, is under it). The PUB's high-water
 * mark counts messages, so a stalled subscriber holds at most feedHwm × FEED_MESSAGE_BYTES.
 */
export const EVENTS_PER_PUBLISH = 64;
export const FEED_MESSAGE_BYTES = 32 * 1024;

/** Feed messages queued per subscriber by default: 256 × 32 KiB = 8 MiB at most for a stalled one. */
export const DEFAULT_FEED_HWM = 256;

/**
 * A run of one room's events as feed messages: at most EVENTS_PER_PUBLISH events and
 * FEED_MESSAGE_BYTES each. Lengths are counted in UTF-16 units, each at most 3 bytes of
 * UTF-8; a single event is at most ~25 KB (4096 bytes of control characters, escaped).
 */
export function feedMessages(events: readonly string[]): string[][] {
	const out: string[][] = [];
	let chunk: string[] = [];
	let size = 0;
	for (const e of events) {
		if (chunk.length > 0 && (chunk.length >= EVENTS_PER_PUBLISH || size + e.length > FEED_MESSAGE_BYTES / 3)) {
			out.push(chunk);
			chunk = [];
			size = 0;
		}
		chunk.push(e);
		size += e.length;
	}
	if (chunk.length > 0) out.push(chunk);
	return out;
}
