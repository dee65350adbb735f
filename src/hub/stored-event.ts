/**
 * How a feed event is kept in the store and how it goes out: its free text (a message's,
 * topic's or away's `text`, a part's `reason`) kept as it came, beside the JSON of the rest.
 *
 * JSON escapes a control character as `\u001b`: six bytes for one. Kept inside the event's
 * JSON, 4 KB of control characters took 24 KB of the disk; kept in a column of its own, they
 * take 4 KB. The published event and a history page carry the same JSON: the stored JSON
 * (the event, its seq and epoch) with the free text as its last field.
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

/**
 * The stored and published forms of an event given its seq. The published JSON is made in one
 * go, free text last, and the stored JSON cut from it: a 4 KB text of control characters is
 * 24 KB of JSON, made once (not once alone and again when spliced and sent).
 */
export function storedForm(event: NewEvent, seq: number, epoch: string): StoredForm {
	const key = textKeyOf(event.type);
	const text = key === undefined ? undefined : (event as unknown as Record<TextKey, string | undefined>)[key];
	if (key === undefined || text === undefined || !wellFormed(text)) {
		const json = JSON.stringify({...event, seq, epoch});
		return {json, text: undefined, published: json};
	}
	if (event.type === 'message') {
		// The common case, written out as JSON.stringify would write the object (the same keys
		// in the same order): the stored form is the published one's head, not cut from it.
		const head =
			'{"type":"message","room":' + JSON.stringify(event.room) + ',"ts":' + JSON.stringify(event.ts) + ',"from":' + JSON.stringify(event.from) +
			(event.action ? ',"action":true' : '') + ',"seq":' + JSON.stringify(seq) + ',"epoch":' + JSON.stringify(epoch);
		return {json: head + '}', text, published: head + ',"text":' + JSON.stringify(text) + '}'};
	}
	const rest: Record<string, unknown> = {...event};
	delete rest[key];
	const published = JSON.stringify({...rest, seq, epoch, [key]: text});
	// The text is the last field, and JSON escapes every quote inside it: the last `,"key":`
	// is where it starts.
	const json = published.slice(0, published.lastIndexOf(`,"${key}":`)) + '}';
	return {json, text, published};
}

/** A stored row as it is published and sent in history: the JSON with its free text, if any. */
export function publishedForm(json: string, text: string | null): string {
	if (text === null) return json;
	return splice(json, json.startsWith('{"type":"part"') ? 'reason' : 'text', text);
}

function textKeyOf(type: NewEvent['type']): TextKey | undefined {
	if (type === 'part') return 'reason';
	if (type === 'message' || type === 'topic' || type === 'away') return 'text';
	return undefined;
}

function splice(json: string, key: TextKey, text: string): string {
	return json.slice(0, -1) + ',"' + key + '":' + JSON.stringify(text) + '}';
}

/**
 * Text that SQLite stores as it is: no lone surrogate (which UTF-8 cannot hold; JSON can, as
 * an escape, so such text stays in the JSON).
 */
function wellFormed(text: string): boolean {
	return (text as string & {isWellFormed(): boolean}).isWellFormed();
}
