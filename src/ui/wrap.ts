import {clusterWidth, graphemes, isPrintableAscii} from './text-width.js';

/**
 * Word wrapping to an exact number of rows. The feed gives Ink rows that already fit its
 * width (rendered with `wrap="truncate"`), so the number of rows an item takes is known
 * before Ink lays anything out: that is what lets the viewport render only what fits.
 */

/**
 * Break one line of text (no "\n") into rows: the first at most `first` columns wide, the
 * others at most `rest`. Breaks at a space when the row has one (the space is dropped),
 * inside a word only when the word is longer than a row. A wide character never straddles
 * two rows. An empty line is one empty row.
 */
export function wrapLine(text: string, first: number, rest: number = first): string[] {
	return isPrintableAscii(text) ? wrapAscii(text, first, rest) : wrapClusters(text, first, rest);
}

/**
 * `wrapLine` for printable ASCII, where every character is one cluster one column wide: the
 * same rows, cut from the string by index (most lines of a chat are such, and fit a row).
 */
function wrapAscii(text: string, first: number, rest: number): string[] {
	const n = text.length;
	let limit = Math.max(1, first);
	if (n <= limit) return [text];
	const rows: string[] = [];
	let start = 0; // first character of the row being filled
	let space = -1; // the last space in it after some non-space text: where it can break
	let i = 0;
	while (i < n) {
		const space32 = text.charCodeAt(i) === 32;
		if (i - start + 1 > limit && i > start) {
			if (space32) {
				rows.push(text.slice(start, i));
				start = i + 1;
				i++;
			} else if (space > start) {
				rows.push(text.slice(start, space));
				start = space + 1;
			} else {
				rows.push(text.slice(start, i));
				start = i;
			}
			space = -1;
			limit = Math.max(1, rest);
			continue;
		}
		if (space32 && i > start && text.charCodeAt(i - 1) !== 32) space = i;
		i++;
	}
	if (start < n || rows.length === 0) rows.push(text.slice(start));
	return rows;
}

/** `wrapLine` by grapheme clusters and their widths (any text; exported for tests). */
export function wrapClusters(text: string, first: number, rest: number = first): string[] {
	const clusters = graphemes(text);
	const n = clusters.length;
	if (n === 0) return [''];
	const rows: string[] = [];
	let limit = Math.max(1, first);
	let start = 0; // first cluster of the row being filled
	let used = 0; // its width so far
	let space = -1; // the last space in it after some non-space text: where it can break
	let i = 0;
	while (i < n) {
		const c = clusters[i]!;
		const w = clusterWidth(c);
		if (used + w > limit && i > start) {
			if (c === ' ') {
				rows.push(clusters.slice(start, i).join(''));
				start = i + 1;
				used = 0;
				i++;
			} else if (space > start) {
				rows.push(clusters.slice(start, space).join(''));
				start = space + 1;
				used = 0;
				for (let j = start; j < i; j++) used += clusterWidth(clusters[j]!);
			} else {
				rows.push(clusters.slice(start, i).join(''));
				start = i;
				used = 0;
			}
			space = -1;
			limit = Math.max(1, rest);
			continue;
		}
		if (c === ' ' && i > start && clusters[i - 1] !== ' ') space = i;
		used += w;
		i++;
	}
	if (start < n || rows.length === 0) rows.push(clusters.slice(start).join(''));
	return rows;
}

/** Wrap text that may hold "\n": each line wrapped on its own, continuation rows `rest` wide. */
export function wrapText(text: string, first: number, rest: number = first): string[] {
	const lines = text.split('\n');
	const rows: string[] = [];
	for (let i = 0; i < lines.length; i++) rows.push(...wrapLine(lines[i]!, i === 0 ? first : rest, rest));
	return rows;
}

/** Continuation rows of a line on a terminal start this far in. */
const CONTINUATION_INDENT = 4;

/**
 * One line of output for a terminal `columns` wide, broken into rows by us rather than by the
 * terminal: every row after the first is indented, so no text a peer sent (padded with
 * spaces to the edge, say) can start a row of its own and pass for another line. Unchanged
 * when it fits, or when the width is unknown (not a terminal).
 */
export function terminalRows(line: string, columns: number | undefined): string {
	if (columns === undefined || columns < 2 * CONTINUATION_INDENT || textFits(line, columns)) return line;
	const pad = ' '.repeat(CONTINUATION_INDENT);
	return wrapText(line, columns, columns - CONTINUATION_INDENT)
		.map((row, i) => (i === 0 ? row : pad + row))
		.join('\n');
}

function textFits(line: string, columns: number): boolean {
	if (line.includes('\n')) return false;
	let width = 0;
	for (const c of graphemes(line)) if ((width += clusterWidth(c)) > columns) return false;
	return true;
}

