import type {Plugin} from 'esbuild';
import {readFile} from 'node:fs/promises';

/** Entries each of Ink's text caches may hold before it starts again (a screen needs a few hundred). */
export const INK_CACHE_ENTRIES = 5000;

/**
 * Longer texts are measured and cut each time, never kept: the feed is one text of all its
 * rows (src/ui/components/FeedView.tsx), new at every frame under a flood, and 5000 of those
 * would hold tens of megabytes. A row is a few hundred characters at most.
 */
export const INK_CACHE_TEXT_MAX = 1000;

/**
 * Ink 6 keeps every distinct string it has measured or wrapped, for ever, in two module-level
 * caches (measure-text.js, wrap-text.js; vadimdemedes/ink#986, bounded in Ink 7, which needs
 * Node 22). A chat shows new text with every message: at 1000 messages a second the TUI's live
 * heap grew 37.0 -> 42.5 MB between 20 s and 50 s, with 42,000 entries in measureText's cache.
 * Bound both: when a cache is full it is emptied, and the next frame measures its text again.
 * The build fails if Ink's code no longer looks as expected, rather than ship the leak.
 *
 * The same plugin patches the rest of Ink's text handling the feed needs, being one `<Text>`
 * of all its rows (src/ui/components/FeedView.tsx): cutting line by line, and measuring that
 * long text once a frame instead of two or three times, and sanitising it once a frame (the
 * last long text is remembered apart from the last short one).
 */
export const boundInkCaches: Plugin = {
	name: 'bound-ink-caches',
	setup(b) {
		const patches: Record<string, Array<[string, string]>> = {
			'measure-text.js': [
				// A long text (the feed) is kept alone, the last one measured: Yoga's layout and the
				// frame's drawing ask for the same text, and the next frame's is another.
				['const cache = new Map();', 'const cache = new Map();\nlet longText;\nlet longDimensions;'],
				['const cachedDimensions = cache.get(text);', 'if (text === longText) return longDimensions;\n    const cachedDimensions = cache.get(text);'],
				[
					'cache.set(text, dimensions);',
					`if (text.length > ${INK_CACHE_TEXT_MAX}) {\n        longText = text;\n        longDimensions = dimensions;\n        return dimensions;\n    }\n    if (cache.size >= ${INK_CACHE_ENTRIES}) cache.clear();\n    cache.set(text, dimensions);`,
				],
			],
			// The frame's drawing measures a text through measureText too (its answer is the same
			// widestLine), so the feed is measured once a frame, not once for the layout and again.
			'render-node-to-output.js': [
				["import widestLine from 'widest-line';", "import widestLine from 'widest-line';\nimport measureText from './measure-text.js';"],
				['const currentWidth = widestLine(text);', 'const currentWidth = measureText(text).width;'],
			],
			// Ink sanitises a text's escape codes each time it squashes it: for the layout and again
			// to draw it. The last one is remembered (squashing the feed's one text node gives the
			// very same string again, so the comparison is by identity), and the last long one apart:
			// drawing squashes the room bar's text between the feed's two, which would displace it.
			// A text whose only escapes are SGR codes (all zchat draws: its peer text is sanitised
			// already) is returned as it is, as Ink's tokeniser would give it back, without
			// tokenising it character by character.
			'sanitize-ansi.js': [
				[
					'const sanitizeAnsi = (text) => {',
					`let lastIn;\nlet lastOut;\nlet longIn;\nlet longOut;\nconst sanitizeAnsi = (text) => {\n    if (text.length > ${INK_CACHE_TEXT_MAX}) {\n        if (text !== longIn) {\n            longIn = text;\n            longOut = sanitize(text);\n        }\n        return longOut;\n    }\n    if (text === lastIn) return lastOut;\n    lastIn = text;\n    lastOut = sanitize(text);\n    return lastOut;\n};\nconst beyondSgr = /[\\u0080-\\u009f]|\\u001b(?!\\[[0-9;]*m)/;\nconst sanitize = (text) => {\n    if (!beyondSgr.test(text)) return text;`,
				],
			],
			'wrap-text.js': [
				['const cache = {};', 'let cache = {};\nlet cacheEntries = 0;'],
				['cache[cacheKey] = wrappedText;', `if (text.length > ${INK_CACHE_TEXT_MAX}) return wrappedText;\n    if (++cacheEntries > ${INK_CACHE_ENTRIES}) {\n        cache = {};\n        cacheEntries = 1;\n    }\n    cache[cacheKey] = wrappedText;`],
				// And cut a text of several lines line by line, as a `<Text>` a line would be: the
				// feed is one `<Text>` of all its rows (src/ui/components/FeedView.tsx). Ink cuts the
				// whole text as if it were one line, so at a narrower width the feed became one row.
				['wrappedText = cliTruncate(text, maxWidth, { position });', "wrappedText = text.split('\\n').map(line => cliTruncate(line, maxWidth, { position })).join('\\n');"],
			],
		};
		b.onLoad({filter: /[\\/]ink[\\/]build[\\/]((measure|wrap)-text|render-node-to-output|sanitize-ansi)\.js$/}, async args => {
			let contents = await readFile(args.path, 'utf8');
			for (const [from, to] of patches[args.path.replace(/^.*[\\/]/, '')]!) {
				if (!contents.includes(from)) throw new Error(`${args.path}: "${from}" not found; check Ink's text code against scripts/ink-caches.ts`);
				contents = contents.replace(from, to);
			}
			return {contents, loader: 'js'};
		});
	},
};
