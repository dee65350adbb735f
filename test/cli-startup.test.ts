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
	/** The CommonJS files a fresh process has loaded once it has imported `entry` (its require cache). */
	async function loadedWith(entry: string): Promise<string[]> {
		const script = `
			import {createRequire} from 'node:module';
			await import(${JSON.stringify(entry)});
			console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
		const {stdout} = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
		return JSON.parse(stdout) as string[];
	}

	it('loading the CLI loads neither SQLite nor sodium-native (the hub and the relay load them when they start)', async () => {
		const cached = await loadedWith(CLI);
		assert.ok(cached.some(p => p.includes('/node_modules/zeromq/')), 'the probe sees CommonJS packages the CLI loads (zeromq, for send, who …)');
		for (const heavy of ['better-sqlite3', 'sodium-native']) {
			assert.deepEqual(cached.filter(p => p.includes(`/node_modules/${heavy}/`)), [], `${heavy} is loaded with the CLI`);
		}
	});

	it("loading zchat join's bundle loads no package (zeromq comes with the connection: the TUI's after its first frame)", async () => {
		assert.deepEqual((await loadedWith(JOIN)).filter(p => p.includes('/node_modules/')), []);
	});
});
