import {nickKey} from '../protocol/names.js';

/**
 * Colours of the TUI, in one place. Colour names are Ink's (chalk's). A nick's colour comes
 * from a hash of the nick, so the same person mostly has the same colour in every room,
 * session and client; while colours are free, a nick whose colour is taken by another this
 * session gets a free one instead (and keeps it). The palette leaves out black, white, grey
 * (hard to read, or used for dimmed lines), red (errors) and yellow (mentions).
 */

export const NICK_PALETTE: readonly string[] = ['cyan', 'green', 'blue', 'magenta', 'cyanBright', 'greenBright', 'blueBright', 'magentaBright'];

/** The palette index a nick hashes to, whatever its case (FNV-1a, 32 bits). */
function preferred(key: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < key.length; i++) {
		h ^= key.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return (h >>> 0) % NICK_PALETTE.length;
}

/** Nicks a NickColours remembers as written before it starts again. */
const ASKED_MAX = 1000;

/**
 * The colours handed out in a session. A nick keeps the first colour it got. While some
 * colour is unused, a new nick whose own colour is taken gets the next free one; once all are
 * in use, every new nick gets its own (hashed) colour, and nothing more is remembered.
 */
export class NickColours {
	private readonly given = new Map<string, string>();
	private readonly used = new Set<string>();
	/**
	 * Answers by the nick as written, so the same nick is not folded again at every row drawn.
	 * An answer never changes once given (a colour given is kept; once all are in use, nothing
	 * more is given), so this only saves work. Emptied when full.
	 */
	private asked = new Map<string, string>();

	of(nick: string): string {
		const known = this.asked.get(nick);
		if (known !== undefined) return known;
		const colour = this.colour(nick);
		if (this.asked.size >= ASKED_MAX) this.asked = new Map();
		this.asked.set(nick, colour);
		return colour;
	}

	private colour(nick: string): string {
		const key = nickKey(nick);
		const had = this.given.get(key);
		if (had !== undefined) return had;
		const start = preferred(key);
		if (this.used.size >= NICK_PALETTE.length) return NICK_PALETTE[start]!;
		let colour = NICK_PALETTE[start]!;
		for (let i = 0; i < NICK_PALETTE.length && this.used.has(colour); i++) colour = NICK_PALETTE[(start + i + 1) % NICK_PALETTE.length]!;
		this.given.set(key, colour);
		this.used.add(colour);
		return colour;
	}
}

const session = new NickColours();

/** The colour of a nick in this session: stable, whatever its case. */
export function nickColor(nick: string): string {
	return session.of(nick);
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
