import type {FeedItem, Pending} from '../client/state.js';
import {assertNever} from '../protocol/exhaustive.js';
import {oneLine, sanitize} from '../protocol/sanitize.js';
import {answerText} from './answers.js';

/**
 * Feed items as text: the line-mode format (`HH:MM:SS <nick> text`), the JSON objects of
 * `--json`, and the pieces the TUI colours. Every string from a peer passes through
 * `sanitize` here; nothing else in the views has to remember to.
 */

export function clock(ts: number): string {
	const d = new Date(ts);
	return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function pad(n: number): string {
	return n < 10 ? '0' + n : String(n);
}

/** The kinds of line a feed item becomes, for styling. */
export type LineKind = 'message' | 'action' | 'join' | 'part' | 'nick' | 'topic' | 'away' | 'dm' | 'notice' | 'error';

/** A feed item in parts: the view colours them, line mode joins them. */
export interface LineParts {
	readonly kind: LineKind;
	readonly ts: number;
	/** The nick shown before the text (for messages, actions and DMs). */
	readonly nick?: string;
	/** What follows, sanitised; may hold "\n" for multi-line messages. */
	readonly text: string;
	readonly room?: string;
	readonly mention?: boolean;
	readonly self?: boolean;
}

/**
 * Break a feed item into parts. Text is sanitised with line breaks kept. Nicks and room
 * names are sanitised too: the protocol allows only plain ASCII there and the client checks
 * it on arrival, but nothing that reaches a terminal relies on a single check.
 */
export function lineParts(item: FeedItem): LineParts {
	switch (item.kind) {
		case 'event':
			return eventParts(item);
		case 'dm': {
			const from = sanitize(item.from);
			return {
				kind: 'dm',
				ts: item.ts,
				nick: item.self ? `→${sanitize(item.to)}` : from,
				text: (item.action ? `* ${from} ` : '') + sanitize(item.text, true),
				self: item.self,
			};
		}
		case 'notice':
			return {kind: item.level === 'error' ? 'error' : 'notice', ts: item.ts, text: sanitize(item.text, true)};
		case 'answer':
			return {kind: 'notice', ts: item.ts, text: sanitize(answerText(item.answer, item.ts), true)};
		case 'failed':
			return {kind: 'error', ts: item.ts, text: `not delivered: ${sanitize(item.error, true)}`};
		default:
			return assertNever(item, 'feed item');
	}
}

function eventParts(item: Extract<FeedItem, {kind: 'event'}>): LineParts {
	const e = item.event;
	const room = sanitize(e.room);
	const from = sanitize(e.from);
	switch (e.type) {
		case 'message':
			return e.action
				? {kind: 'action', ts: e.ts, nick: from, text: sanitize(e.text, true), room, ...(item.mention ? {mention: true} : {})}
				: {kind: 'message', ts: e.ts, nick: from, text: sanitize(e.text, true), room, ...(item.mention ? {mention: true} : {})};
		case 'join':
			return {kind: 'join', ts: e.ts, text: `${from} joined #${room}`, room};
		case 'part': {
			const reason = e.reason ? ` (${oneLine(e.reason)})` : '';
			if (e.removed) {
				const what = e.removed === 'ban' ? 'was banned' : 'was kicked';
				return {kind: 'part', ts: e.ts, text: `${from} ${what}${e.by ? ` by ${sanitize(e.by)}` : ''}${reason}`, room};
			}
			return {kind: 'part', ts: e.ts, text: e.quit ? `${from} quit${reason}` : `${from} left #${room}${reason}`, room};
		}
		case 'nick':
			return {kind: 'nick', ts: e.ts, text: `${from} is now known as ${sanitize(e.to)}`, room};
		case 'topic':
			if (e.lock !== undefined) return {kind: 'topic', ts: e.ts, text: `${from} ${e.lock ? 'locked' : 'unlocked'} the topic of #${room}`, room};
			return {kind: 'topic', ts: e.ts, text: e.text ? `${from} set the topic: ${oneLine(e.text)}` : `${from} cleared the topic`, room};
		case 'away':
			return {kind: 'away', ts: e.ts, text: e.text === undefined ? `${from} is back` : `${from} is away: ${oneLine(e.text)}`, room};
		default:
			return assertNever(e, 'feed event');
	}
}

export interface PlainOptions {
	/** Put "#room " before room lines (when more than one room is joined). */
	readonly showRoom?: boolean;
	/** @default true */
	readonly timestamps?: boolean;
}

/** One line of line-mode output for a feed item. */
export function plainLine(item: FeedItem, options: PlainOptions = {}): string {
	const p = lineParts(item);
	const text = p.text.replace(/\n/g, ' ↵ ');
	const time = options.timestamps === false ? '' : clock(p.ts) + ' ';
	const room = options.showRoom && p.room ? `#${p.room} ` : '';
	switch (p.kind) {
		case 'message':
			return `${time}${room}<${p.nick}> ${text}`;
		case 'action':
			return `${time}${room}* ${p.nick} ${text}`;
		case 'dm':
			return `${time}*${p.nick}* ${text}`;
		case 'error':
			return `${time}!! ${text}`;
		case 'notice':
		case 'join':
		case 'part':
		case 'nick':
		case 'topic':
		case 'away':
			return `${time}${room}-- ${text}`;
		default:
			return assertNever(p.kind, 'line kind');
	}
}

/** The `--json` object for a feed item: the data as the hub sent it, for scripts. */
export function jsonObject(item: FeedItem): Record<string, unknown> {
	switch (item.kind) {
		case 'event':
			return eventJson(item);
		case 'dm':
			return {type: 'dm', from: item.from, to: item.to, text: item.text, ts: item.ts, ...(item.action ? {action: true} : {}), ...(item.self ? {self: true} : {})};
		case 'notice':
			return {type: item.level === 'error' ? 'error' : 'notice', text: item.text, ts: item.ts};
		case 'answer':
			return {type: 'notice', text: answerText(item.answer, item.ts), ts: item.ts};
		case 'failed':
			return {type: 'error', text: `not delivered: ${item.error}`, ts: item.ts};
		default:
			return assertNever(item, 'feed item');
	}
}

function eventJson(item: Extract<FeedItem, {kind: 'event'}>): Record<string, unknown> {
	const e = item.event;
	const base = {room: e.room, seq: e.seq, ts: e.ts, ...(item.replay ? {replay: true} : {}), ...(item.mention ? {mention: true} : {})};
	switch (e.type) {
		case 'message':
			return {type: e.action ? 'action' : 'message', from: e.from, text: e.text, ...base};
		case 'join':
			return {type: 'join', from: e.from, ...base};
		case 'part':
			return {
				type: 'part',
				from: e.from,
				...(e.reason ? {reason: e.reason} : {}),
				...(e.quit ? {quit: true} : {}),
				...(e.removed ? {removed: e.removed, by: e.by} : {}),
				...base,
			};
		case 'nick':
			return {type: 'nick', from: e.from, to: e.to, ...base};
		case 'topic':
			return {type: 'topic', from: e.from, text: e.text, ...(e.lock === undefined ? {} : {lock: e.lock}), ...base};
		case 'away':
			return {type: 'away', from: e.from, ...(e.text === undefined ? {} : {text: e.text}), ...base};
		default:
			return assertNever(e, 'feed event');
	}
}

/** How a pending line is marked: ⧗ waiting, ✓ stored, ✗ refused. */
export function pendingMark(p: Pending): string {
	return p.state === 'acked' ? '✓' : p.state === 'failed' ? '✗' : '⧗';
}
