/**
 * Text that attacks a terminal (OSC 0 title, OSC 52 clipboard, OSC 8 link, ESC[2J, C1
 * controls, a bidi override, BEL) between two plain markers, and the check that output shows
 * none of it raw: everything a zchat command prints must have it made visible instead.
 */

export const HOSTILE_OPEN = '<<HOSTILE';
export const HOSTILE_CLOSE = 'HOSTILE>>';

/** Under 512 bytes: it fits a kick or ban reason. */
export const HOSTILE_TEXT =
	`${HOSTILE_OPEN} title:\x1b]0;pwned\x07 clip:\x1b]52;c;cm0gLXJmIH4K\x07 link:\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\` +
	` clear:\x1b[2J\x1b[H c1:\u009b31m\u009d0;c1title\u009c bidi:\u202eevil\u202c bell:\x07 ${HOSTILE_CLOSE}`;

/** What is dangerous to show raw, by name, with where in `text` it was found. */
export function rawControls(text: string): string[] {
	const found: string[] = [];
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		let name: string | undefined;
		if (c === 0x1b) name = 'ESC';
		else if (c === 0x07) name = 'BEL';
		else if (c < 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) name = `C0 0x${c.toString(16)}`;
		else if (c === 0x7f) name = 'DEL';
		else if (c >= 0x80 && c <= 0x9f) name = `C1 U+00${c.toString(16).toUpperCase()}`;
		else if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) name = `bidi U+${c.toString(16).toUpperCase()}`;
		if (name) found.push(`${name} at ${i} (…${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}…)`);
	}
	return found;
}

/** Each stretch of `text` from an opening marker to the closing one (or to the end). */
export function hostileSlices(text: string): string[] {
	const out: string[] = [];
	let at = text.indexOf(HOSTILE_OPEN);
	while (at >= 0) {
		const end = text.indexOf(HOSTILE_CLOSE, at);
		out.push(text.slice(at, end < 0 ? undefined : end + HOSTILE_CLOSE.length));
		at = text.indexOf(HOSTILE_OPEN, at + HOSTILE_OPEN.length);
	}
	return out;
}

/** Raw controls inside the hostile stretches of `text` (which must hold at least one). */
export function rawInHostile(text: string): {slices: number; raw: string[]} {
	const slices = hostileSlices(text);
	return {slices: slices.length, raw: slices.flatMap(rawControls)};
}
