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
 */
export const boundInkCaches: Plugin = {
	name: 'bound-ink-caches',
	setup(b) {
		const patches: Record<string, Array<[string, string]>> = {
			'measure-text.js': [['cache.set(text, dimensions);', `if (text.length > ${INK_CACHE_TEXT_MAX}) return dimensions;\n    if (cache.size >= ${INK_CACHE_ENTRIES}) cache.clear();\n    cache.set(text, dimensions);`]],
			'wrap-text.js': [
				['const cache = {};', 'let cache = {};\nlet cacheEntries = 0;'],
				['cache[cacheKey] = wrappedText;', `if (text.length > ${INK_CACHE_TEXT_MAX}) return wrappedText;\n    if (++cacheEntries > ${INK_CACHE_ENTRIES}) {\n        cache = {};\n        cacheEntries = 1;\n    }\n    cache[cacheKey] = wrappedText;`],
				// And cut a text of several lines line by line, as a `<Text>` a line would be: the
				// feed is one `<Text>` of all its rows (src/ui/components/FeedView.tsx). Ink cuts the
				// whole text as if it were one line, so at a narrower width the feed became one row.
				['wrappedText = cliTruncate(text, maxWidth, { position });', "wrappedText = text.split('\\n').map(line => cliTruncate(line, maxWidth, { position })).join('\\n');"],
			],
		};
		b.onLoad({filter: /[\\/]ink[\\/]build[\\/](measure|wrap)-text\.js$/}, async args => {
			let contents = await readFile(args.path, 'utf8');
			for (const [from, to] of patches[args.path.replace(/^.*[\\/]/, '')]!) {
				if (!contents.includes(from)) throw new Error(`${args.path}: "${from}" not found; check that Ink's text caches are still unbounded`);
				contents = contents.replace(from, to);
			}
			return {contents, loader: 'js'};
		});
	},
};
