import type {ClientState} from '../client/state.js';

/**
 * The "read up to here" lines on screen, per view. The client keeps a view's marker while
 * the view is in the background and drops it the moment the view becomes active, which is
 * exactly when the user starts reading it. So the TUI takes the marker from the state just
 * before the switch and keeps showing it until the user leaves that view again.
 */
export type ReadMarkers = Readonly<Record<string, string>>;

export function trackReadMarkers(markers: ReadMarkers, prev: ClientState, next: ClientState): ReadMarkers {
	if (prev.active === next.active) return markers;
	const {[prev.active]: _left, [next.active]: _old, ...rest} = markers;
	const marker = prev.views[next.active]?.readMarker;
	return marker === undefined ? rest : {...rest, [next.active]: marker};
}
