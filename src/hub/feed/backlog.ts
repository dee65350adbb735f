/**
 * What one subscriber has been written and the network has not taken yet, in bytes and in feed
 * messages, and whether the network is taking any of it: the budget a stalled subscriber spends.
 */

export class Backlog {
	/** Bytes handed to the socket since it opened; minus its unsent bytes, what the network took. */
	private written = 0;
	/** Feed writes not yet taken: where each ends (in `written`) and how many messages it carried. */
	private writes: Array<{end: number; messages: number}> = [];
	private head = 0;
	/** Messages in writes[head…]. */
	private messages = 0;
	/** When the network last took some of what was queued (or nothing was queued). */
	private progressAt: number;
	private takenAtTick = 0;

	constructor(now: number) {
		this.progressAt = now;
	}

	/** Any bytes handed to the socket (feed, commands, heartbeats). */
	wrote(bytes: number): void {
		this.written += bytes;
	}

	/** The bytes just written carried `messages` feed messages. */
	carried(messages: number): void {
		this.writes.push({end: this.written, messages});
		this.messages += messages;
	}

	/**
	 * Feed messages not taken yet, with `unsent` bytes still in the socket (a write partly taken
	 * counts whole).
	 */
	queuedMessages(unsent: number): number {
		const taken = this.written - unsent;
		while (this.head < this.writes.length && this.writes[this.head]!.end <= taken) this.messages -= this.writes[this.head++]!.messages;
		if (this.head > 64 && this.head * 2 > this.writes.length) {
			this.writes = this.writes.slice(this.head);
			this.head = 0;
		}
		return this.messages;
	}

	/** How long the network has taken nothing of what is queued (0 when nothing is). */
	stalledFor(unsent: number, now: number): number {
		const taken = this.written - unsent;
		if (unsent === 0 || taken > this.takenAtTick) this.progressAt = now;
		this.takenAtTick = taken;
		return now - this.progressAt;
	}
}
