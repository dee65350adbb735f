/** Small statistics for the bench: percentiles of samples and medians of rounds. */

/** Percentiles (0–100) of samples, nearest-rank, sorting a copy once; NaN when there are none. */
export function percentiles(samples: ArrayLike<number>, ps: readonly number[]): number[] {
	const n = samples.length;
	if (n === 0) return ps.map(() => NaN);
	const sorted = Float64Array.from(samples).sort();
	// The epsilon keeps 99.9 % of 1000 at rank 999 despite floating point (999.0000000000001).
	return ps.map(p => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n - 1e-9) - 1))]!);
}

/** The median of the finite values (the rounds of one measurement); NaN when there are none. */
export function median(values: readonly number[]): number {
	const v = values.filter(Number.isFinite).sort((a, b) => a - b);
	if (v.length === 0) return NaN;
	const mid = v.length >> 1;
	return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** a / b, or NaN when either is missing or b is zero. */
export function ratio(a: number, b: number): number {
	return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}
