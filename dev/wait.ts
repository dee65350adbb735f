/**
 * Waiting for things in tests, the bench and the demo: poll a condition until it holds or a
 * deadline passes. No fixed sleeps: a test waits exactly as long as the event takes, and fails
 * with a message saying what it was waiting for when the deadline comes first.
 */
export async function waitFor<T>(
	what: string | (() => string),
	probe: () => T | undefined | false | null | Promise<T | undefined | false | null>,
	timeoutMs = 10_000,
	everyMs = 10,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined && value !== false && value !== null) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
		await new Promise(resolve => setTimeout(resolve, everyMs));
	}
}

/** Resolve when an event emitter emits `event` (with a deadline). */
export function once<T = unknown>(emitter: NodeJS.EventEmitter, event: string, timeoutMs = 5000): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			emitter.off(event, handler);
			reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
		}, timeoutMs);
		const handler = (value: T) => {
			clearTimeout(timer);
			resolve(value);
		};
		emitter.once(event, handler);
	});
}
