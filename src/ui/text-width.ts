/**
 * How many terminal columns text takes. The TUI wraps lines itself (so it knows exactly how
 * many rows each feed item needs) and hands Ink rows that already fit; for that its idea of
 * width has to agree with the terminal's and with Ink's (which truncates what it thinks is too
 * wide). The rules follow Ink's `string-width`: grapheme clusters, East Asian Wide and
 * Fullwidth characters take two columns, emoji take two, combining marks and other
 * invisible characters none.
 */

/** A function giving the width of a string in columns. */
export type WidthFn = (text: string) => number;

// Unicode East Asian Width W and F, merged into ranges (from EastAsianWidth.txt, Unicode 16,
// as shipped in get-east-asian-width, which Ink's string-width uses). Pairs: [first, last].
// prettier-ignore
const WIDE: readonly number[] = [
	0x1100, 0x115f, 0x231a, 0x231b, 0x2329, 0x232a, 0x23e9, 0x23ec, 0x23f0, 0x23f0, 0x23f3, 0x23f3, 0x25fd, 0x25fe,
	0x2614, 0x2615, 0x2630, 0x2637, 0x2648, 0x2653, 0x267f, 0x267f, 0x268a, 0x268f, 0x2693, 0x2693, 0x26a1, 0x26a1,
	0x26aa, 0x26ab, 0x26bd, 0x26be, 0x26c4, 0x26c5, 0x26ce, 0x26ce, 0x26d4, 0x26d4, 0x26ea, 0x26ea, 0x26f2, 0x26f3,
	0x26f5, 0x26f5, 0x26fa, 0x26fa, 0x26fd, 0x26fd, 0x2705, 0x2705, 0x270a, 0x270b, 0x2728, 0x2728, 0x274c, 0x274c,
	0x274e, 0x274e, 0x2753, 0x2755, 0x2757, 0x2757, 0x2795, 0x2797, 0x27b0, 0x27b0, 0x27bf, 0x27bf, 0x2b1b, 0x2b1c,
	0x2b50, 0x2b50, 0x2b55, 0x2b55, 0x2e80, 0x2e99, 0x2e9b, 0x2ef3, 0x2f00, 0x2fd5, 0x2ff0, 0x303e, 0x3041, 0x3096,
	0x3099, 0x30ff, 0x3105, 0x312f, 0x3131, 0x318e, 0x3190, 0x31e5, 0x31ef, 0x321e, 0x3220, 0x3247, 0x3250, 0xa48c,
	0xa490, 0xa4c6, 0xa960, 0xa97c, 0xac00, 0xd7a3, 0xf900, 0xfaff, 0xfe10, 0xfe19, 0xfe30, 0xfe52, 0xfe54, 0xfe66,
	0xfe68, 0xfe6b, 0xff01, 0xff60, 0xffe0, 0xffe6, 0x16fe0, 0x16fe4, 0x16ff0, 0x16ff6, 0x17000, 0x18cda,
	0x18cff, 0x18d20, 0x18d80, 0x18df2, 0x18e00, 0x19191, 0x191a0, 0x191d2, 0x1aff0, 0x1aff3, 0x1aff5, 0x1affb,
	0x1affd, 0x1affe, 0x1b000, 0x1b128, 0x1b132, 0x1b132, 0x1b150, 0x1b152, 0x1b155, 0x1b155, 0x1b164, 0x1b168,
	0x1b170, 0x1b2fb, 0x1d300, 0x1d356, 0x1d360, 0x1d376, 0x1f004, 0x1f004, 0x1f0cf, 0x1f0cf, 0x1f18e, 0x1f18e,
	0x1f191, 0x1f19a, 0x1f1ae, 0x1f1ae, 0x1f200, 0x1f202, 0x1f210, 0x1f23b, 0x1f240, 0x1f248, 0x1f250, 0x1f251,
	0x1f260, 0x1f265, 0x1f300, 0x1f320, 0x1f32d, 0x1f335, 0x1f337, 0x1f37c, 0x1f37e, 0x1f393, 0x1f3a0, 0x1f3ca,
	0x1f3cf, 0x1f3d3, 0x1f3e0, 0x1f3f0, 0x1f3f4, 0x1f3f4, 0x1f3f8, 0x1f43e, 0x1f440, 0x1f440, 0x1f442, 0x1f4fc,
	0x1f4ff, 0x1f53d, 0x1f54b, 0x1f54e, 0x1f550, 0x1f567, 0x1f57a, 0x1f57a, 0x1f595, 0x1f596, 0x1f5a4, 0x1f5a4,
	0x1f5fb, 0x1f64f, 0x1f680, 0x1f6c5, 0x1f6cc, 0x1f6cc, 0x1f6d0, 0x1f6d2, 0x1f6d5, 0x1f6d9, 0x1f6dc, 0x1f6df,
	0x1f6eb, 0x1f6ec, 0x1f6f4, 0x1f6fc, 0x1f7da, 0x1f7da, 0x1f7e0, 0x1f7eb, 0x1f7f0, 0x1f7f0, 0x1f90c, 0x1f93a,
	0x1f93c, 0x1f945, 0x1f947, 0x1f9ff, 0x1fa70, 0x1fa7c, 0x1fa80, 0x1fac6, 0x1fac8, 0x1fac8, 0x1facc, 0x1fadd,
	0x1fadf, 0x1faeb, 0x1faef, 0x1fafa, 0x20000, 0x2fffd, 0x30000, 0x3fffd,
];

/** Whether a code point is East Asian Wide or Fullwidth (two columns). */
export function isWideCodePoint(cp: number): boolean {
	if (cp < 0x1100) return false;
	let lo = 0;
	let hi = WIDE.length / 2 - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		if (cp < WIDE[mid * 2]!) hi = mid - 1;
		else if (cp > WIDE[mid * 2 + 1]!) lo = mid + 1;
		else return true;
	}
	return false;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
// Built with `new RegExp` because TypeScript only accepts the `v` flag in literals when
// targeting ES2024; Node 20 supports it.
const VISIBLE = new RegExp('[^\\p{Default_Ignorable_Code_Point}\\p{Control}\\p{Format}\\p{Nonspacing_Mark}\\p{Enclosing_Mark}\\p{Surrogate}]', 'v');
// `^\p{RGI_Emoji}$` (thousands of sequences) takes V8 30–40 ms to build and as long again to
// compile the first time it runs: made when first needed, not before the first frame. Every
// RGI emoji sequence holds a non-ASCII code point with the Emoji property, or is a keycap
// (U+20E3) (Unicode TS #51), so a cluster with neither (the status bar's "●", the rules' "─",
// a digit) is not tested against it.
let rgiEmoji: RegExp | undefined;
const EMOJI_CODE_POINT = new RegExp('[\\p{Emoji}--[\\0-\\x7f]]|\\u20e3', 'v');
const isRgiEmoji = (cluster: string) => EMOJI_CODE_POINT.test(cluster) && (rgiEmoji ??= new RegExp('^\\p{RGI_Emoji}$', 'v')).test(cluster);
const PICTOGRAPHIC = /\p{Extended_Pictographic}/gu;
const KEYCAP = /^[\d#*]\u20e3$/;

/** Whether a string is printable ASCII only (every character one cluster, one column). */
export function isPrintableAscii(text: string): boolean {
	return PRINTABLE_ASCII.test(text);
}

const segmenter = new Intl.Segmenter();

/** The grapheme clusters of a string (what a user sees as one character each). */
export function graphemes(text: string): string[] {
	if (PRINTABLE_ASCII.test(text)) return text.split('');
	const out: string[] = [];
	for (const {segment} of segmenter.segment(text)) out.push(segment);
	return out;
}

/** The width of one grapheme cluster: 0, 1 or 2 columns. */
export function clusterWidth(cluster: string): number {
	const first = cluster.charCodeAt(0);
	if (cluster.length === 1 && first >= 0x20 && first < 0x7f) return 1;
	const start = cluster.search(VISIBLE);
	if (start === -1) return 0;
	if (isRgiEmoji(cluster) || KEYCAP.test(cluster)) return 2;
	if (cluster.length <= 50 && cluster.includes('\u200d') && (cluster.match(PICTOGRAPHIC)?.length ?? 0) >= 2) return 2;
	return isWideCodePoint(cluster.codePointAt(start)!) ? 2 : 1;
}

/**
 * Widths of texts that are not plain ASCII, remembered: the status bar's "● connected │ …"
 * and the rules' "──" are measured again at every frame, and splitting them into grapheme
 * clusters is slow. Emptied when full; texts longer than a row are not kept.
 */
const wideWidths = new Map<string, number>();
export const WIDTH_CACHE_ENTRIES = 2000;
const WIDTH_CACHE_TEXT_MAX = 400;

/** The width of a string in terminal columns. */
export function textWidth(text: string): number {
	if (PRINTABLE_ASCII.test(text)) return text.length;
	let width = wideWidths.get(text);
	if (width !== undefined) return width;
	width = 0;
	for (const {segment} of segmenter.segment(text)) width += clusterWidth(segment);
	if (text.length <= WIDTH_CACHE_TEXT_MAX) {
		if (wideWidths.size >= WIDTH_CACHE_ENTRIES) wideWidths.clear();
		wideWidths.set(text, width);
	}
	return width;
}

/** The longest start of `text` that fits in `width` columns, and its width. */
export function fitStart(text: string, width: number): {text: string; width: number} {
	if (PRINTABLE_ASCII.test(text)) {
		const cut = text.slice(0, Math.max(0, width));
		return {text: cut, width: cut.length};
	}
	let used = 0;
	let end = 0;
	for (const {segment, index} of segmenter.segment(text)) {
		const w = clusterWidth(segment);
		if (used + w > width) break;
		used += w;
		end = index + segment.length;
	}
	return {text: text.slice(0, end), width: used};
}
