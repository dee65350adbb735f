/**
 * How the hub's V8 heap is sized: a small young generation at rest, V8's own under load
 * (switched by the rate of stored messages). Unless node was started with its own choice.
 */
import {getHeapSpaceStatistics, setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

/**
 * Each flag the hub sets: its value at rest and under load. Both are read by V8 as it
 * collects, so switching them in a running process works (measured on Node 20, V8 11.3); the
 * young generation's bounds (--max-semi-space-size, --min-semi-space-size) are not: they are
 * fixed when node starts.
 *
 * At rest: --optimize-for-size keeps the young generation at its starting 2 × 1 MiB (whatever
 * the growth factor) and collects the old generation sooner; a growth factor of 1 keeps it
 * there when node was given --no-optimize-for-size. A burst of 1000 welcomes would otherwise
 * grow it to 2 × 16 MiB and leave it so: issue 12's memory per session.
 * Under load: --no-optimize-for-size, which cost ~10 µs of hub CPU a message at saturation
 * (more scavenges, more promoted, GC helper threads), and a growth factor of 16: the young
 * generation goes to V8's 2 × 16 MiB at once rather than doubling. docs/PERFORMANCE.md.
 */
export const HUB_HEAP_FLAGS: readonly {readonly rest: string; readonly busy: string}[] = [
	{rest: '--semi-space-growth-factor=1', busy: '--semi-space-growth-factor=16'},
	{rest: '--optimize-for-size', busy: '--no-optimize-for-size'},
];

/** The flags set at start (their values at rest). */
export const HUB_V8_FLAGS: readonly string[] = HUB_HEAP_FLAGS.map(f => f.rest);

/** The flag's name as node would take it on its command line or in NODE_OPTIONS, with - or _ and an optional no-. */
function named(flag: string): RegExp {
	const name = flag.replace(/^--(no-)?/, '').replace(/=.*$/, '').replace(/[-_]/g, '[-_]');
	return new RegExp(`(^|\\s)--(no[-_])?${name}(=|\\s|$)`);
}

/** Set the hub's heap flags (at rest), except those node was given (its command line or NODE_OPTIONS); returns those set. */
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

/** Stored messages a second from which the hub counts as busy. */
export const BUSY_MESSAGES_PER_SECOND = 2000;
/** How long the rate must stay under it before the hub is back at rest. */
export const QUIET_MS = 2000;
/** How often the rate is read. */
const EVERY_MS = 250;

export interface HeapLoadOptions {
	/** The rest flags tuneHubHeap set: only those are switched. */
	readonly owned: readonly string[];
	/** The hub's stored messages so far (a counter that only grows). */
	readonly messages: () => number;
	readonly log?: (line: string) => void;
	/** @default BUSY_MESSAGES_PER_SECOND */
	readonly busyRate?: number;
	/** @default QUIET_MS */
	readonly quietMs?: number;
}

/**
 * A full collection now (10–30 ms measured). V8 keeps the mode of its last full collection
 * until the next one: after one made under --optimize-for-size every scavenge "reduces memory"
 * and the young generation cannot grow; once grown, it is given back at a full collection only.
 * So one when the flags change makes them count at once. `gc` comes from --expose-gc, set the
 * first time (it puts `gc` in new vm contexts only; the hub makes none other).
 */
let gc: (() => void) | undefined;
export function collectNow(): void {
	if (!gc) {
		setFlagsFromString('--expose-gc');
		gc = runInNewContext('gc') as typeof gc;
	}
	// No options: on V8 11.3 gc({type: 'major'}) makes a scavenge; gc() a full collection.
	gc?.();
}

/** The young generation's size now, MiB (both semi-spaces). */
export function youngGenerationMiB(): number {
	const s = getHeapSpaceStatistics().find(x => x.space_name === 'new_space');
	return s ? s.space_size / 1048576 : 0;
}

/**
 * Switch the owned flags to their busy values (and collect once) as soon as stored messages
 * come at busyRate or more, and back to their rest values (and collect once) when the rate has
 * stayed under it for quietMs. That collection gives the grown young generation back at once
 * when little was allocated since the one before; otherwise V8's memory reducer does, ~8 s
 * later (docs/PERFORMANCE.md). Says each switch on `log`. Returns the function that stops it.
 */
export function followHubLoad(o: HeapLoadOptions): () => void {
	const flags = HUB_HEAP_FLAGS.filter(f => o.owned.includes(f.rest));
	if (flags.length === 0) return () => {};
	const busyRate = o.busyRate ?? BUSY_MESSAGES_PER_SECOND;
	const quietMs = o.quietMs ?? QUIET_MS;
	const log = o.log ?? (() => {});
	let busy = false;
	let last = o.messages();
	let quietSince = 0;
	/** Since when the young generation, grown, waits to be given back (0: it does not). */
	let givingBackSince = 0;
	const timer = setInterval(() => {
		const now = Date.now();
		const count = o.messages();
		const rate = ((count - last) * 1000) / EVERY_MS;
		last = count;
		if (rate >= busyRate) {
			quietSince = 0;
			if (busy) return;
			busy = true;
			givingBackSince = 0;
			for (const f of flags) setFlagsFromString(f.busy);
			collectNow();
			log(`heap: busy (${Math.round(rate)} messages/s): the young generation may grow`);
		} else if (busy) {
			if (quietSince === 0) quietSince = now;
			if (now - quietSince < quietMs) return;
			busy = false;
			const grown = youngGenerationMiB();
			for (const f of flags) setFlagsFromString(f.rest);
			collectNow();
			const left = youngGenerationMiB();
			if (left > AT_REST_MIB) givingBackSince = now;
			log(`heap: at rest: young generation ${mib(grown)} MiB, now ${mib(left)} MiB`);
		} else if (givingBackSince > 0 && youngGenerationMiB() <= AT_REST_MIB) {
			log(`heap: young generation given back, ${mib(youngGenerationMiB())} MiB (${((now - givingBackSince) / 1000).toFixed(1)} s after the hub was at rest)`);
			givingBackSince = 0;
		}
	}, EVERY_MS);
	timer.unref();
	return () => clearInterval(timer);
}

/** The young generation's size at rest, at most (2 × 1 MiB). */
const AT_REST_MIB = 2;

function mib(n: number): string {
	return n.toFixed(0);
}
