/**
 * How the hub's V8 heap is sized: a young generation that does not grow, and the collector
 * told to favour memory over speed. Unless node was started with its own choice of either.
 */
import {setFlagsFromString} from 'node:v8';

/**
 * V8's young generation grows (to 2 × 16 MiB on 64-bit) whenever a burst of work keeps
 * objects alive across collections, and stays grown while the hub is at rest: 1000 welcomes
 * in a burst grew it by ~24 MiB, which `issue 12`'s memory test counted as 24 KiB a session.
 * A growth factor of 1 keeps it at the size it has when the hub starts (1 MiB semi-spaces).
 * --optimize-for-size makes V8 collect the old generation sooner and give back what it
 * frees, rather than let objects promoted early pile up until the heap has doubled.
 * Both read by V8 at each collection, so setting them here (after start) works; the
 * young generation's maximum (--max-semi-space-size) does not: it is fixed when node starts.
 * Their cost in throughput is in docs/PERFORMANCE.md.
 */
export const HUB_V8_FLAGS: readonly string[] = ['--semi-space-growth-factor=1', '--optimize-for-size'];

/** The flag's name as node would take it on its command line or in NODE_OPTIONS, with - or _ and an optional no-. */
function named(flag: string): RegExp {
	const name = flag.replace(/^--(no-)?/, '').replace(/=.*$/, '').replace(/[-_]/g, '[-_]');
	return new RegExp(`(^|\\s)--(no[-_])?${name}(=|\\s|$)`);
}

/** Set the hub's heap flags, except those node was given (its command line or NODE_OPTIONS); returns those set. */
export function tuneHubHeap(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): string[] {
	const given = [...execArgv, nodeOptions].join(' ');
	const set: string[] = [];
	for (const flag of HUB_V8_FLAGS) {
		if (named(flag).test(given)) continue;
		setFlagsFromString(flag);
		set.push(flag);
	}
	return set;
}
