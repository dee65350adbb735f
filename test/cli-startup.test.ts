/**
 * What every zchat command loads before it runs: the hub's and the relay's code (SQLite,
 * sodium-native for their CURVE ports) only when a hub or a relay starts, so that `zchat
 * join`'s first frame and `zchat who` do not wait for them.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {describe, it} from 'node:test';
import {promisify} from 'node:util';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
/** What bin/zchat.js runs for `zchat join` (scripts/bundle-join.ts). */
const JOIN = fileURLToPath(new URL('../src/cli/join.bundle.js', import.meta.url));

describe('zchat start-up', () => {
	for (const [what, entry] of [
		['the CLI', CLI],
		["zchat join's bundle", JOIN],
	] as const) {
		it(`loading ${what} loads neither SQLite nor sodium-native (the hub and the relay load them when they start)`, async () => {
			// Both are CommonJS packages, so a fresh process's require cache says whether they were loaded.
			const script = `
				import {createRequire} from 'node:module';
				await import(${JSON.stringify(entry)});
				console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
			const {stdout} = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
			const cached = JSON.parse(stdout) as string[];
			assert.ok(cached.some(p => p.includes('/node_modules/zeromq/')), 'the probe sees CommonJS packages it loads (zeromq, for join)');
			for (const heavy of ['better-sqlite3', 'sodium-native']) {
				assert.deepEqual(cached.filter(p => p.includes(`/node_modules/${heavy}/`)), [], `${heavy} is loaded with ${what}`);
			}
		});
	}
});
