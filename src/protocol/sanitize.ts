/**
 * Terminal safety. Text from other people is shown in terminals, and a terminal obeys what
 * it is sent: ESC sequences recolour, move the cursor, set the window title, write the
 * clipboard (OSC 52) or make links (OSC 8); bidi overrides reorder what you read; zero-width
 * characters hide differences. Every piece of peer text is passed through `sanitize` before
 * it is shown, and what could act on the terminal is shown as visible escapes instead.
 */

/**
 * How one code point is shown, or undefined when it is safe to show as it is.
 * - C0 controls and DEL: caret notation (`^[` for ESC, `^G` for BEL, `^M` for CR, `^?` for DEL);
 * - C1 controls, bidi controls, zero-width and other invisible format characters: `<U+XXXX>`.
 */
function escapeCodePoint(cp: number): string | undefined {
	if (cp < 0x20) return '^' + String.fromCharCode(cp + 0x40);
	if (cp === 0x7f) return '^?';
	if (cp < 0xa0) return cp >= 0x80 ? uPlus(cp) : undefined;
	if (cp === 0xad) return uPlus(cp); // soft hyphen: invisible
	if (cp >= 0x2000 && cp <= 0x206f) {
		// General Punctuation: zero-width spaces and joiners (200B–200F), line/paragraph
		// separators (2028–2029), bidi embeddings and overrides (202A–202E), invisible
		// operators and bidi isolates (2060–206F).
		if ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) || cp >= 0x2060) return uPlus(cp);
		return undefined;
	}
	if (cp === 0x061c || cp === 0x180e || cp === 0xfeff) return uPlus(cp); // Arabic letter mark, Mongolian vowel separator, BOM
	if (cp >= 0xfff9 && cp <= 0xfffb) return uPlus(cp); // interlinear annotation controls
	if (cp >= 0xe0000 && cp <= 0xe007f) return uPlus(cp); // tag characters
	if (cp >= 0xd800 && cp <= 0xdfff) return uPlus(cp); // a lone surrogate
	return undefined;
}

function uPlus(cp: number): string {
	return `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;
}

// Fast path: strings with nothing but printable ASCII and common letters need no work.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u001f\u007f-\u00a0\u00ad\u061c\u180e\u2000-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]/;

/**
 * The text with everything that could act on a terminal made visible. Newlines are kept
 * when `keepNewlines` is true (multi-line messages are split into lines by the caller) and
 * escaped otherwise; a tab becomes spaces.
 */
export function sanitize(text: string, keepNewlines = false): string {
	if (!SUSPECT.test(text)) return text;
	let out = '';
	for (const ch of text) {
		const cp = ch.codePointAt(0)!;
		if (cp === 0x0a && keepNewlines) {
			out += '\n';
			continue;
		}
		if (cp === 0x09) {
			out += '    ';
			continue;
		}
		const esc = escapeCodePoint(cp);
		out += esc ?? ch;
	}
	return out;
}

/** The lines of a (possibly multi-line) message, each made safe to show. CRLF counts as one line break. */
export function safeLines(text: string): string[] {
	return sanitize(text.replace(/\r\n/g, '\n'), true).split('\n');
}
