import type {FeedItem, Pending} from '../client/state.js';
import {assertNever} from '../protocol/exhaustive.js';
import {sanitize} from '../protocol/sanitize.js';
import {clock, lineParts, pendingMark, type LineParts} from './format.js';
import {FrameMap} from './frame-map.js';
import {plainRow, type Row, type Segment} from './rows.js';
import {fitStart, textWidth} from './text-width.js';
import {nickColor, theme} from './theme.js';
import {wrapText} from './wrap.js';

/**
 * Feed items as rows of the screen: time, nick in its colour, text wrapped to the width with
 * continuation rows indented under the text; a line where the day changes and a "read up to
 * here" line before the items they belong to. All peer text comes through `lineParts`
 * (sanitised). Rows are cached per item, so a frame only formats items the last one did not draw.
 */

export interface RowOptions {
	/** Columns available to the feed. */
	readonly width: number;
	readonly timestamps: boolean;
}

/** What is drawn above an item besides its own rows. */
export interface Decorations {
	/** The day, when it differs from the previous item's. */
	readonly day?: string;
	/** The first item not read yet: the "read up to here" line goes above it. */
	readonly readMarker?: boolean;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Wed 26 Nov 2025", in local time. */
export function dayLabel(ts: number): string {
	const d = new Date(ts);
	return `${WEEKDAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** When an item happened. */
export function itemTime(item: FeedItem): number {
	return item.kind === 'event' ? item.event.ts : item.ts;
}

/** A line across the width with a label in it: "── label ──────". */
export function ruleRow(key: string, label: string, width: number, style: Omit<Segment, 'text'>): Row {
	const head = `── ${label} `;
	const fill = Math.max(0, width - textWidth(head));
	return plainRow(key, fitStart(head + '─'.repeat(fill), width).text, style);
}

/** The parts before the text (the time column, the nick), and the style of the text. */
function lead(p: LineParts, time: Segment | undefined): {prefix: Segment[]; text: Omit<Segment, 'text'>} {
	const prefix: Segment[] = time ? [time] : [];
	const nick = p.nick ?? '';
	const mention = p.mention ? {color: theme.mention, bold: true} : {};
	switch (p.kind) {
		case 'message':
			prefix.push({text: '<', dim: true}, {text: nick, color: nickColor(nick), bold: true}, {text: '> ', dim: true});
			return {prefix, text: mention};
		case 'action':
			prefix.push({text: '* '}, {text: nick, color: nickColor(nick), bold: true}, {text: ' '});
			return {prefix, text: {italic: true, ...mention}};
		case 'dm': {
			const other = nick.startsWith('→') ? nick.slice(1) : nick;
			prefix.push({text: nick.startsWith('→') ? '→' : '*', color: theme.dm}, {text: other, color: nickColor(other), bold: true});
			prefix.push({text: nick.startsWith('→') ? ' ' : '* ', color: theme.dm});
			return {prefix, text: {}};
		}
		case 'notice':
			prefix.push({text: '-!- ', color: theme.notice});
			return {prefix, text: {}};
		case 'error':
			prefix.push({text: '!! ', color: theme.error, bold: true});
			return {prefix, text: {color: theme.error}};
		case 'join':
		case 'part':
		case 'nick':
		case 'topic':
		case 'away':
			prefix.push({text: '-- ', dim: true});
			return {prefix, text: {dim: true}};
		default:
			return assertNever(p.kind, 'line kind');
	}
}

/** Rows of text under a prefix: the first after it, the rest indented to line up with it. */
function layout(keyBase: string, prefix: Segment[], text: string, style: Omit<Segment, 'text'>, width: number): Row[] {
	const prefixWidth = prefix.reduce((w, s) => w + textWidth(s.text), 0);
	const indent = Math.min(prefixWidth, Math.floor(width / 2));
	const lines = wrapText(text, Math.max(1, width - prefixWidth), Math.max(1, width - indent));
	const pad = ' '.repeat(indent);
	return lines.map((line, i) => ({
		key: `${keyBase}:${i}`,
		segments: i === 0 ? [...prefix, {text: line, ...style}] : [{text: pad}, {text: line, ...style}],
	}));
}

/** The rows of one feed item, decorations first. */
export function itemRows(item: FeedItem, options: RowOptions, decorations: Decorations = {}): Row[] {
	const rows: Row[] = [];
	if (decorations.day !== undefined) rows.push(ruleRow(`${item.key}:day`, decorations.day, options.width, {dim: true}));
	if (decorations.readMarker) rows.push(ruleRow(`${item.key}:read`, 'read up to here', options.width, {color: theme.marker}));
	if (item.kind === 'failed') {
		const line = {text: item.text, action: item.action, view: item.to, error: item.error};
		rows.push(...lineRows(item.key, line, item.from, options, {state: 'failed', ts: item.ts}));
		return rows;
	}
	const p = lineParts(item);
	const {prefix, text} = lead(p, options.timestamps ? {text: clock(p.ts) + ' ', dim: true} : undefined);
	rows.push(...layout(item.key, prefix, p.text, text, options.width));
	return rows;
}

/** The rows of a line you typed that the hub has not stored yet. */
export function pendingRows(p: Pending, nick: string, options: RowOptions): Row[] {
	return lineRows(`p:${p.id}`, p, nick, options, p.state === 'failed' ? {state: 'failed'} : {state: p.state});
}

/**
 * A line of yours as it is on its way (marked ⧗ or ✓ in the time column, so it lines up with
 * the feed), or as the hub refused it (✗ after its time, with the reason). A private message
 * reads "→nick text", as it will once delivered.
 */
function lineRows(
	key: string,
	p: Pick<Pending, 'text' | 'action' | 'view' | 'error'>,
	nick: string,
	options: RowOptions,
	how: {readonly state: Pending['state']; readonly ts?: number},
): Row[] {
	const failed = how.state === 'failed';
	const dm = p.view.startsWith('@');
	const mark = pendingMark({state: how.state} as Pending);
	const time = failed && how.ts !== undefined && options.timestamps ? clock(how.ts) + ' ' : '';
	const column = failed ? `${time}${mark} ` : mark.padEnd(options.timestamps ? 8 : 1, ' ') + ' ';
	const parts: LineParts = dm
		? {kind: 'dm', ts: 0, nick: `→${sanitize(p.view.slice(1))}`, text: (p.action ? `* ${sanitize(nick)} ` : '') + sanitize(p.text, true), self: true}
		: {kind: p.action ? 'action' : 'message', ts: 0, nick, text: sanitize(p.text, true)};
	const {prefix} = lead(parts, failed ? {text: column, color: theme.error, bold: true} : {text: column, dim: true});
	const body = failed ? `${parts.text}  (not delivered: ${sanitize(p.error ?? 'refused')})` : parts.text;
	return layout(key, prefix, body, failed ? {color: theme.error} : {dim: true}, options.width);
}

interface CacheEntry {
	readonly width: number;
	readonly timestamps: boolean;
	readonly day: string | undefined;
	readonly readMarker: boolean;
	readonly rows: readonly Row[];
}

interface PendingEntry {
	readonly width: number;
	readonly timestamps: boolean;
	readonly nick: string;
	readonly rows: readonly Row[];
}

/**
 * Rows per item (items are immutable: a new item is a new object), for the items drawn in this
 * frame and the last one: an item still on screen is not formatted again, one that left the
 * screen is forgotten (`nextFrame`, once a frame). A different width, timestamp setting or
 * decoration makes them again. Under a flood every row on screen is new at each frame; rows
 * kept as long as their items (seconds, in a WeakMap) were moved to the collector's old
 * generation and collected there (docs/PERFORMANCE.md).
 */
export class RowCache {
	private readonly items = new FrameMap<FeedItem, CacheEntry>();
	private readonly pending = new FrameMap<Pending, PendingEntry>();

	/** A new frame: what the last one drew is kept, the rest forgotten. */
	nextFrame(): void {
		this.items.nextFrame();
		this.pending.nextFrame();
	}

	/** Items and pending lines remembered (tests). */
	get size(): number {
		return this.items.size + this.pending.size;
	}

	item(item: FeedItem, options: RowOptions, decorations: Decorations): readonly Row[] {
		const hit = this.items.get(item);
		const readMarker = decorations.readMarker === true;
		if (hit && hit.width === options.width && hit.timestamps === options.timestamps && hit.day === decorations.day && hit.readMarker === readMarker) {
			return hit.rows;
		}
		const rows = itemRows(item, options, decorations);
		this.items.set(item, {width: options.width, timestamps: options.timestamps, day: decorations.day, readMarker, rows});
		return rows;
	}

	pendingLine(p: Pending, nick: string, options: RowOptions): readonly Row[] {
		const hit = this.pending.get(p);
		if (hit && hit.width === options.width && hit.timestamps === options.timestamps && hit.nick === nick) return hit.rows;
		const rows = pendingRows(p, nick, options);
		this.pending.set(p, {width: options.width, timestamps: options.timestamps, nick, rows});
		return rows;
	}
}
