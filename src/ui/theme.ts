import {nickKey} from '../protocol/names.js';

/**
 * Colours of the TUI, in one place. Colour names are Ink's (chalk's). Nicks get a colour
 * from a hash of the nick, so the same person has the same colour in every room, every
 * session and every client; the palette leaves out black, white, grey (hard to read, or
 * used for dimmed lines) and red (errors).
 */

export const NICK_PALETTE: readonly string[] = [
	'cyan',
	'green',
	'yellow',
	'blue',
	'magenta',
	'cyanBright',
	'greenBright',
	'yellowBright',
	'blueBright',
	'magentaBright',
];

/** The colour of a nick: stable, whatever its case. */
export function nickColor(nick: string): string {
	// FNV-1a, 32 bits.
	let h = 0x811c9dc5;
	const key = nickKey(nick);
	for (let i = 0; i < key.length; i++) {
		h ^= key.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return NICK_PALETTE[(h >>> 0) % NICK_PALETTE.length]!;
}

export const theme = {
	error: 'red',
	notice: 'cyan',
	mention: 'yellow',
	marker: 'red',
	dm: 'magenta',
	connection: {connecting: 'yellow', connected: 'green', reconnecting: 'red', closed: 'gray'},
	bar: 'blue',
} as const;
