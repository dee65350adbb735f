/**
 * The esbuild plugin that makes Ink 6.8 write each frame to the terminal in one write
 * (ink/build/ink.js): the frame and the synchronized-update codes around it.
 */
import type {Plugin} from 'esbuild';
import {readFile} from 'node:fs/promises';
import {patched} from './start-up-patches.js';

/**
 * On a terminal Ink writes "begin synchronized update", then the frame, then "end" as three
 * writes, each a system call on a blocking tty; under a flood (15 frames a second) the two
 * short ones cost more CPU than the frame's own (docs/PERFORMANCE.md). Cork the stream around
 * the three, so they leave as one writev of the same bytes in the same order. The build fails
 * if Ink's code no longer looks as expected.
 */
export const inkOneWrite: Plugin = {
	name: 'ink-one-write',
	setup(b) {
		const from = ['if (sync && shouldWrite) {', 'this.options.stdout.write(bsu);', '}', 'this.log(output);', 'if (sync && shouldWrite) {', 'this.options.stdout.write(esu);', '}'];
		const pattern = new RegExp(from.map(s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s*'));
		b.onLoad({filter: /[\\/]ink[\\/]build[\\/]ink\.js$/}, async args => {
			const contents = await readFile(args.path, 'utf8');
			if (!pattern.test(contents)) throw new Error(`${args.path}: Ink's synchronized frame write not found; check how Ink writes a frame (scripts/ink-one-write.ts)`);
			// A stream without cork (a test's stand-in for stdout) gets the three writes as before.
			const to = [
				"const corked = sync && shouldWrite && typeof this.options.stdout.cork === 'function';",
				'if (corked) this.options.stdout.cork();',
				'if (sync && shouldWrite) {',
				'this.options.stdout.write(bsu);',
				'}',
				'this.log(output);',
				'if (sync && shouldWrite) {',
				'this.options.stdout.write(esu);',
				'}',
				'if (corked) this.options.stdout.uncork();',
			].join('\n');
			patched('ink-one-write');
			return {contents: contents.replace(pattern, to), loader: 'js'};
		});
	},
};
