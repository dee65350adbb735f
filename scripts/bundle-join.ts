/**
 * Bundle `zchat join` (src/cli/join-main.ts: commander, the settings, the client, line mode)
 * into one file, dist/src/cli/join.bundle.js, which bin/zchat.js runs for `zchat join`.
 *
 * Why: Node finds, reads and links ES modules one by one; the sixty-odd files `zchat join`
 * needs before it can start loading the TUI cost it tens of milliseconds before its first
 * frame (docs/PERFORMANCE.md, issue 16). Every other command runs from dist/src/cli.js as
 * before. Run by `npm run build`, after tsc; the TUI has its own bundle (bundle-tui.ts),
 * loaded by the join command only on a terminal.
 */
import {build, type Plugin} from 'esbuild';
import {readFile} from 'node:fs/promises';
import {readFileSync} from 'node:fs';
import {dirname, sep} from 'node:path';
import {fileURLToPath} from 'node:url';

const dist = fileURLToPath(new URL('../', import.meta.url));
const cli = `${dist}src${sep}cli`;

/**
 * Paths a module makes from its own `import.meta.url` hold in the bundle only for modules of
 * the bundle's own directory (dist/src/cli/): any other such module fails the build, but
 * src/version.ts, which reads package.json from there, is replaced by the version itself.
 */
const ownPaths: Plugin = {
	name: 'own-paths',
	setup(b) {
		const version = (JSON.parse(readFileSync(`${dist}../package.json`, 'utf8')) as {version: string}).version;
		b.onLoad({filter: /[\\/]dist[\\/]src[\\/]version\.js$/}, () => ({contents: `export const VERSION = ${JSON.stringify(version)};`, loader: 'js'}));
		b.onLoad({filter: /[\\/]dist[\\/]src[\\/].*\.js$/}, async args => {
			const contents = await readFile(args.path, 'utf8');
			if (contents.includes('import.meta') && dirname(args.path) !== cli) {
				throw new Error(`${args.path} uses import.meta, which in join's bundle is the bundle's, in dist/src/cli/ (scripts/bundle-join.ts)`);
			}
			return {contents, loader: 'js'};
		});
	},
};

/**
 * zeromq is CommonJS. Imported as an ES module, Node first parses its files for the names
 * they export (cjs-module-lexer: ~8 ms before the first frame here); required, it is not.
 * And required where the client's transport module starts, which `zchat join` imports only
 * when it connects: the TUI after its first frame.
 */
const zeromqRequired: Plugin = {
	name: 'zeromq-required',
	setup(b) {
		b.onResolve({filter: /^zeromq$/}, args =>
			args.namespace === 'zeromq-required' ? {path: 'zeromq', external: true} : {path: 'zeromq', namespace: 'zeromq-required'},
		);
		b.onLoad({filter: /.*/, namespace: 'zeromq-required'}, () => ({contents: "module.exports = require('zeromq');", loader: 'js'}));
	},
};

await build({
	entryPoints: [`${cli}${sep}join-main.js`],
	outfile: `${cli}${sep}join.bundle.js`,
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	// commander is CommonJS and calls require() for Node's modules; zeromq, whose native addon
	// is found from its own directory, is required from where npm put it.
	banner: {js: "import {createRequire as __zchatRequire} from 'node:module'; const require = __zchatRequire(import.meta.url);"},
	plugins: [ownPaths, zeromqRequired],
	logLevel: 'warning',
	legalComments: 'none',
});
