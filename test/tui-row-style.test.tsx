import assert from 'node:assert/strict';
import {test} from 'node:test';
import type React from 'react';
import chalk from 'chalk';
import {Box, Text, renderToString} from 'ink';
import {RowText} from '../src/ui/components/RowText.js';
import {StyledRows, styleRow} from '../src/ui/ink-style.js';
import type {Row, Segment} from '../src/ui/rows.js';
import {NICK_PALETTE, theme} from '../src/ui/theme.js';

/**
 * A row is drawn as one `<Text>` holding its segments pre-styled (src/ui/ink-style.ts); it must
 * give the frame a `<Text>` a segment gave, byte for byte, with colours on: every style zchat
 * uses and more, alone and together, empty segments, rows cut at the width.
 */

/** The row as it was drawn before: a nested `<Text>` for each segment. */
function SegmentRow({row}: {readonly row: Row}) {
	const empty = row.segments.every(s => s.text === '');
	return (
		<Text wrap="truncate">
			{empty
				? ' '
				: row.segments.map((s, i) => (
						<Text key={i} color={s.color} backgroundColor={s.backgroundColor} dimColor={s.dim} bold={s.bold} italic={s.italic} inverse={s.inverse}>
							{s.text}
						</Text>
					))}
		</Text>
	);
}

function random(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
		return s / 2 ** 32;
	};
}

const COLORS = [undefined, ...NICK_PALETTE, ...Object.values(theme.connection), theme.error, theme.mention, theme.bar, '#ff8800', 'ansi256(200)', 'rgb(10, 20, 30)', 'nonsense'];
const TEXTS = ['', ' ', 'hello', '<bob>', '12:34 ', 'x'.repeat(80), '日本語', '😀 ok', 'e\u0301', '─'.repeat(30), 'tail '];

function segment(rnd: () => number): Segment {
	const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
	const s: {-readonly [K in keyof Segment]: Segment[K]} = {text: pick(TEXTS)};
	const color = pick(COLORS);
	if (color) s.color = color;
	if (rnd() < 0.3) s.backgroundColor = pick(COLORS.filter(c => c !== undefined));
	if (rnd() < 0.3) s.dim = true;
	if (rnd() < 0.3) s.bold = true;
	if (rnd() < 0.2) s.italic = true;
	if (rnd() < 0.2) s.inverse = true;
	return s;
}

test('a row drawn as one pre-styled Text is the frame of a Text a segment, colours on', () => {
	const level = chalk.level;
	chalk.level = 3;
	try {
		const rnd = random(16);
		let styled = 0;
		for (let i = 0; i < 1500; i++) {
			const row: Row = {key: `r${i}`, segments: Array.from({length: Math.floor(rnd() * 6)}, () => segment(rnd))};
			const columns = 5 + Math.floor(rnd() * 120);
			const frame = (Row: (props: {readonly row: Row}) => React.ReactNode) =>
				renderToString(
					<Box width={columns}>
						<Row row={row} />
					</Box>,
					{columns},
				);
			const want = frame(SegmentRow);
			assert.equal(frame(RowText), want, `row ${JSON.stringify(row)} at ${columns} columns`);
			if (want.includes('\x1b[')) styled++;
		}
		assert.ok(styled > 1000, `only ${styled} of the rows had colours: the comparison would prove little`);
	} finally {
		chalk.level = level;
	}
});

test("the feed's rows are styled as RowText styles them, the same row the same way again", () => {
	const styles = new StyledRows();
	const rows: Row[] = [
		{key: 'a', segments: [{text: '<', dim: true}, {text: 'bob', color: NICK_PALETTE[0], bold: true}, {text: '> hi'}]},
		{key: 'b', segments: [{text: ''}]},
		{key: 'c', segments: [{text: 'plain'}]},
	];
	assert.deepEqual(styles.lines(rows), rows.map(styleRow));
	const next = [rows[2]!, rows[0]!, rows[0]!];
	assert.deepEqual(styles.lines(next), next.map(styleRow));
	assert.deepEqual(styles.lines([rows[1]!]), [' ']);
});
