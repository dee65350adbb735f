import {assertNever} from '../protocol/exhaustive.js';
import {graphemes} from './text-width.js';

/**
 * The input line as a pure reducer: text and a cursor, and the edits readline users expect.
 * The cursor is an index into the text (UTF-16 code units) that always sits between two
 * grapheme clusters, so an emoji or an accented letter moves and deletes as one character.
 * The text may hold "\n" (a multi-line paste, or Ctrl+J): it is sent as one message.
 */

export interface Editor {
	readonly text: string;
	readonly cursor: number;
}

export const EMPTY_EDITOR: Editor = {text: '', cursor: 0};

export type EditAction =
	| {readonly type: 'insert'; readonly text: string}
	| {readonly type: 'set'; readonly text: string}
	| {
			readonly type:
				| 'left'
				| 'right'
				| 'home'
				| 'end'
				| 'backspace'
				| 'delete'
				| 'wordLeft'
				| 'wordRight'
				| 'deleteWordBack'
				| 'deleteWordForward'
				| 'killToStart'
				| 'killToEnd';
	  };

/** Offsets where a cluster starts, plus the end of the text. */
function boundaries(text: string): number[] {
	const out = [0];
	let at = 0;
	for (const g of graphemes(text)) out.push((at += g.length));
	return out;
}

function prevBoundary(text: string, cursor: number): number {
	if (cursor <= 0) return 0;
	const code = text.charCodeAt(cursor - 1);
	if (code < 0x80 && (cursor === text.length || text.charCodeAt(cursor) < 0x80)) return cursor - 1;
	const b = boundaries(text);
	let prev = 0;
	for (const x of b) {
		if (x >= cursor) break;
		prev = x;
	}
	return prev;
}

function nextBoundary(text: string, cursor: number): number {
	if (cursor >= text.length) return text.length;
	const code = text.charCodeAt(cursor);
	if (code < 0x80 && (cursor + 1 >= text.length || text.charCodeAt(cursor + 1) < 0x80)) return cursor + 1;
	for (const x of boundaries(text)) if (x > cursor) return x;
	return text.length;
}

const isSpace = (ch: string | undefined) => ch !== undefined && /\s/.test(ch);

/** Start of the word before the cursor (spaces before it skipped). */
export function wordStart(text: string, cursor: number): number {
	let i = cursor;
	while (i > 0 && isSpace(text[i - 1])) i--;
	while (i > 0 && !isSpace(text[i - 1])) i--;
	return i;
}

/** End of the word after the cursor (spaces before it skipped). */
export function wordEnd(text: string, cursor: number): number {
	let i = cursor;
	while (i < text.length && isSpace(text[i])) i++;
	while (i < text.length && !isSpace(text[i])) i++;
	return i;
}

function cut(e: Editor, from: number, to: number): Editor {
	if (from >= to) return e;
	return {text: e.text.slice(0, from) + e.text.slice(to), cursor: from};
}

export function edit(e: Editor, action: EditAction): Editor {
	const {text, cursor} = e;
	switch (action.type) {
		case 'insert':
			return action.text ? {text: text.slice(0, cursor) + action.text + text.slice(cursor), cursor: cursor + action.text.length} : e;
		case 'set':
			return {text: action.text, cursor: action.text.length};
		case 'left':
			return {text, cursor: prevBoundary(text, cursor)};
		case 'right':
			return {text, cursor: nextBoundary(text, cursor)};
		case 'home':
			return {text, cursor: 0};
		case 'end':
			return {text, cursor: text.length};
		case 'backspace':
			return cut(e, prevBoundary(text, cursor), cursor);
		case 'delete':
			return cut(e, cursor, nextBoundary(text, cursor));
		case 'wordLeft':
			return {text, cursor: wordStart(text, cursor)};
		case 'wordRight':
			return {text, cursor: wordEnd(text, cursor)};
		case 'deleteWordBack':
			return cut(e, wordStart(text, cursor), cursor);
		case 'deleteWordForward':
			return cut(e, cursor, wordEnd(text, cursor));
		case 'killToStart':
			return cut(e, 0, cursor);
		case 'killToEnd':
			return cut(e, cursor, text.length);
		default:
			return assertNever(action, 'edit action');
	}
}
