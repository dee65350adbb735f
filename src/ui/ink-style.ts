/**
 * A row's segments as one styled string, made the way Ink's `<Text>` styles its children (the
 * same chalk calls in the same order), so one `<Text>` a row draws what a `<Text>` a segment did.
 */
import chalk from 'chalk';
import {FrameMap} from './frame-map.js';
import type {Row, Segment} from './rows.js';

const RGB = /^rgb\(\s?(\d+),\s?(\d+),\s?(\d+)\s?\)$/;
const ANSI256 = /^ansi256\(\s?(\d+)\s?\)$/;

/** Ink's colorize (ink/build/colorize.js): a chalk name, #hex, ansi256(n) or rgb(r,g,b). */
function colorize(text: string, color: string, background: boolean): string {
	if (color in chalk) {
		const name = background ? `bg${color[0]!.toUpperCase()}${color.slice(1)}` : color;
		return (chalk as unknown as Record<string, (s: string) => string>)[name]!(text);
	}
	if (color.startsWith('#')) return background ? chalk.bgHex(color)(text) : chalk.hex(color)(text);
	const n = ANSI256.exec(color);
	if (color.startsWith('ansi256')) return n ? (background ? chalk.bgAnsi256(Number(n[1])) : chalk.ansi256(Number(n[1])))(text) : text;
	const rgb = RGB.exec(color);
	if (color.startsWith('rgb') && rgb) {
		const [r, g, b] = [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
		return background ? chalk.bgRgb(r, g, b)(text) : chalk.rgb(r, g, b)(text);
	}
	return text;
}

/** One segment as Ink's Text transform gives it: dim, colour, background, bold, italic, inverse. */
export function styleSegment(s: Segment): string {
	let text = s.text;
	if (text === '') return text;
	if (s.dim) text = chalk.dim(text);
	if (s.color) text = colorize(text, s.color, false);
	if (s.backgroundColor) text = colorize(text, s.backgroundColor, true);
	if (s.bold) text = chalk.bold(text);
	if (s.italic) text = chalk.italic(text);
	if (s.inverse) text = chalk.inverse(text);
	return text;
}

/** A row as one string (a space when it has no text: Ink draws an empty row only when it has something). */
function rowString(row: Row): string {
	return row.segments.every(s => s.text === '') ? ' ' : row.segments.map(styleSegment).join('');
}

const styled = new WeakMap<Row, string>();

/** A row as one string, remembered as long as the row lives (the bars' and member list's rows). */
export function styleRow(row: Row): string {
	let out = styled.get(row);
	if (out === undefined) {
		out = rowString(row);
		styled.set(row, out);
	}
	return out;
}

/**
 * Rows as styled strings, remembering those of the last call only: the feed's rows still on
 * screen are not styled again, and the strings of rows that left it are forgotten with them
 * (under a flood every row is new at each frame: see RowCache in feed-rows.ts).
 */
export class StyledRows {
	private readonly kept = new FrameMap<Row, string>();

	lines(rows: readonly Row[]): string[] {
		const out = rows.map(row => {
			let line = this.kept.get(row);
			if (line === undefined) {
				line = rowString(row);
				this.kept.set(row, line);
			}
			return line;
		});
		// What this call drew is kept for the next; what the one before drew and this did not is dropped.
		this.kept.nextFrame();
		return out;
	}
}
