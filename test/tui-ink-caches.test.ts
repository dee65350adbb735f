import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {after, test} from 'node:test';
import {build} from 'esbuild';
import {boundInkCaches, INK_CACHE_ENTRIES, INK_CACHE_TEXT_MAX} from '../scripts/ink-caches.js';
import {tempDir} from './helpers/hub.js';

/**
 * Ink 6 keeps every string it measures or wraps in caches without a bound; the TUI's bundle
 * bounds them (scripts/ink-caches.ts). Ink's own modules, bundled with that plugin as the TUI
 * is, and driven with more distinct strings than the bound.
 */

const dir = tempDir('zchat-ink-');
after(() => dir.remove());

const inkBuild = dirname(createRequire(import.meta.url).resolve('ink'));

interface InkText {
	measureText: (text: string) => {width: number; height: number};
	wrapText: (text: string, width: number, wrap: string) => string;
}

/** Ink's modules named by `contents` (an ES module of re-exports), bundled with the TUI's plugin, imported. */
async function bundledInk<T>(name: string, contents: string): Promise<T> {
	const outfile = join(dir.path, `${name}.mjs`);
	await build({stdin: {contents, resolveDir: inkBuild, loader: 'js'}, outfile, bundle: true, platform: 'node', format: 'esm', plugins: [boundInkCaches], logLevel: 'silent'});
	return (await import(pathToFileURL(outfile).href)) as T;
}

const inkModule = (file: string) => JSON.stringify(join(inkBuild, file));

async function bundledInkText(): Promise<InkText> {
	return bundledInk<InkText>('ink-text', `export {default as measureText} from ${inkModule('measure-text.js')};\nexport {default as wrapText} from ${inkModule('wrap-text.js')};`);
}

test("Ink's measure and wrap caches are bounded in the bundle: the first string is measured again after many others", async () => {
	const ink = await bundledInkText();
	const first = ink.measureText('<alice> hello');
	assert.deepEqual(first, {width: 13, height: 1});
	assert.equal(ink.measureText('<alice> hello'), first, 'a cached measurement is reused');
	for (let i = 0; i < INK_CACHE_ENTRIES; i++) ink.measureText(`<bob> line ${i}`);
	const again = ink.measureText('<alice> hello');
	assert.deepEqual(again, first, 'the same answer');
	assert.notEqual(again, first, 'but measured anew: the cache was emptied when full');

	// wrapText returns strings, whose identity says nothing: check it stays right across the bound.
	for (let i = 0; i < INK_CACHE_ENTRIES + 10; i++) {
		assert.equal(ink.wrapText(`word${i} word${i}`, 6 + String(i).length, 'wrap'), `word${i} \nword${i}`, 'Ink keeps the space at the break');
	}
	assert.equal(ink.wrapText('abcdefgh', 5, 'truncate'), 'abcd…');
});

test("the bundle's Ink cuts a text of several lines line by line (the feed is one <Text>), and keeps only the last long text", async () => {
	const ink = await bundledInkText();
	assert.equal(ink.wrapText('abcdefgh\nab\nabcdefghij', 5, 'truncate'), 'abcd…\nab\nabcd…', 'each line cut at the width, the short one untouched');
	assert.equal(ink.wrapText('\u001b[2m12:00\u001b[22m <bob> hello there\n\u001b[1mshort\u001b[22m', 10, 'truncate'), '\u001b[2m12:00\u001b[22m <bo…\n\u001b[1mshort\u001b[22m');
	const feed = Array.from({length: 40}, (_, i) => `<bob> row ${i} `.padEnd(60, 'x')).join('\n');
	assert.ok(feed.length > INK_CACHE_TEXT_MAX);
	const measured = ink.measureText(feed);
	assert.deepEqual(measured, {width: 60, height: 40});
	assert.equal(ink.measureText(feed), measured, 'the last long text is kept (the layout and the drawing ask for it in turn)');
	const next = `${feed}\n${'y'.repeat(70)}`;
	assert.deepEqual(ink.measureText(next), {width: 70, height: 41});
	const again = ink.measureText(feed);
	assert.deepEqual(again, measured, 'the same answer');
	assert.notEqual(again, measured, 'but measured anew: only the last long text is kept');
	assert.equal(ink.wrapText(feed, 20, 'truncate').split('\n').length, 40);
});

test("the bundle's Ink sanitises a text as Ink does, remembering the last one and the last long one", async () => {
	const sanitize = (await bundledInk<{default: (text: string) => string}>('ink-sanitize', `export {default} from ${inkModule('sanitize-ansi.js')};`)).default;
	const styled = '\u001b[1mbold\u001b[22m and \u001b[2J\u001b[Hcleared\u001b[5A';
	for (let i = 0; i < 3; i++) {
		assert.equal(sanitize(styled), '\u001b[1mbold\u001b[22m and cleared', 'SGR kept, cursor moves and clears dropped');
		assert.equal(sanitize('plain'), 'plain');
		assert.equal(sanitize(`x\u001b[3Ay${i}`), `xy${i}`);
	}
	// A long text (the feed) is remembered apart from the short ones squashed between its two
	// sanitises (the room bar): the answers stay right whichever comes in between.
	const long = (n: number) => Array.from({length: 40}, (_, i) => `\u001b[2m<bob>\u001b[22m row ${i + n}\u001b[2K`.padEnd(60, 'x')).join('\n');
	const clean = (n: number) => long(n).replaceAll('\u001b[2K', '');
	assert.ok(long(0).length > INK_CACHE_TEXT_MAX);
	// Text whose only escapes are SGR codes is given back as it is; anything else goes through
	// Ink's own tokeniser: the answers are Ink's own for both.
	const inks = ((await import(pathToFileURL(join(inkBuild, 'sanitize-ansi.js')).href)) as {default: (text: string) => string}).default;
	const cases = [
		'plain',
		'\u001b[2m12:00\u001b[22m \u001b[38;2;1;2;3m<bob>\u001b[39m hi',
		'\u001b[1mbold\u001b[22m\u001b[2J',
		'\u001b[4:3mcurly\u001b[24m',
		'a\u009b31mb',
		'a\u0085b\u001b[1m',
		'\u001b]8;;https://example.com\u0007link\u001b]8;;\u0007',
		'lone \u001b',
		'cut \u001b[',
		'cut \u001b[31',
		'\u001b[31m\u001b[Kred',
		'\u001b[mreset',
		long(3),
		clean(3),
	];
	for (const text of cases) assert.equal(sanitize(text), inks(text), JSON.stringify(text));
	for (const n of [0, 0, 1, 0]) {
		assert.equal(sanitize(long(n)), clean(n));
		assert.equal(sanitize(styled), '\u001b[1mbold\u001b[22m and cleared');
		assert.equal(sanitize(long(n)), clean(n));
	}
});

test('the TUI bundle that zchat join loads was built with the bounds', () => {
	const bundle = readFileSync(new URL('../tui.bundle.js', import.meta.url), 'utf8');
	assert.match(bundle, /if \(cache\.size >= \d+(e\d+)?\) cache\.clear\(\);/);
	assert.match(bundle, /if \(\+\+cacheEntries > \d+(e\d+)?\) \{/);
	assert.match(bundle, /text\.split\("\\n"\)\.map\(\(line\) => cliTruncate\(line, maxWidth/);
});
