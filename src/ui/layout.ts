import {textWidth} from './text-width.js';

/**
 * Where everything goes on the screen, from its size. Ink clears the whole terminal on
 * every frame once the output is as tall as the terminal, so the TUI draws one row less.
 *
 *   row 0            room bar
 *   rows 1…n         feed            │ members (rooms only, on terminals ≥ 60 columns)
 *   row n+1          status bar
 *   row n+2          input line
 */
export interface Layout {
	readonly columns: number;
	/** Rows drawn (one less than the terminal has). */
	readonly height: number;
	readonly feedWidth: number;
	readonly feedHeight: number;
	/** Columns of the member list, its border included; 0 when hidden. */
	readonly memberWidth: number;
	/** The row of the input line. */
	readonly inputRow: number;
}

/** Below this many columns the member list is hidden: the feed needs the room. */
export const MEMBER_LIST_MIN_COLUMNS = 60;
const MEMBER_MIN = 8;
const MEMBER_MAX = 18;

export function computeLayout(columns: number, rows: number, members: readonly string[] | undefined): Layout {
	const cols = Math.max(10, columns);
	const height = Math.max(4, rows - 1);
	let memberWidth = 0;
	if (members !== undefined && cols >= MEMBER_LIST_MIN_COLUMNS) {
		let widest = textWidth(`${members.length} online`);
		for (const m of members) widest = Math.max(widest, textWidth(m));
		memberWidth = Math.min(MEMBER_MAX, Math.max(MEMBER_MIN, widest + 1)) + 1;
	}
	const feedHeight = height - 3;
	return {columns: cols, height, feedWidth: cols - memberWidth, feedHeight, memberWidth, inputRow: height - 1};
}

/**
 * How often the screen may follow the client, in ms. Ink's cost per frame grows with the
 * number of cells on screen (it rebuilds and re-tokenises every row), so a large terminal
 * under a flood of messages is drawn less often: about 30 frames a second up to 100×30,
 * down to 15 on a screen twice that area or more. A single message still shows at once
 * (the first change of a burst is drawn on the next turn of the event loop).
 */
export function frameInterval(columns: number, rows: number): number {
	const cells = Math.max(1, columns * rows);
	return Math.round(Math.min(66, Math.max(33, (33 * cells) / 3000)));
}
