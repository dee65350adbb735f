/**
 * Replies on the wire: everything queued for one connection since the last flush, encoded into
 * one buffer for one socket write (NULL: frames as they are; CURVE: a MESSAGE box a frame).
 */
import {CurveCodec} from './curve.js';
import type {Envelope} from './types.js';
import * as wire from './wire.js';

/** One reply: its envelope and frames (strings are written as UTF-8). */
export interface Pending {
	readonly envelope: Envelope;
	readonly frames: readonly (string | Uint8Array)[];
}

/** A REQ envelope's empty delimiter, as a frame with "more" set. */
const DELIMITER = Buffer.from([wire.MORE, 0]);
const EMPTY = Buffer.alloc(0);

const sizeOf = (f: string | Uint8Array) => (typeof f === 'string' ? Buffer.byteLength(f) : f.length);

/**
 * Whether reply `k` ends a message on the wire: replies to a DEALER are joined into messages
 * of at most `perMessage` frames (`run`: the frames so far of the message being made, this
 * reply's included); a REQ's reply is always a message of its own, as REQ must have it.
 */
function endsMessage(replies: readonly Pending[], k: number, run: number, perMessage: number): boolean {
	const next = replies[k + 1];
	if (next === undefined || replies[k]!.envelope === 'req' || next.envelope === 'req') return true;
	return run + next.frames.length > perMessage;
}

/** NULL: one buffer for all the replies of a flush (strings encoded straight into it), DEALER replies joined `perMessage` frames a message. */
export function encodePlain(replies: readonly Pending[], perMessage = 1): Buffer {
	let total = 0;
	const sizes: number[] = [];
	for (const r of replies) {
		if (r.envelope === 'req') total += DELIMITER.length;
		for (const f of r.frames) {
			const size = sizeOf(f);
			sizes.push(size);
			total += wire.headerBytes(size) + size;
		}
	}
	const out = Buffer.allocUnsafe(total);
	let at = 0;
	let i = 0;
	let run = 0;
	for (let k = 0; k < replies.length; k++) {
		const r = replies[k]!;
		if (r.envelope === 'req') at += DELIMITER.copy(out, at);
		const last = r.frames.length - 1;
		run += r.frames.length;
		const ends = endsMessage(replies, k, run, perMessage);
		if (ends) run = 0;
		for (let j = 0; j <= last; j++) {
			const f = r.frames[j]!;
			const size = sizes[i++]!;
			at = wire.writeHeader(out, at, j < last || !ends ? wire.MORE : 0, size);
			if (typeof f === 'string') out.write(f, at, 'utf8');
			else out.set(f, at);
			at += size;
		}
	}
	return out;
}

/** CURVE: one buffer of MESSAGE boxes, sealed in place. */
export function encodeSealed(replies: readonly Pending[], codec: CurveCodec, perMessage = 1): Buffer {
	let total = 0;
	const sizes: number[] = [];
	for (const r of replies) {
		if (r.envelope === 'req') total += CurveCodec.sealedBytes(0);
		for (const f of r.frames) {
			const size = sizeOf(f);
			sizes.push(size);
			total += CurveCodec.sealedBytes(size);
		}
	}
	const out = Buffer.allocUnsafe(total);
	let at = 0;
	let i = 0;
	let run = 0;
	for (let k = 0; k < replies.length; k++) {
		const r = replies[k]!;
		if (r.envelope === 'req') at = codec.seal(out, at, wire.MORE, EMPTY, 0);
		const last = r.frames.length - 1;
		run += r.frames.length;
		const ends = endsMessage(replies, k, run, perMessage);
		if (ends) run = 0;
		for (let j = 0; j <= last; j++) at = codec.seal(out, at, j < last || !ends ? wire.MORE : 0, r.frames[j]!, sizes[i++]!);
	}
	return out;
}
