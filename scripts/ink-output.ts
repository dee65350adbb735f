/**
 * The esbuild plugin that bundles zchat's `Output` (src/ui/ink-output.ts) in place of Ink 6's
 * (ink/build/output.js), and checks that Ink's is still the one it stands in for.
 */
import type {Plugin} from 'esbuild';
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

/** sha256 of ink/build/output.js (Ink 6.8.0), the code src/ui/ink-output.ts reproduces. */
export const INK_OUTPUT_SHA256 = 'de9078c7fc647c40cf9e32d6658fcbbee91dae9e3f6334e5f4ebfc5905fc401d';

const ours = fileURLToPath(new URL('../src/ui/ink-output.js', import.meta.url));

export const fasterInkOutput: Plugin = {
	name: 'faster-ink-output',
	setup(b) {
		b.onResolve({filter: /^\.\/output\.js$/}, args => {
			if (!/[\\/]ink[\\/]build[\\/]renderer\.js$/.test(args.importer)) return undefined;
			const inks = args.importer.replace(/renderer\.js$/, 'output.js');
			const sha = createHash('sha256').update(readFileSync(inks)).digest('hex');
			if (sha !== INK_OUTPUT_SHA256) {
				throw new Error(`${inks} is not the Output that src/ui/ink-output.ts reproduces (Ink was upgraded?): compare the two, then update INK_OUTPUT_SHA256 in scripts/ink-output.ts`);
			}
			return {path: ours};
		});
	},
};
