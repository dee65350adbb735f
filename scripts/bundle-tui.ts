/**
 * Bundle the TUI (src/ui/tui.tsx with Ink, React and their dependencies) into one file,
 * dist/tui.bundle.js, which `zchat join` loads on a terminal.
 *
 * Why: loading Ink from node_modules resolves and reads some 150 small modules, about 260 ms
 * before the first frame can be drawn; the same code as one file loads in about 70 ms
 * (docs/PERFORMANCE.md). Run by `npm run build` (and so by `npm install` and `npm test`),
 * after tsc.
 */
import {build} from 'esbuild';
import {fileURLToPath} from 'node:url';
import {boundInkCaches} from './ink-caches.js';
import {fixInkIncremental} from './ink-incremental.js';
import {inkOneWrite} from './ink-one-write.js';
import {fasterInkOutput} from './ink-output.js';
import {requireApplied, stringWidthEmojiLater, yogaNoFetch} from './start-up-patches.js';

const dist = fileURLToPath(new URL('../', import.meta.url));

await build({
	entryPoints: [`${dist}src/ui/tui.js`],
	outfile: `${dist}tui.bundle.js`,
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	// Native addons stay where npm put them.
	external: ['zeromq', 'better-sqlite3'],
	// The TUI always runs React in production mode (bin/zchat.js): leave out the rest.
	define: {'process.env.NODE_ENV': '"production"'},
	// Some of Ink's dependencies are CommonJS and call require().
	banner: {js: "import {createRequire as __zchatRequire} from 'node:module'; const require = __zchatRequire(import.meta.url);"},
	plugins: [
		boundInkCaches,
		fasterInkOutput,
		fixInkIncremental,
		inkOneWrite,
		yogaNoFetch,
		stringWidthEmojiLater,
		{
			// Ink loads React's devtools only with DEV=true; one file cannot load it lazily, and zchat
			// never turns it on.
			name: 'no-devtools',
			setup(b) {
				b.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'react-devtools-core', namespace: 'no-devtools'}));
				b.onLoad({filter: /.*/, namespace: 'no-devtools'}, () => ({contents: 'export default {connectToDevTools() {}};', loader: 'js'}));
			},
		},
	],
	logLevel: 'warning',
	legalComments: 'none',
});
requireApplied([inkOneWrite, yogaNoFetch, stringWidthEmojiLater]);
