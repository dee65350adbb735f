/**
 * A map that keeps what the last frame used for the next one only: the TUI's caches of rows,
 * styled strings and line pieces. Under a flood every row on screen is new at each frame; kept
 * for as long as their items (seconds), such entries reached the collector's old generation and
 * were collected there (docs/PERFORMANCE.md, issue 16).
 */
export class FrameMap<K, V> {
	private current = new Map<K, V>();
	private previous = new Map<K, V>();

	/** `bound`: entries in one frame past which a new frame starts early (a safety, not a size a screen reaches). */
	constructor(private readonly bound = Infinity) {}

	/** The value set in this frame or the last one (then kept for the next as well). */
	get(key: K): V | undefined {
		const hit = this.current.get(key);
		if (hit !== undefined) return hit;
		const old = this.previous.get(key);
		if (old !== undefined) this.set(key, old);
		return old;
	}

	set(key: K, value: V): void {
		if (this.current.size >= this.bound) this.nextFrame();
		this.current.set(key, value);
	}

	/** A new frame: what the last one used is kept for this one, what it did not is dropped. */
	nextFrame(): void {
		this.previous = this.current;
		this.current = new Map();
	}

	get size(): number {
		return this.current.size + this.previous.size;
	}
}
