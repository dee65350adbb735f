/**
 * `zchat join` runs from a bundle of its own (scripts/bundle-join.ts, for its first frame):
 * it answers as the whole CLI does (help, errors, exit codes), loads none of the CLI's modules
 * one by one, and has not taken the TUI into itself.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {spawnHub, ZCHAT_BIN, type SpawnedHub} from './helpers/cli.js';

const CLI = new URL('../src/cli.js', import.meta.url).href;
const BUNDLE = new URL('../src/cli/join.bundle.js', import.meta.url);

interface Ran {
	readonly code: number;
	readonly stdout: string;
	readonly stderr: string;
}

/** `zchat <args>` with `input` on stdin: through bin/zchat.js, or through the whole CLI's modules (dist/src/cli.js). */
function run(args: readonly string[], how: 'bin' | 'modules', env: NodeJS.ProcessEnv = {}, nodeFlags: readonly string[] = [], input = ''): Promise<Ran> {
	const argv =
		how === 'bin'
			? [...nodeFlags, ZCHAT_BIN, ...args]
			: ['--input-type=module', '-e', `const {main} = await import(${JSON.stringify(CLI)}); await main(${JSON.stringify(args)});`];
	return new Promise(resolve => {
		const child = execFile(process.execPath, argv, {env: {...process.env, ZCHAT_CONFIG: '', ...env}, timeout: 60_000}, (err, stdout, stderr) =>
			resolve({code: err ? Number((err as {code?: number}).code ?? 1) : 0, stdout, stderr}),
		);
		child.stdin?.end(input);
	});
}

let dir: string;
before(() => {
	dir = mkdtempSync(join(tmpdir(), 'zchat-join-bundle-'));
});
after(() => rmSync(dir, {recursive: true, force: true}));

describe('zchat join from its own bundle', () => {
	const cases: ReadonlyArray<{what: string; args: string[]; code: number; env?: () => NodeJS.ProcessEnv}> = [
		{what: 'its help', args: ['join', '--help'], code: 0},
		{what: 'an option it does not know', args: ['join', '--colour'], code: 2},
		{what: 'a bad value', args: ['join', '--room', 'no spaces', '--plain'], code: 2},
		{
			what: 'a broken settings file',
			args: ['join', '--plain'],
			code: 2,
			env: () => {
				const file = join(dir, 'config.json');
				writeFileSync(file, '{"nick": "alice",}\n');
				return {ZCHAT_CONFIG: file};
			},
		},
	];
	for (const c of cases) {
		test(`answers ${c.what} as the whole CLI does, word for word`, async () => {
			const env = c.env?.() ?? {};
			const [bundled, modules] = await Promise.all([run(c.args, 'bin', env), run(c.args, 'modules', env)]);
			assert.equal(bundled.code, c.code, `exit code; stderr: ${bundled.stderr}`);
			assert.deepEqual(bundled, modules);
			assert.ok(bundled.stdout.length + bundled.stderr.length > 0, 'it said something');
		});
	}

	describe('against a hub', () => {
		let hub: SpawnedHub;
		before(async () => {
			hub = await spawnHub();
		});
		after(async () => {
			hub.proc.child.kill('SIGTERM');
			await hub.proc.exited;
		});

		test('joins, says a line, has it acked and leaves, with no module of dist/src/ loaded but the bundle', async () => {
			// A module-resolution hook (in Node's hooks thread) notes every ES module the process loads.
			const log = join(dir, 'modules.txt');
			writeFileSync(log, '');
			const hook = `import {appendFileSync} from 'node:fs';
				export async function resolve(specifier, context, next) {
					const found = await next(specifier, context);
					appendFileSync(${JSON.stringify(log)}, found.url + '\\n');
					return found;
				}`;
			const preload = `import {register} from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
			const ran = await run(['join', '--plain', '--nick', 'bundled', '--history', '0', ...hub.args], 'bin', {}, ['--import', `data:text/javascript,${encodeURIComponent(preload)}`], 'from the bundle\n');
			assert.equal(ran.code, 0, `stdout: ${ran.stdout}; stderr: ${ran.stderr}`);
			assert.match(ran.stdout, /<bundled> from the bundle/);
			const dist = new URL('../', import.meta.url).href;
			const ours = readFileSync(log, 'utf8')
				.split('\n')
				.filter(url => url.startsWith(dist))
				.map(url => url.slice(dist.length));
			assert.deepEqual([...new Set(ours)], ['src/cli/join.bundle.js']);
		});
	});

	test('the bundle holds neither the TUI (its own bundle, loaded on a terminal) nor the hub', () => {
		const bundle = readFileSync(BUNDLE, 'utf8');
		assert.match(bundle, /node_modules\/commander\//, 'esbuild names the packages it took in');
		assert.doesNotMatch(bundle, /node_modules\/(ink|react|react-reconciler|yoga-layout|better-sqlite3|sodium-native)\//);
		assert.doesNotMatch(bundle, /dist\/src\/(ui\/tui\.js|ui\/components\/|hub\/|relay\/)/);
	});
});
