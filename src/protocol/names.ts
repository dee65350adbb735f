import {MAX_NICK_LENGTH, NICK_PATTERN, ROOM_PATTERN} from './limits.js';

/**
 * Why a nick is refused, in words a person can act on, or undefined when it is valid.
 */
export function nickProblem(nick: string): string | undefined {
	if (nick.length === 0) return 'a nick cannot be empty';
	if (nick.length > MAX_NICK_LENGTH) return `a nick has at most ${MAX_NICK_LENGTH} characters (got ${nick.length})`;
	if (!NICK_PATTERN.test(nick)) return 'a nick may only use ASCII letters, digits, "_", "." and "-"';
	return undefined;
}

/** Digits that stand for the letters they look like (in a nick with letters). */
const DIGIT_LETTERS: Readonly<Record<string, string>> = {'0': 'o', '1': 'l', '2': 'z', '3': 'e', '4': 'a', '5': 's', '8': 'b', '9': 'g'};

/**
 * The key two nicks clash on (their skeleton): two nicks with the same key cannot be online
 * at once, and a nick reserved, banned, muted or made operator covers every nick with its key.
 *
 * Nicks are ASCII only, so look-alikes from other scripts (Cyrillic "а", fullwidth letters,
 * zero-width joiners) cannot be valid nicks at all. What is left are the ASCII spellings a
 * reader of a terminal cannot tell apart, folded here: case ("ALICE"); the separators "_",
 * "." and "-", dropped ("alice_", "a.lice"); digits for the letters they look like, in a
 * nick that has letters (0/o, 1/l, 2/z, 3/e, 4/a, 5/s, 8/b, 9/g: "8ob", "5am", "23d");
 * "i" and "l" as one; and the pairs "rn"/"m", "vv"/"w", "cl"/"d" ("rnallory", "vvilliam",
 * "clan"). A nick of digits alone keeps its digits.
 */
export function nickKey(nick: string): string {
	let k = nick.toLowerCase().replace(/[_.-]/g, '');
	if (/[a-z]/.test(k)) k = k.replace(/[0-9]/g, d => DIGIT_LETTERS[d] ?? d);
	return k.replace(/i/g, 'l').replace(/rn/g, 'm').replace(/vv/g, 'w').replace(/cl/g, 'd');
}

/** Nicks in the order people read a member list: by letters, whatever their case. */
export function compareNicks(a: string, b: string): number {
	const x = a.toLowerCase();
	const y = b.toLowerCase();
	return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Items sorted as compareNicks sorts their nicks, lowering each nick once rather than at
 * every comparison: a hub sorts a room's members for every welcome, and a thousand members
 * made twenty thousand short-lived strings a sort.
 */
export function sortByNick<T>(items: readonly T[], nickOf: (item: T) => string): T[] {
	const keyed = items.map(item => ({key: nickOf(item).toLowerCase(), item}));
	keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
	return keyed.map(k => k.item);
}

/**
 * A room name as people type it ("#Dev", "dev") in the form the hub uses ("dev"), or an
 * error saying what is wrong with it.
 */
export function parseRoom(input: string): {room: string} | {error: string} {
	const name = (input.startsWith('#') ? input.slice(1) : input).toLowerCase();
	if (name.length === 0) return {error: 'a room name cannot be empty'};
	if (!ROOM_PATTERN.test(name)) {
		return {error: `"${input.slice(0, 40)}" is not a room name: use 1 to 32 lowercase letters, digits, "-" or "_", with an optional leading "#"`};
	}
	return {room: name};
}

/**
 * A valid nick made from any string (a login name, say): invalid characters become "_",
 * it is cut to the length limit, and an empty result becomes "guest".
 */
export function nickFrom(raw: string): string {
	const cleaned = raw.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, MAX_NICK_LENGTH);
	return cleaned.length > 0 && /[A-Za-z0-9]/.test(cleaned) ? cleaned : 'guest';
}

/**
 * The n-th alternative to a taken nick: "alice" → "alice2", "alice3", … keeping within
 * the length limit.
 */
export function nickWithSuffix(base: string, n: number): string {
	const suffix = String(n);
	return base.slice(0, MAX_NICK_LENGTH - suffix.length) + suffix;
}
