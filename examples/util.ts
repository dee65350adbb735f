/**
 * Two small helpers the examples share. Not an example itself: `npm run example` does not
 * list it.
 */

/** Resolve once `condition()` holds, checking every few milliseconds; fail after `timeoutMs`. */
export async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
		await delay(2);
	}
}

/** Wait this long. The examples use it only to play a slow peer, never to wait for an event. */
export function delay(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

/** The error code zeromq.js puts on its errors ("EFSM", "EAGAIN", …). */
export function errorCode(err: unknown): string {
	const code = (err as {code?: unknown} | undefined)?.code;
	return typeof code === 'string' ? code : String(err);
}
