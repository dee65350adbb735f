import {useStdin} from 'ink';
import {useEffect, useReducer, useRef} from 'react';
import type {Client} from '../../client/client.js';
import {assertNever} from '../../protocol/exhaustive.js';
import {INITIAL_UI, onInput, type InputContext, type UiEffect, type UiState} from '../input-reducer.js';

function perform(client: Client, effect: UiEffect): void {
	switch (effect.type) {
		case 'line':
			return client.line(effect.text);
		case 'intent':
			return client.intent(effect.intent);
		case 'activate':
			return client.activate(effect.view);
		case 'older':
			return client.older(effect.view);
		case 'leave':
			return client.leave();
		default:
			assertNever(effect, 'ui effect');
	}
}

/**
 * The keyboard: every input event Ink's parser delivers goes through the pure input
 * reducer; its effects are carried out on the client. Reads Ink's raw input events rather
 * than `useInput`, which cannot tell a bracketed paste from typing (see keys.ts).
 * `context` is asked for the current feed and screen size at each event.
 */
export function useUiInput(client: Client, context: () => InputContext): UiState {
	const {internal_eventEmitter: events, setRawMode, isRawModeSupported} = useStdin();
	const ui = useRef<UiState>(INITIAL_UI);
	const contextRef = useRef(context);
	contextRef.current = context;
	const [, rerender] = useReducer((n: number) => n + 1, 0);
	useEffect(() => {
		if (isRawModeSupported) setRawMode(true);
		const onEvent = (event: string) => {
			const result = onInput(ui.current, event, contextRef.current());
			if (result.ui !== ui.current) {
				ui.current = result.ui;
				rerender();
			}
			for (const effect of result.effects) perform(client, effect);
		};
		events.on('input', onEvent);
		return () => {
			events.off('input', onEvent);
			if (isRawModeSupported) setRawMode(false);
		};
	}, [client, events, setRawMode, isRawModeSupported]);
	return ui.current;
}
