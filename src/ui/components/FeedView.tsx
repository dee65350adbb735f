import {Box} from 'ink';
import type {Row} from '../rows.js';
import {RowText} from './RowText.js';

export interface FeedViewProps {
	/** At most `height` rows, already wrapped to `width`. */
	readonly rows: readonly Row[];
	readonly width: number;
	readonly height: number;
}

/**
 * The feed: rows at the bottom of their area, the newest last. Rows are keyed by their place
 * counted from the bottom, not by what they show: when the feed scrolls, each place keeps its
 * Ink node and gets new text, rather than every row that moved being unmounted and mounted
 * again (under a flood every row on screen is new at each frame).
 */
export function FeedView({rows, width, height}: FeedViewProps) {
	return (
		<Box flexDirection="column" justifyContent="flex-end" flexGrow={1} flexShrink={1} flexBasis={width} height={height}>
			{rows.map((row, i) => (
				<RowText key={rows.length - i} row={row} />
			))}
		</Box>
	);
}
