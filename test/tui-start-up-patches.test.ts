import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {build} from 'esbuild';
import {requireApplied, stringWidthEmojiLater} from '../scripts/start-up-patches.js';
import {tempDir} from './helpers/hub.js';

/**
 * The TUI bundle's start-up patches (scripts/start-up-patches.ts) fail the build when the
 * library they patch changed, rather than ship a bundle that breaks or is silently unpatched.
 */

const dir = tempDir('zchat-patches-');
after(() => dir.remove());

const original = readFileSync(createRequire(import.meta.url).resolve('string-width'), 'utf8');

/** string-width's index.js with these contents, at a path the plugin patches, bundled with it. */
async function bundleStringWidth(name: string, contents: string): Promise<string> {
	const folder = join(dir.path, name, 'node_modules', 'string-width');
	mkdirSync(folder, {recursive: true});
	writeFileSync(join(folder, 'index.js'), contents);
	const result = await build({entryPoints: [join(folder, 'index.js')], bundle: true, write: false, platform: 'node', format: 'esm', packages: 'external', plugins: [stringWidthEmojiLater], logLevel: 'silent'});
	return result.outputFiles[0]!.text;
}

test("string-width as installed is patched: the emoji pattern is made when first needed", async () => {
	const out = await bundleStringWidth('as-installed', original);
	assert.match(out, /emojiCodePointRegex\.test\(segment\) && \(rgiEmojiRegex \?\?= /);
	assert.doesNotMatch(out, /const rgiEmojiRegex = /);
});

test('a string-width that uses the pattern once more fails the build (it would be undefined there)', async () => {
	await assert.rejects(bundleStringWidth('used-again', `${original}\nexport const again = segment => rgiEmojiRegex.test(segment);\n`), /"rgiEmojiRegex" found 3 times, not 2/);
});

test('a string-width whose emoji test changed fails the build', async () => {
	await assert.rejects(bundleStringWidth('changed', original.replace('rgiEmojiRegex.test(segment) ||', 'rgiEmojiRegex.test(segment.trim()) ||')), /not found once; check how string-width finds emoji/);
});

test('a patch that found no file to patch fails the bundle', () => {
	assert.throws(() => requireApplied([{name: 'a-patch-whose-file-moved', setup() {}}]), /a-patch-whose-file-moved found no file to patch/);
	assert.doesNotThrow(() => requireApplied([stringWidthEmojiLater]), 'it patched the copies above');
});
