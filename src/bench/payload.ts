/**
 * What the bench says: 100-byte lines that carry who sent them, their number and when.
 *
 *   ~m3:1234:987654321012:xxxxxxxx…
 *    │ │  │    └ send time, µs of the shared monotonic clock (see clock.ts)
 *    │ │  └ the sender's counter: 0, 1, 2 …
 *    │ └ the sender's index in the run
 *    └ kind: m measured, w warm-up
 *
 * `~` appears nowhere else in a zchat feed event or in the say command the bench sends
 * (nicks, rooms, ids and epochs cannot hold it), so a subscriber finds the line with one
 * native byte search instead of parsing the JSON around it. That keeps the load generator
 * cheap enough not to be what the bench measures.
 */

/** Lines are padded to this many bytes, like the baselines of issue 6. */
export const LINE_BYTES = 100;

const MARK = 0x7e; // ~
const COLON = 0x3a;
const PAD = 'x'.repeat(LINE_BYTES);

export type LineKind = 'm' | 'w';

export function makeLine(kind: LineKind, sender: number, counter: number, sentUs: number): string {
	const head = `~${kind}${sender}:${counter}:${sentUs}:`;
	return head.length >= LINE_BYTES ? head : head + PAD.slice(head.length);
}

/** A line found in a frame; the same object is reused by every call (no allocation per message). */
export interface ParsedLine {
	kind: number;
	sender: number;
	counter: number;
	sentUs: number;
}

const KIND_M = 'm'.charCodeAt(0);
const KIND_W = 'w'.charCodeAt(0);
export const KIND = {measured: KIND_M, warmup: KIND_W} as const;

/**
 * Find the bench line in a frame (a zchat feed event, or the say command a bare forwarder
 * passed through) and read it into `out`. False when the frame holds no bench line (a join
 * event, say).
 */
export function parseLine(frame: Uint8Array, out: ParsedLine): boolean {
	const at = Buffer.prototype.indexOf.call(frame, MARK);
	if (at < 0 || at + 2 >= frame.length) return false;
	out.kind = frame[at + 1]!;
	let i = at + 2;
	let n = 0;
	let d: number;
	while ((d = frame[i++]!) !== COLON) {
		if (d < 48 || d > 57) return false;
		n = n * 10 + d - 48;
	}
	out.sender = n;
	n = 0;
	while ((d = frame[i++]!) !== COLON) {
		if (d < 48 || d > 57) return false;
		n = n * 10 + d - 48;
	}
	out.counter = n;
	n = 0;
	while ((d = frame[i++]!) !== COLON) {
		if (d < 48 || d > 57) return false;
		n = n * 10 + d - 48;
	}
	out.sentUs = n;
	return true;
}
