import {Box} from 'ink';
import {memo} from 'react';
import {memberRows} from '../bars.js';
import {RowText} from './RowText.js';

export interface MemberListProps {
	readonly members: readonly string[];
	/** Those of them who are away (greyed). */
	readonly away: readonly string[];
	/** Your nick (shown in bold). */
	readonly nick: string;
	/** Columns, its left border included. */
	readonly width: number;
	readonly height: number;
}

/** Who is in the room, on the right of the feed: drawn again only when one of its props changed, not at each frame of a busy feed. */
export const MemberList = memo(function MemberList({members, away, nick, width, height}: MemberListProps) {
	return (
		<Box flexDirection="column" width={width} flexShrink={0} height={height} borderStyle="single" borderTop={false} borderBottom={false} borderRight={false} borderDimColor>
			{memberRows(members, nick, height, away).map(row => (
				<RowText key={row.key} row={row} />
			))}
		</Box>
	);
});
