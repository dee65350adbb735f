/**
 * Terminal safety. Text from other people is shown in terminals, and a terminal obeys what
 * it is sent: ESC sequences recolour, move the cursor, set the window title, write the
 * clipboard (OSC 52) or make links (OSC 8); bidi overrides reorder what you read; zero-width
 * characters hide differences. Every piece of peer text is passed through `sanitize` before
 * it is shown, and what could act on the terminal is shown as visible escapes instead.
 *
 * Nothing is dropped: an escape is always visible, so hidden content becomes visible content.
 */

/**
 * How one code point is shown, or undefined when it is safe to show as it is.
 * - C0 controls and DEL: caret notation (`^[` for ESC, `^G` for BEL, `^M` for CR, `^?` for DEL);
 * - C1 controls, bidi controls, zero-width and other invisible or blank format characters: `<U+XXXX>`.
 *
 * Context-dependent cases (a zero-width joiner inside an emoji, variation selectors, runs of
 * combining marks) are decided by `sanitize`.
 */
export function escapeCodePoint(cp: number): string | undefined {
	if (cp < 0x20) return '^' + String.fromCharCode(cp + 0x40);
	if (cp === 0x7f) return '^?';
	if (cp < 0xa0) return cp >= 0x80 ? uPlus(cp) : undefined;
	if (cp === 0xad) return uPlus(cp); // soft hyphen: invisible
	if (cp === 0x034f) return uPlus(cp); // combining grapheme joiner: invisible
	if (cp === 0x115f || cp === 0x1160 || cp === 0x3164 || cp === 0xffa0) return uPlus(cp); // Hangul fillers: blank
	if (cp === 0x17b4 || cp === 0x17b5) return uPlus(cp); // Khmer inherent vowels: invisible
	if (cp >= 0x2000 && cp <= 0x206f) {
		// General Punctuation: zero-width spaces and joiners (200B–200F), line/paragraph
		// separators (2028–2029), bidi embeddings and overrides (202A–202E), invisible
		// operators and bidi isolates (2060–206F).
		if ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) || cp >= 0x2060) return uPlus(cp);
		return undefined;
	}
	if (cp === 0x2800) return uPlus(cp); // braille pattern blank: looks like nothing
	if (cp === 0x061c || cp === 0x180e || cp === 0xfeff) return uPlus(cp); // Arabic letter mark, Mongolian vowel separator, BOM
	if (cp >= 0xfff9 && cp <= 0xfffb) return uPlus(cp); // interlinear annotation controls
	if (cp >= 0x1d173 && cp <= 0x1d17a) return uPlus(cp); // musical symbol formatting: invisible
	if (cp >= 0xe0000 && cp <= 0xe007f) return uPlus(cp); // tag characters
	if (cp >= 0xd800 && cp <= 0xdfff) return uPlus(cp); // a lone surrogate
	return undefined;
}

function uPlus(cp: number): string {
	return `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;
}

const ZWJ = 0x200d;
const isVariationSelector = (cp: number) => (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
const PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u;
const isPictographic = (cp: number) => cp >= 0xa9 && PICTOGRAPHIC.test(String.fromCodePoint(cp));
const isSkinTone = (cp: number) => cp >= 0x1f3fb && cp <= 0x1f3ff;
const MARK = /^\p{M}$/u;
/** Combining marks allowed on one character: real scripts stack a few; "Zalgo" text stacks hundreds, spilling over other lines. */
const MAX_MARKS = 8;

// Fast path: strings with nothing but printable ASCII and common letters need no work.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u001f\u007f-\u00a0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u2000-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\ud800-\udfff\u{1d173}-\u{1d17a}\u{e0000}-\u{e01ef}]|\p{M}{9}/u;

/**
 * The text with everything that could act on a terminal made visible. Newlines are kept
 * when `keepNewlines` is true (multi-line messages are split into lines by the caller) and
 * escaped otherwise; a tab becomes spaces.
 *
 * Kept as they are, because they are how emoji are written: a zero-width joiner between two
 * pictographs (👩‍💻), and one variation selector after a character (❤️). A second variation
 * selector in a row (the trick that hides data in "emoji smuggling") and combining marks
 * beyond 8 on one character are escaped.
 */
export function sanitize(text: string, keepNewlines = false): string {
	if (!SUSPECT.test(text)) return text;
	return scrub(text, keepNewlines, cp => escapeCodePoint(cp) ?? uPlus(cp));
}

/**
 * JSON text (from JSON.stringify) with the same characters `sanitize` would escape written as
 * `\uXXXX` escapes instead: the JSON means exactly the same, and printing it cannot act on
 * a terminal. JSON.stringify already escapes C0 controls and lone surrogates.
 */
export function escapeJsonForTerminal(json: string): string {
	if (!SUSPECT.test(json)) return json;
	return scrub(json, true, cp => {
		const hex = (n: number) => '\\u' + n.toString(16).padStart(4, '0');
		if (cp < 0x10000) return hex(cp);
		const v = cp - 0x10000;
		return hex(0xd800 + (v >> 10)) + hex(0xdc00 + (v & 0x3ff));
	});
}

/**
 * JSON for one output line, safe to print to a terminal: what JSON.stringify leaves as it is
 * but a terminal may act on (C1 controls, invisible and bidi formatting characters) is
 * written as \uXXXX escapes, so the JSON means the same.
 */
export function safeJson(value: unknown): string {
	return escapeJsonForTerminal(JSON.stringify(value));
}

function scrub(text: string, keepNewlines: boolean, esc: (cp: number) => string): string {
	const cps = Array.from(text, ch => ch.codePointAt(0)!);
	let out = '';
	let marks = 0;
	for (let i = 0; i < cps.length; i++) {
		const cp = cps[i]!;
		const prev = i > 0 ? cps[i - 1]! : -1;
		if (cp === 0x0a && keepNewlines) {
			out += '\n';
			marks = 0;
			continue;
		}
		if (cp === 0x09) {
			out += '    ';
			marks = 0;
			continue;
		}
		if (cp === ZWJ) {
			const next = i + 1 < cps.length ? cps[i + 1]! : -1;
			const afterEmoji = isPictographic(prev) || isSkinTone(prev) || (prev === 0xfe0f && i > 1 && isPictographic(cps[i - 2]!));
			out += afterEmoji && isPictographic(next) ? String.fromCodePoint(cp) : esc(cp);
			marks = 0;
			continue;
		}
		if (isVariationSelector(cp)) {
			const afterPlain = prev >= 0 && !isVariationSelector(prev) && prev !== ZWJ && escapeCodePoint(prev) === undefined;
			out += afterPlain ? String.fromCodePoint(cp) : esc(cp);
			continue;
		}
		if (cp >= 0x300 && escapeCodePoint(cp) === undefined && MARK.test(String.fromCodePoint(cp))) {
			marks++;
			out += marks > MAX_MARKS ? esc(cp) : String.fromCodePoint(cp);
			continue;
		}
		marks = 0;
		out += escapeCodePoint(cp) === undefined ? String.fromCodePoint(cp) : esc(cp);
	}
	return out;
}

/** The lines of a (possibly multi-line) message, each made safe to show. CRLF counts as one line break. */
export function safeLines(text: string): string[] {
	return sanitize(text.replace(/\r\n/g, '\n'), true).split('\n');
}

/** Peer text for one line of output: control characters escaped, line breaks shown as " ↵ ". */
export function oneLine(text: string): string {
	return sanitize(text.replace(/\r\n/g, '\n'), true).replace(/\n/g, ' ↵ ');
}

/**
 * Whether text is safe to write to a terminal as it is: what `sanitize` returns always is
 * (newlines allowed). Tests use it to check that nothing a peer sent reaches an output raw.
 */
export function isTerminalSafe(text: string): boolean {
	return sanitize(text, true) === text;
}
