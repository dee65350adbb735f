import {Box, Text} from 'ink';
import {useMemo, useState} from 'react';
import {StyledRows} from '../ink-style.js';
import type {Row} from '../rows.js';

export interface FeedViewProps {
	/** At most `height` rows, already wrapped to `width`. */
	readonly rows: readonly Row[];
	readonly width: number;
	readonly height: number;
}

/**
 * The feed: rows at the bottom of their area, the newest last, drawn as ONE `<Text>` of all
 * its rows (one styled line each, never empty: see StyledRows) rather than a `<Text>` a row.
 * Under a flood every row on screen is new at each frame, and each Ink node costs its own
 * reconcile, layout (Yoga measures it through wasm), squash and sanitise; one node does the
 * same text work once (docs/PERFORMANCE.md). A row is cut, never wrapped, at a width
 * narrower than the one it was made for (the frame Ink draws at a new terminal width before
 * the app hears of it): the TUI's bundle makes Ink cut a text line by line
 * (scripts/ink-caches.ts), so each row keeps its own line.
 */
export function FeedView({rows, width, height}: FeedViewProps) {
	const [styles] = useState(() => new StyledRows());
	const text = useMemo(() => styles.lines(rows).join('\n'), [rows, styles]);
	return (
		<Box flexDirection="column" justifyContent="flex-end" flexGrow={1} flexShrink={1} flexBasis={width} height={height}>
			{rows.length > 0 && <Text wrap="truncate">{text}</Text>}
		</Box>
	);
}
