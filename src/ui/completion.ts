import {COMMANDS} from '../client/commands.js';
import type {ClientState} from '../client/state.js';
import {nickKey} from '../protocol/names.js';
import type {Editor} from './line-editor.js';

/**
 * Tab completion, pure. The word before the cursor is completed from nicks (those who spoke
 * last first, then the rest of the room in alphabetical order), `/commands` at the start of
 * the line, `#rooms` and `@nick` conversations. Tab again cycles through the other
 * candidates. A nick at the start of the line gets ": " after it, the way people address
 * someone in a chat.
 */

export interface CompletionSources {
	/** Most recently active first. */
	readonly nicks: readonly string[];
	/** "#room", for every open room. */
	readonly rooms: readonly string[];
	/** "/join", … */
	readonly commands: readonly string[];
}

export interface Completion {
	/** Where the completed word starts. */
	readonly start: number;
	/** What the word can become, suffix included. */
	readonly candidates: readonly string[];
	readonly index: number;
	/** The line as completion left it: Tab on exactly this line cycles. */
	readonly result: Editor;
}

/** How far the items looked at for "who spoke last" go back. */
const RECENT_SCAN = 1000;

/** The candidates from the client's state: nicks of the active view, rooms, commands. */
export function completionSources(state: ClientState): CompletionSources {
	const own = nickKey(state.nick);
	const seen = new Set<string>([own]);
	const nicks: string[] = [];
	const add = (nick: string) => {
		const k = nickKey(nick);
		if (seen.has(k)) return;
		seen.add(k);
		nicks.push(nick);
	};
	const view = state.views[state.active];
	if (view) {
		const members = 'members' in view ? new Set(view.members.map(nickKey)) : undefined;
		for (let i = view.feed.length - 1, n = 0; i >= 0 && n < RECENT_SCAN; i--, n++) {
			const item = view.feed[i]!;
			if (item.kind === 'event' && item.event.type === 'message' && (!members || members.has(nickKey(item.event.from)))) add(item.event.from);
			else if (item.kind === 'dm' && !item.self) add(item.from);
		}
		if ('members' in view) for (const m of [...view.members].sort((a, b) => nickKey(a).localeCompare(nickKey(b)))) add(m);
		if ('nick' in view) add(view.nick);
	}
	for (const id of state.order) if (id.startsWith('@')) add(id.slice(1));
	return {nicks, rooms: state.order.filter(id => id.startsWith('#')), commands: COMMANDS.map(c => '/' + c.name)};
}

function matching(list: readonly string[], prefix: string): string[] {
	const p = prefix.toLowerCase();
	return list.filter(x => x.toLowerCase().startsWith(p));
}

/** Complete the word before the cursor, or cycle to the next candidate. Undefined when nothing matches. */
export function complete(e: Editor, previous: Completion | undefined, sources: CompletionSources): {editor: Editor; completion: Completion} | undefined {
	if (previous && previous.result.text === e.text && previous.result.cursor === e.cursor && previous.candidates.length > 1) {
		const index = (previous.index + 1) % previous.candidates.length;
		return apply(e, previous.start, previous.candidates, index);
	}
	let start = e.cursor;
	while (start > 0 && !/\s/.test(e.text[start - 1]!)) start--;
	const word = e.text.slice(start, e.cursor);
	if (word === '') return undefined;
	let candidates: string[];
	if (word.startsWith('/')) candidates = start === 0 ? matching(sources.commands, word).map(c => c + ' ') : [];
	else if (word.startsWith('#')) candidates = matching(sources.rooms, word).map(r => r + ' ');
	else if (word.startsWith('@')) candidates = matching(sources.nicks, word.slice(1)).map(n => '@' + n + ' ');
	else candidates = matching(sources.nicks, word).map(n => n + (start === 0 ? ': ' : ' '));
	if (candidates.length === 0) return undefined;
	return apply(e, start, candidates, 0);
}

function apply(e: Editor, start: number, candidates: readonly string[], index: number): {editor: Editor; completion: Completion} {
	const word = candidates[index]!;
	// Replace what is between the word's start and the cursor; keep what follows the cursor.
	const text = e.text.slice(0, start) + word + e.text.slice(e.cursor);
	const editor = {text, cursor: start + word.length};
	return {editor, completion: {start, candidates, index, result: editor}};
}
