/**
 * Type helpers every layer uses: the exhaustive check that ends every switch over a union,
 * and an Omit that keeps a union a union.
 */

/**
 * Ends a switch over a union: a member not handled above it fails to compile. At run time
 * (a value from a peer the types did not foresee) it throws, naming what it got.
 */
export function assertNever(value: never, what = 'value'): never {
	throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}

/** `Omit` applied to each member of a union, so the result is still a discriminated union. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
