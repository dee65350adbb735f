/**
 * How a feed event is kept in the store and how it goes out: its free text (a message's or
 * topic's `text`, a part's `reason`) kept as it came, beside the JSON of the rest.
 *
 * JSON escapes a control character as `\u001b`: six bytes for one. Kept inside the event's
 * JSON, 4 KB of control characters took 24 KB of the disk; kept in a column of its own, they
 * take 4 KB. The published event and a history page carry the same JSON: the stored JSON
 * with the free text spliced in as its last field.
 */
import type {NewEvent} from './storage.js';

/** The field of an event that holds free text, by event type (none for the others). */
type TextKey = 'text' | 'reason';

/** An event as the store keeps it: JSON without its free text (with seq and epoch), and the text. */
export interface StoredForm {
	/** The event's JSON with its seq and epoch, without the free text. */
	readonly json: string;
	/** The free text as it came, or undefined (none, or one that must stay escaped in `json`). */
	readonly text: string | undefined;
	/** The event as published: `json` with the text spliced in. */
	readonly published: string;
}

/** The stored and published forms of an event given its seq; `epochJson` is the epoch as a JSON string. */
export function storedForm(event: NewEvent, seq: number, epochJson: string): StoredForm {
	const tail = ',"seq":' + seq + ',"epoch":' + epochJson + '}';
	if (event.type === 'message') {
		// The common case, written out: the room and nick are validated names, ts a number.
		const json =
			'{"type":"message","room":' + JSON.stringify(event.room) + ',"ts":' + event.ts + ',"from":' + JSON.stringify(event.from) + (event.action ? ',"action":true' : '') + tail;
		if (!wellFormed(event.text)) return whole(event, tail);
		return {json, text: event.text, published: splice(json, 'text', event.text)};
	}
	const key = textKeyOf(event.type);
	const text = key === undefined ? undefined : (event as unknown as Record<TextKey, string | undefined>)[key];
	if (key === undefined || text === undefined || !wellFormed(text)) return whole(event, tail);
	const rest: Record<string, unknown> = {...event};
	delete rest[key];
	const json = JSON.stringify(rest).slice(0, -1) + tail;
	return {json, text, published: splice(json, key, text)};
}

/** A stored row as it is published and sent in history: the JSON with its free text, if any. */
export function publishedForm(json: string, text: string | null): string {
	if (text === null) return json;
	return splice(json, json.startsWith('{"type":"part"') ? 'reason' : 'text', text);
}

function textKeyOf(type: NewEvent['type']): TextKey | undefined {
	if (type === 'part') return 'reason';
	if (type === 'message' || type === 'topic') return 'text';
	return undefined;
}

function splice(json: string, key: TextKey, text: string): string {
	return json.slice(0, -1) + ',"' + key + '":' + JSON.stringify(text) + '}';
}

/** The whole event in its JSON (text escaped there), as before free text had a column. */
function whole(event: NewEvent, tail: string): StoredForm {
	const json = JSON.stringify(event).slice(0, -1) + tail;
	return {json, text: undefined, published: json};
}

/**
 * Text that SQLite stores as it is: no lone surrogate (which UTF-8 cannot hold; JSON can, as
 * an escape, so such text stays in the JSON).
 */
function wellFormed(text: string): boolean {
	return (text as string & {isWellFormed(): boolean}).isWellFormed();
}
