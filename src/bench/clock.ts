/**
 * The bench's clock: microseconds of CLOCK_MONOTONIC (process.hrtime), which every process
 * on the machine shares. A sender stamps a message with it and a subscriber in another
 * process subtracts it from its own reading: that is the end-to-end latency.
 */
export function nowUs(): number {
	const [s, ns] = process.hrtime();
	return s * 1e6 + Math.floor(ns / 1000);
}

/** Wait this long (the bench paces itself by the clock; tests never do). */
export function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}
