import {Box} from 'ink';
import type {Row} from '../rows.js';
import {RowText} from './RowText.js';

export interface FeedViewProps {
	/** At most `height` rows, already wrapped to `width`. */
	readonly rows: readonly Row[];
	readonly width: number;
	readonly height: number;
}

/** The feed: rows at the bottom of their area, the newest last. */
export function FeedView({rows, width, height}: FeedViewProps) {
	return (
		<Box flexDirection="column" justifyContent="flex-end" flexGrow={1} flexShrink={1} flexBasis={width} height={height}>
			{rows.map(row => (
				<RowText key={row.key} row={row} />
			))}
		</Box>
	);
}
