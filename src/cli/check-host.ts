/**
 * The hub's host name checked once at start: a name that does not exist is said at once
 * (exit 2), rather than connected to for ever in silence.
 */
import {lookup} from 'node:dns/promises';
import {isIP} from 'node:net';
import {ZchatError} from '../errors.js';
import {oneLine} from '../protocol/sanitize.js';

/** How long the look-up may take before zchat goes on without its answer. */
const LOOKUP_WAIT_MS = 2000;

/**
 * Throws ZchatError (exit 2) when `host` is a name the resolver says does not exist. Any other
 * outcome (an address, a name that resolves, no network yet, a slow resolver) goes on:
 * connecting keeps trying, and the client says when no hub answers.
 */
export async function checkHost(host: string): Promise<void> {
	if (isIP(host) !== 0) return;
	let timer: NodeJS.Timeout | undefined;
	const answer = lookup(host).then(
		() => undefined,
		(err: NodeJS.ErrnoException) => err.code,
	);
	const late = new Promise<undefined>(resolve => {
		timer = setTimeout(() => resolve(undefined), LOOKUP_WAIT_MS);
		timer.unref();
	});
	const code = await Promise.race([answer, late]);
	clearTimeout(timer);
	if (code === 'ENOTFOUND') throw new ZchatError(`--host ${oneLine(host)}: no such host (the name does not resolve): check its spelling, or give the hub's address`, 2);
}
