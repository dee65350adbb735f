/**
 * Keys from what the terminal sends. Ink's input parser splits stdin into events: one escape
 * sequence, or a run of text with no ESC in it. This turns each event into key presses,
 * without Ink's `useInput` mapping, which loses what we need: it cannot tell the
 * bracketed-paste markers (ESC[200~ … ESC[201~) from typed text, turns a run of typed text
 * followed by Enter into one string, and drops the modifiers of some keys.
 */

export interface KeyPress {
	/**
	 * "text" for typed text (in `text`); "return", "tab", "backspace", "delete", "insert",
	 * "escape", "up", "down", "left", "right", "home", "end", "pageup", "pagedown", "f1"…;
	 * or the character for Ctrl/Alt combinations ("a" for Ctrl+A, "1" for Alt+1).
	 */
	readonly name: string;
	readonly text?: string;
	readonly ctrl: boolean;
	/** Alt (sent as ESC before the key). */
	readonly meta: boolean;
	readonly shift: boolean;
}

/** What a terminal sends before and after pasted text once ESC[?2004h turned bracketed paste on. */
export const PASTE_START = '\x1b[200~';
export const PASTE_END = '\x1b[201~';

function key(name: string, mods: {ctrl?: boolean; meta?: boolean; shift?: boolean} = {}): KeyPress {
	return {name, ctrl: mods.ctrl ?? false, meta: mods.meta ?? false, shift: mods.shift ?? false};
}

const CSI_LETTERS: Readonly<Record<string, string>> = {
	A: 'up',
	B: 'down',
	C: 'right',
	D: 'left',
	E: 'clear',
	F: 'end',
	H: 'home',
	P: 'f1',
	Q: 'f2',
	R: 'f3',
	S: 'f4',
	Z: 'tab',
};

const CSI_NUMBERS: Readonly<Record<string, string>> = {
	'1': 'home',
	'2': 'insert',
	'3': 'delete',
	'4': 'end',
	'5': 'pageup',
	'6': 'pagedown',
	'7': 'home',
	'8': 'end',
	'11': 'f1',
	'12': 'f2',
	'13': 'f3',
	'14': 'f4',
	'15': 'f5',
	'17': 'f6',
	'18': 'f7',
	'19': 'f8',
	'20': 'f9',
	'21': 'f10',
	'23': 'f11',
	'24': 'f12',
};

/** xterm modifier parameter: 1 + (shift 1, alt 2, ctrl 4, meta 8). */
function modifiers(param: string | undefined): {ctrl: boolean; meta: boolean; shift: boolean} {
	const m = Math.max(0, (Number(param?.split(':')[0]) || 1) - 1);
	return {shift: (m & 1) !== 0, meta: (m & 2) !== 0 || (m & 8) !== 0, ctrl: (m & 4) !== 0};
}

/** One control character (below 0x20, or DEL) as a key. */
function controlKey(code: number): KeyPress {
	if (code === 0x0d) return key('return');
	if (code === 0x09) return key('tab');
	if (code === 0x7f) return key('backspace');
	if (code === 0x08) return key('backspace', {ctrl: true});
	if (code === 0x1b) return key('escape');
	if (code === 0x00) return key('space', {ctrl: true});
	if (code <= 0x1a) return key(String.fromCharCode(code + 0x60), {ctrl: true}); // Ctrl+A … Ctrl+Z (Ctrl+J is "\n")
	return key(String.fromCharCode(code + 0x40), {ctrl: true}); // Ctrl+\ ] ^ _
}

function isControl(code: number): boolean {
	return code < 0x20 || code === 0x7f;
}

/** Decode an escape sequence (an event starting with ESC). */
function decodeEscape(seq: string): KeyPress {
	if (seq === '\x1b') return key('escape');
	if (seq.startsWith('\x1b\x1b')) {
		// ESC before a sequence: Alt with that key (Alt+arrow on many terminals).
		const inner = decodeEscape(seq.slice(1));
		return {...inner, meta: true};
	}
	const csi = /^\x1b\[\[?([\d;:]*)([A-Za-z~^$])$/.exec(seq);
	if (csi) {
		const params = csi[1]!.split(';');
		const final = csi[2]!;
		if (final === '~' || final === '^' || final === '$') {
			const name = CSI_NUMBERS[params[0]!];
			if (!name) return key('unknown');
			const mods = modifiers(params[1]);
			return key(name, {...mods, ctrl: mods.ctrl || final === '^', shift: mods.shift || final === '$'});
		}
		if (final === 'u') {
			// Kitty keyboard protocol: CSI code ; modifiers u.
			const code = Number(params[0]);
			const mods = modifiers(params[1]);
			if (isControl(code)) return {...controlKey(code), ...(mods.ctrl ? {ctrl: true} : {}), ...(mods.meta ? {meta: true} : {}), ...(mods.shift ? {shift: true} : {})};
			const ch = String.fromCodePoint(code);
			return mods.ctrl || mods.meta ? key(ch.toLowerCase(), mods) : {...key('text', mods), text: ch};
		}
		if ('abcd'.includes(final)) return key(CSI_LETTERS[final.toUpperCase()]!, {shift: true}); // rxvt Shift+arrow
		const name = CSI_LETTERS[final];
		if (!name) return key('unknown');
		const mods = modifiers(params[1]);
		return key(name, {...mods, shift: mods.shift || final === 'Z'});
	}
	const ss3 = /^\x1bO([A-Za-z])$/.exec(seq);
	if (ss3) {
		const final = ss3[1]!;
		if ('abcd'.includes(final)) return key(CSI_LETTERS[final.toUpperCase()]!, {ctrl: true}); // rxvt Ctrl+arrow
		const name = CSI_LETTERS[final];
		return name ? key(name) : key('unknown');
	}
	// ESC and one character: Alt with that key.
	const rest = seq.slice(1);
	const code = rest.codePointAt(0);
	if (code === undefined) return key('escape');
	if (isControl(code)) return {...controlKey(code), meta: true};
	const lower = rest.toLowerCase();
	return key(lower, {meta: true, shift: lower !== rest});
}

/** The key presses in one input event. A run of text becomes one "text" press; control characters in it are keys of their own. */
export function decodeKeys(event: string): KeyPress[] {
	if (event.startsWith('\x1b')) return [decodeEscape(event)];
	const keys: KeyPress[] = [];
	let text = '';
	for (const ch of event) {
		const code = ch.codePointAt(0)!;
		if (isControl(code) || (code >= 0x80 && code < 0xa0)) {
			if (text) keys.push({...key('text'), text});
			text = '';
			if (code < 0x80 || code === 0x7f) keys.push(controlKey(code));
			continue;
		}
		text += ch;
	}
	if (text) keys.push({...key('text'), text});
	return keys;
}
