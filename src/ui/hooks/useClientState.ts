import {useEffect, useRef, useState} from 'react';
import type {Client} from '../../client/client.js';
import type {ClientState} from '../../client/state.js';
import {trackReadMarkers, type ReadMarkers} from '../read-markers.js';
import {drawsTheSame} from '../screen-state.js';
import {throttle} from '../throttle.js';

export interface ClientSnapshot {
	readonly state: ClientState;
	readonly readMarkers: ReadMarkers;
}

/**
 * The client's state for rendering, at most one update every `frameMs` however fast it changes,
 * and none when nothing on screen would change (see drawsTheSame). Read markers are followed
 * on every change (they are caught at the moment of a switch) and published with the state.
 */
export function useClientState(client: Client, frameMs: number): ClientSnapshot {
	const markersRef = useRef<ReadMarkers>({});
	const [snapshot, setSnapshot] = useState<ClientSnapshot>(() => ({state: client.state, readMarkers: markersRef.current}));
	useEffect(() => {
		let last = client.state;
		let shown: ClientSnapshot | undefined;
		const publish = throttle(() => {
			const state = client.state;
			const readMarkers = markersRef.current;
			if (shown && readMarkers === shown.readMarkers && drawsTheSame(shown.state, state)) return;
			shown = {state, readMarkers};
			setSnapshot(shown);
		}, frameMs);
		const onChange = (state: ClientState) => {
			markersRef.current = trackReadMarkers(markersRef.current, last, state);
			last = state;
			publish();
		};
		client.on('change', onChange);
		publish();
		return () => {
			client.off('change', onChange);
			publish.cancel();
		};
	}, [client, frameMs]);
	return snapshot;
}
