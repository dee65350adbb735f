/**
 * Lines you sent, to bring back with Up and Down (for this session). Going up keeps what you
 * were typing as a draft; coming back down past the newest line gives it back.
 */

export interface InputHistory {
	/** Oldest first. */
	readonly entries: readonly string[];
	/** The entry being shown, or undefined when editing the draft. */
	readonly index?: number;
	/** What was on the line before going up. */
	readonly draft: string;
}

export const EMPTY_HISTORY: InputHistory = {entries: [], draft: ''};

/** How many lines are kept. */
export const HISTORY_LIMIT = 500;

/** Remember a sent line (not a repeat of the last one) and go back to editing a new one. */
export function remember(h: InputHistory, line: string): InputHistory {
	if (line.trim() === '' || h.entries[h.entries.length - 1] === line) return {entries: h.entries, draft: ''};
	const entries = h.entries.length >= HISTORY_LIMIT ? [...h.entries.slice(h.entries.length - HISTORY_LIMIT + 1), line] : [...h.entries, line];
	return {entries, draft: ''};
}

/** One line older; `current` is what is on the line now. Undefined when there is nothing older. */
export function older(h: InputHistory, current: string): {history: InputHistory; text: string} | undefined {
	const index = (h.index ?? h.entries.length) - 1;
	if (index < 0) return undefined;
	const draft = h.index === undefined ? current : h.draft;
	return {history: {entries: h.entries, index, draft}, text: h.entries[index]!};
}

/** One line newer; past the newest, the draft. Undefined when already on the draft. */
export function newer(h: InputHistory): {history: InputHistory; text: string} | undefined {
	if (h.index === undefined) return undefined;
	const index = h.index + 1;
	if (index >= h.entries.length) return {history: {entries: h.entries, draft: ''}, text: h.draft};
	return {history: {entries: h.entries, index, draft: h.draft}, text: h.entries[index]!};
}

/** The line was edited: it is a new draft, no longer a history entry. */
export function edited(h: InputHistory): InputHistory {
	return h.index === undefined ? h : {entries: h.entries, draft: h.draft};
}
