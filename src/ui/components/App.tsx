import {Box} from 'ink';
import {useMemo, useState} from 'react';
import type {Client} from '../../client/client.js';
import {tabs} from '../bars.js';
import {activeScreen, feedModel} from '../feed-screen.js';
import {RowCache} from '../feed-rows.js';
import {useClientState} from '../hooks/useClientState.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {useUiInput} from '../hooks/useUiInput.js';
import {computeLayout, frameInterval} from '../layout.js';
import {LIVE} from '../viewport.js';
import {FeedView} from './FeedView.js';
import {InputLine} from './InputLine.js';
import {MemberList} from './MemberList.js';
import {RoomBar} from './RoomBar.js';
import {StatusBar} from './StatusBar.js';

export interface AppProps {
	readonly client: Client;
	readonly timestamps: boolean;
	readonly hubAddress: string;
}

/** The whole screen: room bar, feed and members, status bar, input line. */
export function App({client, timestamps, hubAddress}: AppProps) {
	const size = useTerminalSize();
	const {state, readMarkers} = useClientState(client, frameInterval(size.columns, size.rows));
	const [cache] = useState(() => new RowCache());
	const view = state.views[state.active];
	// A room you left has no member list to show (its tab stays until /close).
	const members = view && 'members' in view && view.joined ? view.members : undefined;
	const layout = computeLayout(size.columns, size.rows, members);
	const options = useMemo(() => ({width: layout.feedWidth, timestamps}), [layout.feedWidth, timestamps]);
	const model = useMemo(() => feedModel(state, readMarkers, options, cache), [state.active, view?.feed, readMarkers, options, cache]);
	const ui = useUiInput(client, () => ({
		state: client.state,
		feed: client.state.active === state.active ? model : feedModel(client.state, readMarkers, options, cache),
		height: layout.feedHeight,
	}));
	const scroll = ui.scroll[state.active] ?? LIVE;
	const screen = useMemo(() => activeScreen(state, model, scroll, layout.feedHeight, cache), [state, model, scroll, layout.feedHeight, cache]);
	// Widths are not fixed on the boxes: Ink draws once at a new terminal width before this
	// component hears of the resize, and rows cut to the terminal are harmless where rows
	// wider than it would wrap and scroll the screen.
	return (
		<Box flexDirection="column" height={layout.height}>
			<RoomBar tabs={tabs(state)} active={state.active} width={layout.columns} />
			<Box flexDirection="row" height={layout.feedHeight}>
				<FeedView rows={screen.rows} width={layout.feedWidth} height={layout.feedHeight} />
				{members && layout.memberWidth > 0 && <MemberList members={members} away={view && 'away' in view ? view.away : []} nick={state.nick} width={layout.memberWidth} height={layout.feedHeight} />}
			</Box>
			<StatusBar state={state} hubAddress={hubAddress} width={layout.columns} />
			<InputLine editor={ui.editor} prompt={`${state.active}› `} width={layout.columns} row={layout.inputRow} />
		</Box>
	);
}
