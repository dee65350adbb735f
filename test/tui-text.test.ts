import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {clusterWidth, fitStart, graphemes, isWideCodePoint, textWidth, WIDTH_CACHE_ENTRIES} from '../src/ui/text-width.js';
import {wrapClusters, wrapLine, wrapText} from '../src/ui/wrap.js';

describe('text width', () => {
	test('ASCII is one column a character', () => {
		assert.equal(textWidth('hello, world'), 12);
		assert.equal(textWidth(''), 0);
	});

	test('CJK and fullwidth characters take two columns', () => {
		assert.equal(textWidth('日本語'), 6);
		assert.equal(textWidth('한국어'), 6);
		assert.equal(textWidth('ＡＢ'), 4);
		assert.equal(textWidth('a中b'), 4);
		assert.ok(isWideCodePoint(0x4e00));
		assert.ok(!isWideCodePoint(0x41));
		assert.ok(isWideCodePoint(0x20000));
	});

	test('combining marks and zero-width characters take none', () => {
		assert.equal(textWidth('e\u0301'), 1); // e + combining acute
		assert.equal(textWidth('Z\u0351\u036b\u0343'), 1);
		assert.equal(textWidth('a\u200bb'), 2);
		assert.equal(clusterWidth('\u0301'), 0);
	});

	test('emoji are two columns, a ZWJ family or a flag is one cluster of two', () => {
		assert.equal(textWidth('👍'), 2);
		assert.equal(textWidth('👨‍👩‍👧'), 2);
		assert.equal(textWidth('🇫🇷'), 2);
		assert.equal(textWidth('1\u20e3'), 2);
		assert.deepEqual(graphemes('a👨‍👩‍👧b'), ['a', '👨‍👩‍👧', 'b']);
	});

	test('emoji found by the cheap pre-check as by the full RGI pattern: presentation selectors, keycaps, skin tones, tag sequences', () => {
		// [text, columns]: a text-presentation character stays one column, its emoji form is two.
		const cases: Array<[string, number]> = [
			['\u00a9\ufe0f', 2], // ©️
			['\u00a9', 1], // ©
			['#\ufe0f\u20e3', 2], // #️⃣
			['*\ufe0f\u20e3', 2],
			['\u2764\ufe0f', 2], // ❤️
			['\u2764', 1], // ❤
			['\u{1F44D}\u{1F3FD}', 2], // 👍🏽
			['\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}', 2], // Scotland's flag, a tag sequence
		];
		const rgi = new RegExp('^\\p{RGI_Emoji}$', 'v');
		for (const [text, columns] of cases) {
			assert.equal(textWidth(text), columns, JSON.stringify(text));
			assert.equal(rgi.test(text), columns === 2, `${JSON.stringify(text)}: the full pattern agrees`);
		}
	});

	test('widths of non-ASCII texts are remembered and stay right when the memory fills and starts again', () => {
		const texts = ['● connected │ alice │ #lobby', '日本語', 'e\u0301', '👨‍👩‍👧 x', '── read up to here ──', '日'.repeat(300)];
		const widths = [28, 6, 1, 4, 21, 600];
		for (let round = 0; round < 3; round++) {
			texts.forEach((t, i) => assert.equal(textWidth(t), widths[i], `${JSON.stringify(t.slice(0, 20))}, round ${round}`));
			// Enough other texts to fill the memory past its bound.
			for (let i = 0; i < WIDTH_CACHE_ENTRIES + 5; i++) assert.equal(textWidth(`é${i}`), 1 + String(i).length);
		}
	});

	test('fitStart cuts at a cluster boundary without going over', () => {
		assert.deepEqual(fitStart('日本語', 3), {text: '日', width: 2});
		assert.deepEqual(fitStart('abc', 2), {text: 'ab', width: 2});
		assert.deepEqual(fitStart('e\u0301x', 1), {text: 'e\u0301', width: 1});
	});
});

describe('wrapping', () => {
	test('breaks at spaces, dropping the space at the break', () => {
		assert.deepEqual(wrapLine('the quick brown fox', 10), ['the quick', 'brown fox']);
		assert.deepEqual(wrapLine('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
	});

	test('a word longer than a row is broken inside', () => {
		assert.deepEqual(wrapLine('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
		assert.deepEqual(wrapLine('hi abcdefghij', 4), ['hi', 'abcd', 'efgh', 'ij']);
	});

	test('the first row and the rest can have different widths', () => {
		assert.deepEqual(wrapLine('one two three four', 8, 12), ['one two', 'three four']);
	});

	test('every row fits, measured in columns, with wide characters kept whole', () => {
		const rows = wrapLine('日本語のテキストを折り返す', 5);
		for (const r of rows) assert.ok(textWidth(r) <= 5, `${r} is ${textWidth(r)} wide`);
		assert.equal(rows.join(''), '日本語のテキストを折り返す');
		assert.deepEqual(wrapLine('ab日本', 3), ['ab', '日', '本']);
	});

	test('combining characters stay with their base', () => {
		const rows = wrapLine('e\u0301e\u0301e\u0301e\u0301', 2);
		assert.deepEqual(rows, ['e\u0301e\u0301', 'e\u0301e\u0301']);
	});

	test('an empty line is one empty row; a character wider than the row gets a row of its own', () => {
		assert.deepEqual(wrapLine('', 10), ['']);
		assert.deepEqual(wrapLine('日', 1), ['日']);
	});

	test('wrapText wraps each line of a multi-line text on its own', () => {
		assert.deepEqual(wrapText('first line\nsecond', 6), ['first', 'line', 'second']);
		assert.deepEqual(wrapText('a\n\nb', 5), ['a', '', 'b']);
	});

	test('printable ASCII is cut by index into the rows the cluster-by-cluster wrapping gives', () => {
		let s = 7;
		const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
		const pieces = [' ', ' ', '  ', 'a', 'word', 'longerword', 'x.y', 'https://example.com/a/long/path'];
		for (let k = 0; k < 3000; k++) {
			let text = '';
			for (let n = Math.floor(rnd() * 12); n > 0; n--) text += pieces[Math.floor(rnd() * pieces.length)];
			const first = Math.floor(rnd() * 12);
			const rest = Math.floor(rnd() * 12);
			assert.deepEqual(wrapLine(text, first, rest), wrapClusters(text, first, rest), JSON.stringify({text, first, rest}));
		}
	});
});
