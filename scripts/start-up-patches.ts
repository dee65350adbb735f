/**
 * The esbuild plugins that take work off the TUI's start (docs/PERFORMANCE.md, "first frame"):
 * Yoga's WebAssembly loaded without `fetch`, and string-width's emoji check compiled only for
 * text that can hold an emoji.
 */
import type {Plugin} from 'esbuild';
import {readFile} from 'node:fs/promises';

/** The names of the patching plugins that patched a file in this process's builds. */
const applied = new Set<string>();

/** A patching plugin has patched a file (checked after the build by `requireApplied`). */
export function patched(name: string): void {
	applied.add(name);
}

/**
 * Fail unless each of these plugins patched a file: a library that moved or renamed the file
 * a plugin looks for would otherwise leave the bundle unpatched without a word.
 */
export function requireApplied(plugins: readonly Plugin[]): void {
	const missing = plugins.filter(p => !applied.has(p.name)).map(p => p.name);
	if (missing.length > 0) throw new Error(`the TUI bundle: ${missing.join(', ')} found no file to patch; a library's files moved (scripts/start-up-patches.ts, scripts/ink-one-write.ts)`);
}

/**
 * A plugin that makes each replacement in the files `file` matches (unless `skip` says to leave
 * one alone), and fails the build unless each `from` is there exactly once and each name of
 * `counted` occurs as often as said (a replacement that changes what a name holds must see
 * every use of it).
 */
function patch(
	name: string,
	file: RegExp,
	edits: ReadonlyArray<readonly [from: string, to: string]>,
	what: string,
	skip = (_path: string) => false,
	counted: ReadonlyArray<readonly [name: string, times: number]> = [],
): Plugin {
	return {
		name,
		setup(b) {
			b.onLoad({filter: file}, async args => {
				if (skip(args.path)) return undefined;
				let contents = await readFile(args.path, 'utf8');
				for (const [used, times] of counted) {
					const found = contents.split(used).length - 1;
					if (found !== times) throw new Error(`${args.path}: "${used}" found ${found} times, not ${times}; check ${what} (scripts/start-up-patches.ts)`);
				}
				for (const [from, to] of edits) {
					if (contents.split(from).length !== 2) throw new Error(`${args.path}: "${from}" not found once; check ${what} (scripts/start-up-patches.ts)`);
					contents = contents.replace(from, to);
				}
				patched(name);
				return {contents, loader: 'js'};
			});
		},
	};
}

/**
 * Yoga's Emscripten loader (yoga-layout 3, which Ink lays out with) gets its own embedded
 * `data:` URL through `fetch` whenever `fetch` is a function. In Node 20 merely reading the
 * global `fetch` loads undici, Node's HTTP client: 60–70 ms before the first frame, for bytes
 * already in memory. The loader's other path, taken when there is no `fetch`, decodes the same
 * base64 with `atob`: take that one always.
 */
export const yogaNoFetch = patch(
	'yoga-no-fetch',
	/[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/,
	[['function ya(){return w||"function"!=typeof fetch?', 'function ya(){return !0?']],
	'how Yoga loads its WebAssembly',
);

/**
 * string-width (which Ink measures text with) tests every cluster of a text that is not plain
 * ASCII against `^\p{RGI_Emoji}$`; V8 takes 30–40 ms to build that pattern (thousands of
 * sequences), at load, and 40–60 ms to compile it the first time it runs, and the first frame's
 * status bar ("● connected") is such a text. The pattern is now built when first needed.
 * Every RGI emoji sequence holds a non-ASCII code point with the Emoji property or is a keycap
 * (U+20E3) (Unicode TS #51: basic emoji, flags, modifier, tag and ZWJ sequences are built on
 * such a code point), so a cluster with neither (a digit, "●") is not one: the cheap test goes
 * first, and the answer is the same.
 */
export const stringWidthEmojiLater = patch(
	'string-width-emoji-later',
	/[\\/]node_modules[\\/]string-width[\\/]index\.js$/,
	[
		['const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;', 'let rgiEmojiRegex;\nconst emojiCodePointRegex = /[\\p{Emoji}--[\\0-\\x7f]]|\\u20e3/v;'],
		[
			'if (rgiEmojiRegex.test(segment) || isDoubleWidthNonRgiEmojiSequence(segment)) {',
			'if ((emojiCodePointRegex.test(segment) && (rgiEmojiRegex ??= /^\\p{RGI_Emoji}$/v).test(segment)) || isDoubleWidthNonRgiEmojiSequence(segment)) {',
		],
	],
	'how string-width finds emoji',
	// wrap-ansi's own string-width (7) finds emoji with emoji-regex; Ink only wraps text that is too wide, which zchat's rows never are.
	path => /[\\/]wrap-ansi[\\/]node_modules[\\/]/.test(path),
	// The pattern is no longer made at load: its declaration and the one test above must be its only uses.
	[['rgiEmojiRegex', 2]],
);
