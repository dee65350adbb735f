import {BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON} from './paste.js';

/**
 * The terminal modes the TUI needs, and putting them back. The alternate screen keeps the
 * user's shell scrollback as it was; bracketed paste lets a multi-line paste arrive as one
 * piece. They are restored on a normal exit, on a crash, and on a signal, because a shell
 * left in the alternate screen with bracketed paste on is broken for the user.
 */

export const ALT_SCREEN_ON = '\x1b[?1049h';
export const ALT_SCREEN_OFF = '\x1b[?1049l';
const CLEAR_HOME = '\x1b[2J\x1b[H';
const SHOW_CURSOR = '\x1b[?25h';

export interface TerminalModes {
	/** Put the terminal back (idempotent). */
	restore(): void;
}

export function enterTerminalModes(stdout: NodeJS.WriteStream): TerminalModes {
	let active = true;
	const restore = () => {
		if (!active) return;
		active = false;
		process.off('exit', restore);
		process.off('uncaughtExceptionMonitor', restore);
		try {
			stdout.write(BRACKETED_PASTE_OFF + SHOW_CURSOR + ALT_SCREEN_OFF);
		} catch {
			// The terminal is gone (hangup): nothing left to restore.
		}
	};
	stdout.write(ALT_SCREEN_ON + CLEAR_HOME + BRACKETED_PASTE_ON);
	// A crash: put the terminal back before Node prints the error, so it is printed on the
	// normal screen where the user can read it (the monitor runs before that, and changes
	// nothing else). On process.exit the event loop is over, but a TTY write is synchronous.
	process.on('uncaughtExceptionMonitor', restore);
	process.on('exit', restore);
	return {restore};
}
