/**
 * At most one call per interval, never synchronously: the first call of a burst runs on the
 * next turn of the event loop (so it is batched with whatever else that turn does), later
 * ones wait for the interval to pass. The client may change its state a thousand times a
 * second; the screen needs it about thirty times.
 */
export interface Throttled {
	(): void;
	cancel(): void;
}

export function throttle(fn: () => void, intervalMs: number, clock: () => number = Date.now): Throttled {
	let timer: NodeJS.Timeout | undefined;
	let last = -Infinity;
	const run = () => {
		timer = undefined;
		last = clock();
		fn();
	};
	const call = (() => {
		if (timer !== undefined) return;
		timer = setTimeout(run, Math.max(0, last + intervalMs - clock()));
	}) as Throttled;
	call.cancel = () => {
		if (timer !== undefined) clearTimeout(timer);
		timer = undefined;
	};
	return call;
}
