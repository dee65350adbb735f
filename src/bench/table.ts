/** Plain-text tables for the bench's printed reports. */

/** Columns padded to their widest cell; the first `left` columns left-aligned, the rest right-aligned. */
export function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>, left = 1): string[] {
	const all = [head, ...rows];
	const widths = head.map((_, i) => Math.max(...all.map(r => [...(r[i] ?? '')].length)));
	const line = (r: readonly string[]) =>
		'  ' +
		r
			.map((cell, i) => {
				const pad = ' '.repeat(widths[i]! - [...cell].length);
				return i < left ? cell + pad : pad + cell;
			})
			.join('   ')
			.trimEnd();
	return all.map(line);
}
