#!/usr/bin/env node
// zchat's entry point. React runs about six times slower in development mode, so the
// TUI always runs in production mode unless told otherwise.
process.env.NODE_ENV ??= 'production';

try {
	const {main} = await import('../dist/src/cli.js');
	await main(process.argv.slice(2));
} catch (err) {
	if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli.js')) {
		process.stderr.write('zchat: not built yet: run "npm install" (or "npm run build") in the zchat checkout first\n');
		process.exit(1);
	}
	throw err;
}
