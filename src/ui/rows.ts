/**
 * A row is one line of the screen, already cut to fit: the view renders each as one Ink
 * `<Text wrap="truncate">`, so a row never takes more than one line and the number of rows
 * on screen is known before Ink lays them out.
 */

/** A run of text in one style. Colours are Ink's (chalk's) names. */
export interface Segment {
	readonly text: string;
	readonly color?: string;
	readonly backgroundColor?: string;
	readonly dim?: boolean;
	readonly bold?: boolean;
	readonly italic?: boolean;
	readonly inverse?: boolean;
}

export interface Row {
	/** Stable across renders (React key): the same row of the same item keeps its key. */
	readonly key: string;
	readonly segments: readonly Segment[];
}

/** A row of one style. */
export function plainRow(key: string, text: string, style: Omit<Segment, 'text'> = {}): Row {
	return {key, segments: [{text, ...style}]};
}

/** The text of a row, without styles (tests, measuring). */
export function rowText(row: Row): string {
	return row.segments.map(s => s.text).join('');
}
