import {Box} from 'ink';
import {fill, roomBar, type Tab} from '../bars.js';
import {RowText} from './RowText.js';

export interface RoomBarProps {
	readonly tabs: readonly Tab[];
	readonly active: string;
	readonly width: number;
}

/** The open rooms and conversations, with unread counts and mention markers. */
export function RoomBar({tabs, active, width}: RoomBarProps) {
	return (
		<Box height={1}>
			<RowText row={{key: 'rooms', segments: fill(roomBar(tabs, active, width), width)}} />
		</Box>
	);
}
