/**
 * A faster stand-in for Ink 6's `Output` (ink/build/output.js), put in its place when the TUI is
 * bundled (scripts/ink-output.ts): the same interface and the same frame, byte for byte.
 *
 * Ink's `get()` fills a grid of one object per cell (12,000 at 200×60), cuts every line of text
 * into styled characters (tokenising its escape codes) and joins the grid back into a string,
 * on every frame: at 1000 messages a second that was a third of the TUI's CPU and much of its
 * garbage. Here each row keeps the texts written on it; where they do not overlap and fit the
 * width (every row zchat draws), the row is those texts joined with the escape codes Ink's
 * serialiser would put between them, each text's own part worked out once and remembered
 * while it stays on screen. Any other row (overlaps, text past the edge) is built cell by
 * cell as Ink does.
 */
import {ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental, styledCharsFromTokens, styledCharsToString, tokenize, type AnsiCode, type StyledChar} from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import {FrameMap} from './frame-map.js';

type Transformer = (line: string, index: number) => string;

interface Clip {
	readonly x1?: number;
	readonly x2?: number;
	readonly y1?: number;
	readonly y2?: number;
}

type Operation = {readonly type: 'write'; readonly x: number; readonly y: number; readonly text: string; readonly transformers: readonly Transformer[]} | {readonly type: 'clip'; readonly clip: Clip} | {readonly type: 'unclip'};

/** A line of text as Ink's serialiser sees it: its cells and the string its characters make. */
interface LinePiece {
	/** Columns it takes on Ink's grid (each character at least one). */
	readonly cells: number;
	readonly first: Styles;
	readonly last: Styles;
	/** Its characters with the codes between them, without the codes before the first and after the last. */
	readonly body: string;
}

/** Entries each cache holds before it starts again: a screen needs a few hundred. */
export const OUTPUT_CACHE_ENTRIES = 4000;

/** Longer keys (a whole text of many lines) are worked out each time, never kept. */
const CACHE_KEY_MAX = 1000;

/** Entries kept until a bound: what a screen has a few dozen of (runs of SGR codes, styles, changes of style). */
class BoundedCache<V> {
	private map = new Map<string, V>();
	get(key: string, make: (key: string) => V): V {
		if (key.length > CACHE_KEY_MAX) return make(key);
		let v = this.map.get(key);
		if (v === undefined) {
			if (this.map.size >= OUTPUT_CACHE_ENTRIES) this.map = new Map();
			v = make(key);
			this.map.set(key, v);
		}
		return v;
	}
	get size(): number {
		return this.map.size;
	}
}

/**
 * Entries of this frame and the last one only: a line still on screen is found again, a line
 * gone for a frame is forgotten. Under a flood every line of the feed is new at each frame;
 * kept until a bound of thousands, they lived for seconds, long enough for the collector to
 * move them to the old generation and collect them there (docs/PERFORMANCE.md).
 */
class FrameCache<V> {
	private readonly map = new FrameMap<string, V>(OUTPUT_CACHE_ENTRIES / 2);
	get(key: string, make: (key: string) => V): V {
		if (key.length > CACHE_KEY_MAX) return make(key);
		let v = this.map.get(key);
		if (v === undefined) {
			v = make(key);
			this.map.set(key, v);
		}
		return v;
	}
	nextFrame(): void {
		this.map.nextFrame();
	}
	get size(): number {
		return this.map.size;
	}
}

const widths = new FrameCache<number>();
const blockWidths = new FrameCache<number>();
const pieces = new FrameCache<LinePiece>();
/** A run of SGR codes as the tokeniser splits it (a screen has a few dozen different runs). */
const sgrCodes = new BoundedCache<AnsiCode[]>();

const width = (text: string) => widths.get(text, stringWidth);
const widestLine = (text: string) => blockWidths.get(text, t => Math.max(0, ...t.split('\n').map(width)));
const styledChars = (line: string): StyledChar[] => styledCharsFromTokens(tokenize(line));
const codes = (list: AnsiCode[]) => (list.length === 0 ? '' : ansiCodesToString(list));

/** A line of printable ASCII and SGR codes only: every character one cell, one grapheme. */
const PLAIN = /^(?:[\x20-\x7e]|\x1b\[[0-9;]*m)*$/;
const SGR_RUN = /(?:\x1b\[[0-9;]*m)+/g;

/**
 * A list of reduced styles, one object for each distinct list (by its codes, in order), so
 * what it takes to go from one to another is worked out once and found by identity: a screen
 * has a few dozen styles, and diffing two lists with the tokeniser's functions builds sets
 * each time.
 */
interface Styles {
	readonly key: string;
	readonly codes: AnsiCode[];
	/** The codes that open them (ansiCodesToString). */
	readonly open: string;
	/** The styles after a run of SGR codes, by the run. */
	readonly runs: Map<string, Styles>;
	/** The codes from these styles to others. */
	readonly changes: Map<Styles, string>;
}

/** Transitions each Styles remembers before it starts again (a screen needs a few). */
const TRANSITIONS_MAX = 256;

const newStyles = (key: string, list: AnsiCode[]): Styles => ({key, codes: list, open: codes(list), runs: new Map(), changes: new Map()});
const NO_STYLES = newStyles('', []);
const stylesByKey = new BoundedCache<Styles>();

/** The one Styles for a reduced list (a code's end code follows from the code, so the codes are the key). */
function stylesOf(list: AnsiCode[]): Styles {
	if (list.length === 0) return NO_STYLES;
	let key = '';
	for (const c of list) key += c.code;
	return stylesByKey.get(key, () => newStyles(key, list));
}

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
	if (map.size >= TRANSITIONS_MAX) map.clear();
	map.set(key, value);
	return value;
}

function applyRun(from: Styles, run: string): Styles {
	// The run is codes only: it has no characters.
	return from.runs.get(run) ?? remember(from.runs, run, stylesOf(reduceAnsiCodesIncremental(from.codes, sgrCodes.get(run, r => tokenize(r) as AnsiCode[]))));
}

/** The codes Ink's serialiser writes between a character in `from` and the next in `to`. */
function change(from: Styles, to: Styles): string {
	if (from === to) return '';
	return from.changes.get(to) ?? remember(from.changes, to, codes(diffAnsiCodes(from.codes, to.codes)));
}

function piece(line: string): LinePiece {
	return PLAIN.test(line) ? plainPiece(line) : anyPiece(line);
}

/**
 * A plain line's piece without a styled object per character: between two codes every
 * character has the same styles, so the codes between characters are those at the runs'
 * edges. The styles are reduced and diffed by the tokeniser's own functions, so the result is
 * what `anyPiece` gives (test/tui-ink-output.test.ts compares both with Ink's).
 */
function plainPiece(line: string): LinePiece {
	let styles = NO_STYLES;
	let first: Styles | undefined;
	let last = NO_STYLES;
	let body = '';
	let cells = 0;
	let at = 0;
	const text = (to: number) => {
		if (to <= at) return;
		if (first === undefined) first = styles;
		else body += change(last, styles);
		body += line.slice(at, to);
		cells += to - at;
		last = styles;
	};
	for (const m of line.matchAll(SGR_RUN)) {
		text(m.index);
		styles = applyRun(styles, m[0]);
		at = m.index + m[0].length;
	}
	text(line.length);
	return {cells, first: first ?? NO_STYLES, last, body};
}

function anyPiece(line: string): LinePiece {
	const chars = styledChars(line);
	let cells = 0;
	let body = '';
	for (let i = 0; i < chars.length; i++) {
		const c = chars[i]!;
		cells += Math.max(1, width(c.value));
		if (i > 0) body += codes(diffAnsiCodes(chars[i - 1]!.styles, c.styles));
		body += c.value;
	}
	return {cells, first: stylesOf(chars[0]?.styles ?? []), last: stylesOf(chars[chars.length - 1]?.styles ?? []), body};
}

/** What was written on one row: where, and the text (transformed, clipped). */
interface Placement {
	readonly x: number;
	readonly line: string;
	readonly piece: LinePiece;
}

/** Entries in each of the caches (tests). */
export function outputCacheSizes(): {widths: number; blockWidths: number; pieces: number} {
	return {widths: widths.size, blockWidths: blockWidths.size, pieces: pieces.size};
}

export default class Output {
	readonly width: number;
	readonly height: number;
	private readonly operations: Operation[] = [];

	constructor(options: {width: number; height: number}) {
		this.width = options.width;
		this.height = options.height;
	}

	write(x: number, y: number, text: string, options: {transformers: readonly Transformer[]}): void {
		if (!text) return;
		this.operations.push({type: 'write', x, y, text, transformers: options.transformers});
	}

	clip(clip: Clip): void {
		this.operations.push({type: 'clip', clip});
	}

	unclip(): void {
		this.operations.push({type: 'unclip'});
	}

	get(): {output: string; height: number} {
		for (const cache of [widths, blockWidths, pieces]) cache.nextFrame();
		const rows: Placement[][] = Array.from({length: this.height}, () => []);
		const clips: Clip[] = [];
		for (const operation of this.operations) {
			if (operation.type === 'clip') clips.push(operation.clip);
			else if (operation.type === 'unclip') clips.pop();
			else this.place(operation, clips.at(-1), rows);
		}
		return {output: rows.map(row => this.row(row)).join('\n'), height: rows.length};
	}

	/** Ink's clipping, then each line of the text onto its row. */
	private place(operation: Extract<Operation, {type: 'write'}>, clip: Clip | undefined, rows: Placement[][]): void {
		const {text, transformers} = operation;
		let {x, y} = operation;
		let lines = text.split('\n');
		if (clip) {
			const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
			const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
			if (clipHorizontally && (x + widestLine(text) < clip.x1! || x > clip.x2!)) return;
			if (clipVertically && (y + lines.length < clip.y1! || y > clip.y2!)) return;
			if (clipHorizontally) {
				lines = lines.map(line => {
					const from = x < clip.x1! ? clip.x1! - x : 0;
					const w = width(line);
					const to = x + w > clip.x2! ? clip.x2! - x : w;
					return sliceAnsi(line, from, to);
				});
				if (x < clip.x1!) x = clip.x1!;
			}
			if (clipVertically) {
				const from = y < clip.y1! ? clip.y1! - y : 0;
				const to = y + lines.length > clip.y2! ? clip.y2! - y : lines.length;
				lines = lines.slice(from, to);
				if (y < clip.y1!) y = clip.y1!;
			}
		}
		let offsetY = 0;
		for (let [index, line] of lines.entries()) {
			const row = rows[y + offsetY];
			// As in Ink: a line below the output (or above it) is skipped, and so are the rest.
			if (!row) continue;
			for (const transformer of transformers) line = transformer(line, index);
			row.push({x, line, piece: pieces.get(line, piece)});
			offsetY++;
		}
	}

	/** One row as Ink's serialiser writes it. */
	private row(placements: Placement[]): string {
		const sorted = placements.filter(p => p.piece.cells > 0).sort((a, b) => a.x - b.x);
		let at = 0;
		for (const p of sorted) {
			if (!Number.isInteger(p.x) || p.x < at) return this.slowRow(placements);
			at = p.x + p.piece.cells;
		}
		if (at > this.width || !Number.isInteger(this.width)) return this.slowRow(placements);
		let out = '';
		let prev: Styles | undefined;
		let col = 0;
		const blanks = (to: number) => {
			if (to <= col) return;
			out += prev === undefined ? '' : change(prev, NO_STYLES);
			out += ' '.repeat(to - col);
			prev = NO_STYLES;
			col = to;
		};
		for (const p of sorted) {
			blanks(p.x);
			out += prev === undefined ? p.piece.first.open : change(prev, p.piece.first);
			out += p.piece.body;
			prev = p.piece.last;
			col = p.x + p.piece.cells;
		}
		blanks(this.width);
		out += change(prev ?? NO_STYLES, NO_STYLES);
		return out.trimEnd();
	}

	/** Ink's own way: a cell per column, written over in order, then serialised. */
	private slowRow(placements: Placement[]): string {
		const cells: Array<StyledChar | undefined> = [];
		for (let x = 0; x < this.width; x++) cells.push({type: 'char', value: ' ', fullWidth: false, styles: []});
		for (const p of placements) {
			let offsetX = p.x;
			for (const character of styledChars(p.line)) {
				cells[offsetX] = character;
				const w = Math.max(1, width(character.value));
				for (let i = 1; i < w; i++) cells[offsetX + i] = {type: 'char', value: '', fullWidth: false, styles: character.styles};
				offsetX += w;
			}
		}
		return styledCharsToString(cells.filter((c): c is StyledChar => c !== undefined)).trimEnd();
	}
}
