/**
 * How often the screen follows the client while a room is a blur: under a flood of changes
 * nobody reads the lines scrolling past, so frames come at most every FLOOD_FRAME_MS.
 */

/** The interval between frames under a flood (15 a second). */
export const FLOOD_FRAME_MS = 66;
/** Changes a second above which the feed counts as a flood (a busy room by hand gives a few). */
export const FLOOD_CHANGES_PER_SECOND = 60;
const WINDOW_MS = 500;

/** Counts the client's changes in a sliding half second and says which frame interval fits. */
export class FrameRate {
	private windowStart = -Infinity;
	private inWindow = 0;
	private flooding = false;

	constructor(private readonly frameMs: number) {}

	/** A change of the client's state, at `now` ms. */
	note(now: number): void {
		if (now - this.windowStart >= WINDOW_MS) {
			this.flooding = this.inWindow * (1000 / WINDOW_MS) > FLOOD_CHANGES_PER_SECOND && now - this.windowStart < 2 * WINDOW_MS;
			this.windowStart = now;
			this.inWindow = 0;
		}
		this.inWindow++;
	}

	/** The interval to wait between frames now. */
	interval(): number {
		return this.flooding ? Math.max(this.frameMs, FLOOD_FRAME_MS) : this.frameMs;
	}
}
