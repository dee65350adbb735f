import {parseInput, type Intent} from '../client/commands.js';

/**
 * Pasted text and what a submitted line becomes. With bracketed paste on (ESC[?2004h) the
 * terminal wraps pasted text in ESC[200~ … ESC[201~; Ink's input parser hands those markers
 * over as events of their own and the text between as one or more events (split at any ESC
 * inside it). The input reducer collects them and inserts the text in one go, line breaks
 * and all, so a multi-line paste is one message rather than a burst of lines.
 */

/** Turn on bracketed paste; and off. */
export const BRACKETED_PASTE_ON = '\x1b[?2004h';
export const BRACKETED_PASTE_OFF = '\x1b[?2004l';

// ANSI escape sequences (CSI, OSC, and two-character ones) that came along with a paste.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * Pasted text made fit for the input line: line breaks as "\n" (a terminal sends "\r"),
 * tabs as four spaces, escape sequences and other control characters dropped, and one
 * trailing line break removed (copying whole lines brings one; Enter sends).
 */
export function cleanPaste(raw: string): string {
	return raw
		.replace(/\r\n?/g, '\n')
		.replace(/\t/g, '    ')
		.replace(ANSI, '')
		.replace(CONTROL, '')
		.replace(/\n$/, '');
}

/** What the client is asked to do with a submitted line. */
export type Submission = {readonly type: 'line'; readonly text: string} | {readonly type: 'intent'; readonly intent: Intent};

/**
 * A line of one row goes to `client.line` (plain text or a /command). Text of several lines
 * is one message: `/me`, `/msg` and `/reply` keep working with it, anything else is said as
 * it is, even when its first line starts with "/" (pasted paths and code are not commands).
 */
export function submission(text: string): Submission {
	if (!text.includes('\n')) return {type: 'line', text};
	const me = /^\/me\s+([\s\S]+)$/i.exec(text);
	if (me) return {type: 'intent', intent: {type: 'me', text: me[1]!}};
	if (/^\/(msg|query|reply|r)\s/i.test(text)) {
		const intent = parseInput(text);
		if (intent && !('error' in intent)) return {type: 'intent', intent};
	}
	return {type: 'intent', intent: {type: 'say', text}};
}
