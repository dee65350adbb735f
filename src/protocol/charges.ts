/**
 * What each command costs against a hub's flood limit, as the hub charges it: tokens, and
 * bytes of text against the byte budget. Clients mirror the hub's bucket with it.
 */
import type {DistributiveOmit} from './exhaustive.js';
import type {Command} from './types.js';

/** What one command costs: tokens, and the text charged to the byte budget. */
export interface Charge {
	readonly tokens: number;
	readonly text?: string;
}

/**
 * The charge of a command, or undefined for a free one (questions, ping, part without a
 * reason, clearing away, operator commands). A hello costs one token plus one for each room
 * it makes, which only the hub knows (its welcome says what is left); a resend of a line the
 * hub has acked is free too.
 */
export function chargeOf(cmd: DistributiveOmit<Command, 'id'>): Charge | undefined {
	switch (cmd.type) {
		case 'say':
		case 'msg':
			return {tokens: 1, text: cmd.text};
		case 'hello':
		case 'join':
		case 'nick':
			return {tokens: 1};
		case 'topic':
			return cmd.text === undefined ? undefined : {tokens: 1, text: cmd.text};
		case 'away':
			return cmd.text === undefined || cmd.text.trim() === '' ? undefined : {tokens: 1, text: cmd.text};
		case 'part':
		case 'bye':
			return cmd.reason ? {tokens: 1, text: cmd.reason} : undefined;
		default:
			return undefined;
	}
}

/** UTF-8 bytes of a string, as the hub counts text. */
export function utf8Bytes(text: string): number {
	return Buffer.byteLength(text, 'utf8');
}

/** Text cut to at most `max` UTF-8 bytes, never inside a character (a reason kept within the hub's limit). */
export function cutToBytes(text: string, max: number): string {
	if (utf8Bytes(text) <= max) return text;
	let out = '';
	let used = 0;
	for (const ch of text) {
		const n = utf8Bytes(ch);
		if (used + n > max) break;
		out += ch;
		used += n;
	}
	return out;
}
