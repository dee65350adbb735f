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

/** `intervalMs` may be a function: asked each time a call has to wait. */
export function throttle(fn: () => void, intervalMs: number | (() => number), clock: () => number = Date.now): Throttled {
	const interval = typeof intervalMs === 'number' ? () => intervalMs : intervalMs;
	let timer: NodeJS.Timeout | undefined;
	let last = -Infinity;
	const run = () => {
		timer = undefined;
		last = clock();
		fn();
	};
	const call = (() => {
		if (timer !== undefined) return;
		timer = setTimeout(run, Math.max(0, last + interval() - clock()));
	}) as Throttled;
	call.cancel = () => {
		if (timer !== undefined) clearTimeout(timer);
		timer = undefined;
	};
	return call;
}
