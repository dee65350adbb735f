#!/usr/bin/env node
// zchat's entry point. React runs about six times slower in development mode, so the
// TUI always runs in production mode unless told otherwise.
process.env.NODE_ENV ??= 'production';

// `zchat join` runs from one bundled file (scripts/bundle-join.ts): its first frame comes
// sooner than if Node had to load the CLI's modules one by one. Every other command, and
// anything else on the command line, goes to the whole CLI.
const entry = process.argv[2] === 'join' ? 'dist/src/cli/join.bundle.js' : 'dist/src/cli.js';
try {
	const {main} = await import(`../${entry}`);
	await main(process.argv.slice(2));
} catch (err) {
	if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).startsWith('Cannot find module') && String(err.message).includes(`${entry}'`)) {
		process.stderr.write('zchat: not built yet: run "npm install" (or "npm run build") in the zchat checkout first\n');
		process.exit(1);
	}
	throw err;
}
