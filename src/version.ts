import {readFileSync} from 'node:fs';

/** zchat's version, from package.json. */
export const VERSION: string = (() => {
	try {
		// dist/src/version.js → package.json at the package root.
		const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version?: string};
		return pkg.version ?? '0.0.0';
	} catch {
		return '0.0.0';
	}
})();
