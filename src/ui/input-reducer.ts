import type {Intent} from '../client/commands.js';
import type {ClientState} from '../client/state.js';
import {complete, completionSources, type Completion} from './completion.js';
import {scrolledHeight} from './feed-screen.js';
import {EMPTY_HISTORY, edited, newer, older, remember, type InputHistory} from './input-history.js';
import {decodeKeys, PASTE_END, PASTE_START, type KeyPress} from './keys.js';
import {EMPTY_EDITOR, edit, type EditAction, type Editor} from './line-editor.js';
import {cleanPaste, submission} from './paste.js';
import {LIVE, scrollDown, scrollUp, type Rowed, type Scroll} from './viewport.js';

/**
 * Everything the keyboard does, as one pure reducer: input events in, the UI's own state
 * (input line, history, completion, paste, scroll positions) and what to ask of the client
 * out. The components render this state; a hook feeds it events and carries out the effects.
 */

export interface UiState {
	readonly editor: Editor;
	readonly history: InputHistory;
	/** The last Tab completion, so Tab again cycles. */
	readonly completion?: Completion;
	/** Text of a bracketed paste still coming in. */
	readonly paste?: string;
	/** Scroll position per view ("#room", "@nick"); live when absent. */
	readonly scroll: Readonly<Record<string, Scroll>>;
}

export const INITIAL_UI: UiState = {editor: EMPTY_EDITOR, history: EMPTY_HISTORY, scroll: {}};

/** What the client should do. */
export type UiEffect =
	| {readonly type: 'line'; readonly text: string}
	| {readonly type: 'intent'; readonly intent: Intent}
	| {readonly type: 'activate'; readonly view: string}
	| {readonly type: 'older'; readonly view: string}
	| {readonly type: 'leave'};

export interface InputContext {
	readonly state: ClientState;
	/** The active view's feed as rows on screen now (for scrolling). */
	readonly feed: Rowed | undefined;
	/** Rows of the feed area. */
	readonly height: number;
}

export interface InputResult {
	readonly ui: UiState;
	readonly effects: readonly UiEffect[];
}

/** One input event, as Ink's input parser delivers it. */
export function onInput(ui: UiState, event: string, ctx: InputContext): InputResult {
	if (ui.paste !== undefined) {
		if (event !== PASTE_END) return {ui: {...ui, paste: ui.paste + event}, effects: []};
		const {paste: text, ...rest} = ui;
		return {ui: editLine(rest, {type: 'insert', text: cleanPaste(text)}), effects: []};
	}
	if (event === PASTE_START) return {ui: {...ui, paste: ''}, effects: []};
	let result: InputResult = {ui, effects: []};
	for (const key of decodeKeys(event)) {
		const next = onKey(result.ui, key, ctx);
		result = {ui: next.ui, effects: [...result.effects, ...next.effects]};
	}
	return result;
}

function editLine(ui: UiState, action: EditAction): UiState {
	const editor = edit(ui.editor, action);
	if (editor === ui.editor) return ui;
	const {completion: _done, ...rest} = ui;
	return {...rest, editor, history: editor.text === ui.editor.text ? ui.history : edited(ui.history)};
}

function setScroll(ui: UiState, view: string, scroll: Scroll): UiState {
	if (scroll === LIVE) {
		if (!(view in ui.scroll)) return ui;
		const {[view]: _gone, ...rest} = ui.scroll;
		return {...ui, scroll: rest};
	}
	return {...ui, scroll: {...ui.scroll, [view]: scroll}};
}

function isScrolled(ui: UiState, ctx: InputContext): boolean {
	return ui.scroll[ctx.state.active]?.anchor !== undefined;
}

function scroll(ui: UiState, ctx: InputContext, rows: number): InputResult {
	const view = ctx.state.active;
	if (!ctx.feed) return {ui, effects: []};
	const height = scrolledHeight(ctx.height);
	const current = ui.scroll[view] ?? LIVE;
	if (rows < 0) return {ui: setScroll(ui, view, scrollDown(ctx.feed, current, -rows, height)), effects: []};
	const up = scrollUp(ctx.feed, current, rows, height);
	const v = ctx.state.views[view];
	const wantOlder = up.atTop && v !== undefined && 'hasOlder' in v && v.hasOlder;
	return {ui: setScroll(ui, view, up.scroll), effects: wantOlder ? [{type: 'older', view}] : []};
}

function switchTo(ui: UiState, ctx: InputContext, pick: (order: readonly string[], at: number) => string | undefined): InputResult {
	const {order, active} = ctx.state;
	const view = pick(order, order.indexOf(active));
	return {ui, effects: view !== undefined && view !== active ? [{type: 'activate', view}] : []};
}

function submit(ui: UiState, ctx: InputContext): InputResult {
	const text = ui.editor.text;
	if (text.trim() === '') return {ui, effects: []};
	const {completion: _done, ...rest} = ui;
	const sent = setScroll({...rest, editor: EMPTY_EDITOR, history: remember(ui.history, text)}, ctx.state.active, LIVE);
	return {ui: sent, effects: [submission(text)]};
}

function historyMove(ui: UiState, direction: 'older' | 'newer'): UiState {
	const r = direction === 'older' ? older(ui.history, ui.editor.text) : newer(ui.history);
	if (!r) return ui;
	const {completion: _done, ...rest} = ui;
	return {...rest, history: r.history, editor: {text: r.text, cursor: r.text.length}};
}

const none = (ui: UiState): InputResult => ({ui, effects: []});

/** One key press. */
export function onKey(ui: UiState, key: KeyPress, ctx: InputContext): InputResult {
	const page = Math.max(1, scrolledHeight(ctx.height) - 1);
	const {ctrl, meta, shift} = key;
	switch (key.name) {
		case 'text':
			return none(editLine(ui, {type: 'insert', text: key.text ?? ''}));
		case 'return':
			return meta ? none(editLine(ui, {type: 'insert', text: '\n'})) : submit(ui, ctx);
		case 'tab': {
			if (shift) return none(ui);
			const done = complete(ui.editor, ui.completion, completionSources(ctx.state));
			return none(done ? {...ui, editor: done.editor, completion: done.completion, history: edited(ui.history)} : ui);
		}
		case 'backspace':
			return none(editLine(ui, {type: meta ? 'deleteWordBack' : 'backspace'}));
		case 'delete':
			return none(editLine(ui, {type: meta || ctrl ? 'deleteWordForward' : 'delete'}));
		case 'left':
			return none(editLine(ui, {type: ctrl || meta ? 'wordLeft' : 'left'}));
		case 'right':
			return none(editLine(ui, {type: ctrl || meta ? 'wordRight' : 'right'}));
		case 'home':
			return none(editLine(ui, {type: 'home'}));
		case 'end':
			// End goes to the end of the line; at the end of the line (or with Ctrl or Shift) back to live.
			if (ctrl || shift || (isScrolled(ui, ctx) && ui.editor.cursor === ui.editor.text.length)) return none(setScroll(ui, ctx.state.active, LIVE));
			return none(editLine(ui, {type: 'end'}));
		case 'up':
			return shift || meta ? scroll(ui, ctx, 1) : none(historyMove(ui, 'older'));
		case 'down':
			return shift || meta ? scroll(ui, ctx, -1) : none(historyMove(ui, 'newer'));
		case 'pageup':
			return scroll(ui, ctx, page);
		case 'pagedown':
			return scroll(ui, ctx, -page);
		case 'escape': {
			const {completion: _done, ...rest} = ui;
			return none(setScroll(rest, ctx.state.active, LIVE));
		}
	}
	if (ctrl && !meta) {
		switch (key.name) {
			case 'a':
				return none(editLine(ui, {type: 'home'}));
			case 'e':
				return none(editLine(ui, {type: 'end'}));
			case 'b':
				return none(editLine(ui, {type: 'left'}));
			case 'f':
				return none(editLine(ui, {type: 'right'}));
			case 'd':
				return none(editLine(ui, {type: 'delete'}));
			case 'w':
				return none(editLine(ui, {type: 'deleteWordBack'}));
			case 'u':
				return none(editLine(ui, {type: 'killToStart'}));
			case 'k':
				return none(editLine(ui, {type: 'killToEnd'}));
			case 'j':
				return none(editLine(ui, {type: 'insert', text: '\n'}));
			case 'n':
				return switchTo(ui, ctx, (order, at) => order[(at + 1) % order.length]);
			case 'p':
				return switchTo(ui, ctx, (order, at) => order[(at - 1 + order.length) % order.length]);
			case 'c':
				return {ui, effects: [{type: 'leave'}]};
		}
		return none(ui);
	}
	if (meta) {
		if (/^[1-9]$/.test(key.name)) return switchTo(ui, ctx, order => order[Number(key.name) - 1]);
		if (key.name === '0') return switchTo(ui, ctx, order => order[9]);
		switch (key.name) {
			case 'b':
				return none(editLine(ui, {type: 'wordLeft'}));
			case 'f':
				return none(editLine(ui, {type: 'wordRight'}));
			case 'd':
				return none(editLine(ui, {type: 'deleteWordForward'}));
		}
	}
	return none(ui);
}
