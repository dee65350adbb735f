import type {ClientState, ConnectionState} from '../client/state.js';
import {assertNever} from '../protocol/exhaustive.js';
import {sanitize} from '../protocol/sanitize.js';
import {oneLine} from '../protocol/sanitize.js';
import type {Editor} from './line-editor.js';
import type {Row, Segment} from './rows.js';
import {fitStart, graphemes, textWidth} from './text-width.js';
import {nickColor, theme} from './theme.js';

/**
 * The text of the bars around the feed (room bar, status bar, member list, input line), as
 * styled segments. Pure: the components only draw what these return.
 */

/** One tab of the room bar. */
export interface Tab {
	readonly id: string;
	readonly unread: number;
	readonly mentioned: boolean;
	/** False for a room you left whose view is still open. */
	readonly joined: boolean;
}

export function tabs(state: ClientState): Tab[] {
	return state.order.flatMap(id => {
		const v = state.views[id];
		if (!v) return [];
		return [{id, unread: v.unread, mentioned: v.mentioned, joined: 'joined' in v ? v.joined : true}];
	});
}

/** The label of a tab: "#lobby", "#dev 3", "#ops 2!" (you were mentioned). */
export function tabLabel(t: Tab): string {
	return t.id + (t.unread > 0 ? ` ${t.unread}` : '') + (t.mentioned ? '!' : '');
}

function tabSegment(t: Tab, active: boolean): Segment {
	const text = ` ${tabLabel(t)} `;
	if (active) return {text, inverse: true, bold: true};
	if (t.mentioned) return {text, color: theme.mention, bold: true};
	if (t.unread > 0) return {text, bold: true};
	return t.joined ? {text} : {text, dim: true};
}

/**
 * The room bar: every open room and conversation with unread counts; the active one
 * highlighted. When they do not fit, tabs are dropped from the far side so the active one
 * stays in sight ("‹" and "›" say some are hidden).
 */
export function roomBar(list: readonly Tab[], active: string, width: number): Segment[] {
	const segs = list.map(t => tabSegment(t, t.id === active));
	const widths = segs.map(s => textWidth(s.text));
	let first = 0;
	let last = segs.length; // exclusive
	const at = Math.max(0, list.findIndex(t => t.id === active));
	const total = () => widths.slice(first, last).reduce((a, b) => a + b, 0) + (first > 0 ? 1 : 0) + (last < segs.length ? 1 : 0);
	while (total() > width && last - first > 1) {
		if (last - 1 > at) last--;
		else first++;
	}
	const out: Segment[] = [];
	if (first > 0) out.push({text: '‹', dim: true});
	out.push(...segs.slice(first, last));
	if (last < segs.length) out.push({text: '›', dim: true});
	return out;
}

/** How much the status bar says, from most to least: the first that fits the terminal is drawn. */
interface Detail {
	/** 0: in full ("connecting to tcp://…"), 1: short ("connecting…"), 2: shortest (the dot alone when connected). */
	readonly connection: 0 | 1 | 2;
	readonly topic: boolean;
	/** "3 online", or "3". */
	readonly online: boolean;
	/** "leaving… Ctrl+C again to quit now", or "leaving…". */
	readonly leaving: boolean;
}

const DETAILS: readonly Detail[] = [
	{connection: 0, topic: true, online: true, leaving: true},
	{connection: 0, topic: false, online: true, leaving: true},
	{connection: 1, topic: false, online: true, leaving: true},
	{connection: 1, topic: false, online: false, leaving: false},
	{connection: 2, topic: false, online: false, leaving: false},
];

/** Columns the topic must have to be worth showing (cut with the rest of the row if longer). */
const TOPIC_MIN = 12;

function connectionText(conn: ConnectionState, silent: boolean, hubAddress: string, level: 0 | 1 | 2): string {
	switch (conn) {
		case 'connecting':
			if (silent) return level === 0 ? `no answer from ${hubAddress}: is "zchat hub" running there?` : level === 1 ? `no answer from ${hubAddress}` : 'no answer';
			return level === 0 ? `connecting to ${hubAddress}…` : 'connecting…';
		case 'connected':
			return level === 2 ? '' : 'connected';
		case 'reconnecting':
			return silent && level === 0 ? 'reconnecting… the hub is not answering' : 'reconnecting…';
		case 'closed':
			return 'closed';
		default:
			return assertNever(conn, 'connection state');
	}
}

/**
 * The status bar: connection, your nick, where you are, who is there, the topic. On a narrow
 * terminal it says less rather than being cut: the topic goes first, then words, so your
 * nick and the room stay in sight.
 */
export function statusBar(state: ClientState, hubAddress: string, width = Infinity): Segment[] {
	for (const detail of DETAILS) {
		const {segments, topicWidth} = statusSegments(state, hubAddress, detail);
		const total = segments.reduce((w, s) => w + textWidth(s.text), 0);
		if (total <= width || (topicWidth > 0 && total - topicWidth + Math.min(topicWidth, TOPIC_MIN) <= width)) return segments;
	}
	return statusSegments(state, hubAddress, DETAILS[DETAILS.length - 1]!).segments;
}

function statusSegments(state: ClientState, hubAddress: string, detail: Detail): {segments: Segment[]; topicWidth: number} {
	const sep: Segment = {text: ' │ ', dim: true};
	const conn = state.connection;
	const said = connectionText(conn, state.hubSilent === true, hubAddress, detail.connection);
	const out: Segment[] = [{text: said ? '● ' : '●', color: theme.connection[conn]}];
	if (said) out.push({text: said, color: theme.connection[conn], bold: conn !== 'connected'});
	out.push(sep, {text: state.nick, color: nickColor(state.nick), bold: true});
	if (state.away !== undefined) out.push({text: ' (away)', color: theme.mention});
	if (state.quitting) out.push(sep, {text: detail.leaving ? 'leaving… Ctrl+C again to quit now' : 'leaving…', color: theme.error, bold: true});
	const view = state.views[state.active];
	let topicWidth = 0;
	if (view && 'room' in view) {
		out.push(sep, {text: view.id, bold: true});
		if (view.joined) out.push({text: detail.online ? ` ${view.members.length} online` : ` ${view.members.length}`, dim: true});
		else out.push({text: ' (not joined)', dim: true});
		if (view.topic && detail.topic) {
			const topic = oneLine(view.topic);
			topicWidth = textWidth(sep.text) + textWidth(topic);
			out.push(sep, {text: topic});
		}
	} else if (view) {
		out.push(sep, {text: detail.online ? 'private conversation with ' : '@', dim: true}, {text: view.nick, color: nickColor(view.nick), bold: true});
	}
	return {segments: out, topicWidth};
}

/** The member list: one nick a row, yours in bold, those away greyed; "+N more" when they do not all fit. */
export function memberRows(members: readonly string[], nick: string, height: number, away: readonly string[] = []): Row[] {
	const header: Row = {key: 'header', segments: [{text: `${members.length} online`, dim: true}]};
	const room = Math.max(0, height - 1);
	const fits = members.length <= room;
	const shown = fits ? members : members.slice(0, Math.max(0, room - 1));
	const isAway = new Set(away);
	const style = (m: string) => (isAway.has(m) ? {dim: true} : {color: nickColor(m)});
	const rows: Row[] = [header, ...shown.map(m => ({key: m, segments: [{text: m, ...style(m), ...(m === nick ? {bold: true} : {})}]}))];
	if (!fits && room > 0) rows.push({key: 'more', segments: [{text: `+${members.length - shown.length} more`, dim: true}]});
	return rows.slice(0, Math.max(0, height));
}

export interface InputView {
	/** The visible part of the line, line breaks shown as "↵". */
	readonly text: string;
	/** Column of the cursor within `text`. */
	readonly cursor: number;
}

/**
 * The part of the input line that fits `width` columns with the cursor in sight. What you
 * type is shown the way others will see it (sanitised), a line break as "↵".
 */
export function inputView(e: Editor, width: number): InputView {
	const clusters = graphemes(e.text);
	const shown: string[] = [];
	const widths: number[] = [];
	let at = 0;
	let cursorIndex = clusters.length;
	for (let i = 0; i < clusters.length; i++) {
		if (at === e.cursor) cursorIndex = i;
		const c = clusters[i]!;
		at += c.length;
		const d = c === '\n' ? '↵' : sanitize(c);
		shown.push(d);
		widths.push(textWidth(d));
	}
	const avail = Math.max(1, width - 1); // one column for the cursor after the last character
	let start = 0;
	let before = widths.slice(0, cursorIndex).reduce((a, b) => a + b, 0);
	while (before > avail && start < cursorIndex) before -= widths[start++]!;
	let used = 0;
	let end = start;
	while (end < shown.length && used + widths[end]! <= width) used += widths[end++]!;
	return {text: shown.slice(start, end).join(''), cursor: before};
}

/** Pad or cut segments to exactly `width` columns (bars with a background fill the row). */
export function fill(segments: readonly Segment[], width: number, style: Omit<Segment, 'text'> = {}): Segment[] {
	const out: Segment[] = [];
	let used = 0;
	for (const s of segments) {
		if (used >= width) break;
		const w = textWidth(s.text);
		if (used + w <= width) {
			out.push({...style, ...s});
			used += w;
		} else {
			const cut = fitStart(s.text, width - used);
			out.push({...style, ...s, text: cut.text});
			used += cut.width;
		}
	}
	if (used < width) out.push({...style, text: ' '.repeat(width - used)});
	return out;
}
