/**
 * ZMTP frames from a byte stream, checked as they arrive: a frame header over its budget is
 * refused before one byte of its body is read or buffered, and a body is handed on as a view
 * of the chunk it came in (copied only when it spans chunks).
 */
import {COMMAND, LONG, MORE} from './wire.js';

export interface FrameSink {
	/** Most bytes a frame with these flags may have right now; -1 refuses the kind outright. */
	limit(flags: number): number;
	/** A whole frame. Return false to stop reading: the connection closed, or must wait. */
	frame(flags: number, body: Buffer): boolean;
}

/** Reading stopped on a frame the peer should not have sent: what kind of fault, and the detail. */
export class FrameError extends Error {
	constructor(
		message: string,
		readonly kind: 'protocol' | 'too-many-frames' | 'frame-too-big' = 'protocol',
	) {
		super(message);
	}
}

const EMPTY = Buffer.alloc(0);

export class FrameReader {
	/** The header being read: flags byte and up to 8 size bytes. */
	private readonly header = Buffer.alloc(9);
	private headerHave = 0;
	/** A body that spans chunks, and how much of it is in. */
	private body: Buffer | undefined;
	private bodyHave = 0;
	private flags = 0;

	constructor(private readonly sink: FrameSink) {}

	/** Whether a frame is half read (its header or body cut by the end of a chunk). */
	get midFrame(): boolean {
		return this.headerHave > 0 || this.body !== undefined;
	}

	/**
	 * Read frames from `chunk` starting at `from`. Returns where it stopped: the chunk's length
	 * when all of it was used, less when the sink asked to stop. Throws FrameError on a frame
	 * that breaks the protocol or its budget.
	 */
	read(chunk: Buffer, from = 0): number {
		let at = from;
		const end = chunk.length;
		while (at < end) {
			if (this.body !== undefined) {
				const take = Math.min(end - at, this.body.length - this.bodyHave);
				chunk.copy(this.body, this.bodyHave, at, at + take);
				this.bodyHave += take;
				at += take;
				if (this.bodyHave < this.body.length) return at;
				const body = this.body;
				this.body = undefined;
				if (!this.sink.frame(this.flags, body)) return at;
				continue;
			}
			// Fast path: a whole short header in the chunk.
			if (this.headerHave === 0 && end - at >= 2 && (chunk[at]! & LONG) === 0) {
				const flags = this.checkFlags(chunk[at]!);
				const size = chunk[at + 1]!;
				this.checkSize(flags, size);
				at += 2;
				if (end - at >= size) {
					const body = size === 0 ? EMPTY : chunk.subarray(at, at + size);
					at += size;
					if (!this.sink.frame(flags, body)) return at;
				} else {
					this.startBody(flags, size);
				}
				continue;
			}
			// Slow path: the header byte by byte.
			this.header[this.headerHave++] = chunk[at++]!;
			if (this.headerHave === 1) this.checkFlags(this.header[0]!);
			const need = (this.header[0]! & LONG) !== 0 ? 9 : 2;
			if (this.headerHave < need) continue;
			const flags = this.header[0]!;
			let size: number;
			if (need === 9) {
				// A size over 2^32 is over any budget: refuse it without building the number.
				if (this.header.readUInt32BE(1) !== 0) throw new FrameError('frame over the size limit', 'frame-too-big');
				size = this.header.readUInt32BE(5);
			} else {
				size = this.header[1]!;
			}
			this.headerHave = 0;
			this.checkSize(flags, size);
			if (size === 0) {
				if (!this.sink.frame(flags, EMPTY)) return at;
			} else if (end - at >= size) {
				const body = chunk.subarray(at, at + size);
				at += size;
				if (!this.sink.frame(flags, body)) return at;
			} else {
				this.startBody(flags, size);
			}
		}
		return at;
	}

	private startBody(flags: number, size: number): void {
		this.flags = flags;
		this.body = Buffer.allocUnsafe(size);
		this.bodyHave = 0;
	}

	private checkFlags(flags: number): number {
		if ((flags & 0xf8) !== 0) throw new FrameError('reserved frame flags set');
		if ((flags & COMMAND) !== 0 && (flags & MORE) !== 0) throw new FrameError('a command frame flagged "more"');
		return flags;
	}

	private checkSize(flags: number, size: number): void {
		const limit = this.sink.limit(flags);
		if (size <= limit) return;
		if (limit < 0) throw new FrameError(`unexpected ${(flags & COMMAND) !== 0 ? 'command' : 'message frame'}`);
		throw new FrameError(`frame of ${size} bytes over the ${limit}-byte limit`, 'frame-too-big');
	}
}
