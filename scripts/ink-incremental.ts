/**
 * The esbuild plugin that fixes Ink 6.8's incremental output (ink/build/log-update.js) for a
 * frame that ends with a newline, as zchat's does (its screen is one row shorter than the
 * terminal, so Ink never clears the whole terminal between frames).
 */
import type {Plugin} from 'esbuild';
import {readFile} from 'node:fs/promises';

/**
 * After a frame that ends with a newline the cursor is on the row below its last line, but Ink
 * moves up as if it were on the last line: every later frame is drawn one row too low, over
 * the old one (test/tui-incremental.test.tsx sees it in tmux). Move up one row more then. The
 * build fails if Ink's code no longer looks as expected.
 */
export const fixInkIncremental: Plugin = {
	name: 'fix-ink-incremental',
	setup(b) {
		const from = 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));';
		const to = "buffer.push(ansiEscapes.cursorUp(previousVisible - 1 + (previousOutput.endsWith('\\n') ? 1 : 0)));";
		b.onLoad({filter: /[\\/]ink[\\/]build[\\/]log-update\.js$/}, async args => {
			const contents = await readFile(args.path, 'utf8');
			if (!contents.includes(from)) throw new Error(`${args.path}: "${from}" not found; check how Ink's incremental output returns to a frame's first row`);
			return {contents: contents.replace(from, to), loader: 'js'};
		});
	},
};
