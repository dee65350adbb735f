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

/**
 * The key two nicks clash on: two nicks with the same key cannot be online at once, and a
 * nick reserved, banned or made operator covers every nick with its key.
 *
 * Nicks are ASCII only, so look-alikes from other scripts (Cyrillic "а", fullwidth letters,
 * zero-width joiners) cannot be valid nicks at all. What is left are case ("Alice") and the
 * ASCII characters that look alike in common terminal fonts: "I", "l" and "1"; "O" and "0";
 * "rn" and "m". "a1ice", "aIice" and "ALICE" all clash with "alice".
 */
export function nickKey(nick: string): string {
	return nick.toLowerCase().replace(/rn/g, 'm').replace(/[1i]/g, 'l').replace(/0/g, 'o');
}

/** Nicks in the order people read a member list: by letters, whatever their case. */
export function compareNicks(a: string, b: string): number {
	const x = a.toLowerCase();
	const y = b.toLowerCase();
	return x < y ? -1 : x > y ? 1 : 0;
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
