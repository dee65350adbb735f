/** A set of small whole numbers, a bit each: which line counters a bench process has seen. */

/** A growable set of small whole numbers (line counters), a bit each. */
export class BitSet {
	private words = new Uint32Array(64);

	has(n: number): boolean {
		return ((this.words[n >>> 5] ?? 0) & (1 << (n & 31))) !== 0;
	}

	/** Add n; false when it was there already. */
	add(n: number): boolean {
		const w = n >>> 5;
		if (w >= this.words.length) {
			const grown = new Uint32Array(Math.max(w + 1, this.words.length * 2));
			grown.set(this.words);
			this.words = grown;
		}
		const mask = 1 << (n & 31);
		if ((this.words[w]! & mask) !== 0) return false;
		this.words[w]! |= mask;
		return true;
	}
}
