import {Box} from 'ink';
import type {ClientState} from '../../client/state.js';
import {fill, statusBar} from '../bars.js';
import {theme} from '../theme.js';
import {RowText} from './RowText.js';

export interface StatusBarProps {
	readonly state: ClientState;
	/** Where the hub is (shown while connecting). */
	readonly hubAddress: string;
	readonly width: number;
}

/** Connection, nick, room, topic: one row on a coloured background. */
export function StatusBar({state, hubAddress, width}: StatusBarProps) {
	return (
		<Box height={1}>
			<RowText row={{key: 'status', segments: fill(statusBar(state, hubAddress, width), width, {backgroundColor: theme.bar})}} />
		</Box>
	);
}
