/**
 * How a feed event is kept in the store and how it goes out: its free text (a message's,
 * topic's or away's `text`, a part's `reason`) kept as it came, beside the JSON of the rest.
 *
 * JSON escapes a control character as `\u001b`: six bytes for one. Kept inside the event's
 * JSON, 4 KB of control characters took 24 KB of the disk; kept in a column of its own, they
 * take 4 KB. Its seq and epoch are not kept either: the seq is in the row's key and the
 * epoch is the store's (~30 bytes of each row, docs/PERFORMANCE.md "The store's pages"). The
 * published event and a history page carry the same JSON: the stored JSON with the seq, the
 * epoch and the free text as its last fields.
 */
import type {NewEvent} from './storage.js';

/** The field of an event that holds free text, by event type (none for the others). */
type TextKey = 'text' | 'reason';

/** An event as the store keeps it: JSON without its free text, seq and epoch, and the text. */
export interface StoredForm {
	/** The event's JSON without its seq, epoch and free text. */
	readonly json: string;
	/** The free text as it came, or undefined (none, or one that must stay escaped in `json`). */
	readonly text: string | undefined;
	/** The event as published: `json` with the seq, epoch and text spliced in. */
	readonly published: string;
}

/**
 * The stored and published forms of an event given its seq: the event's JSON without its free
 * text, seq and epoch, and the published JSON joined from it as a row read back is joined
 * (`joined`), so one function says how the published bytes are made. The free text is
 * escaped once: a 4 KB text of control characters is 24 KB of JSON.
 */
export function storedForm(event: NewEvent, seq: number, epoch: string): StoredForm {
	const key = textKeyOf(event.type);
	const text = key === undefined ? undefined : (event as unknown as Record<TextKey, string | undefined>)[key];
	if (key === undefined || text === undefined || !wellFormed(text)) {
		const json = JSON.stringify(event);
		return {json, text: undefined, published: publishedForm(json, null, seq, epoch)};
	}
	if (event.type === 'message') {
		// The common case, written out as JSON.stringify would write the event without its text
		// (the same keys in the same order).
		const head =
			'{"type":"message","room":' + JSON.stringify(event.room) + ',"ts":' + JSON.stringify(event.ts) + ',"from":' + JSON.stringify(event.from) + (event.action ? ',"action":true' : '');
		return {json: head + '}', text, published: joined(head, seq, epoch, key, text)};
	}
	const rest: Record<string, unknown> = {...event};
	delete rest[key];
	const json = JSON.stringify(rest);
	return {json, text, published: joined(json.slice(0, -1), seq, epoch, key, text)};
}

/** A stored row as it is published and sent in history: the JSON with its seq, the epoch and its free text, if any. */
export function publishedForm(json: string, text: string | null, seq: number, epoch: string): string {
	return joined(json.slice(0, -1), seq, epoch, json.startsWith('{"type":"part"') ? 'reason' : 'text', text);
}

/**
 * An event's JSON without its closing brace, joined with the seq and epoch and then the free
 * text (if any), as JSON.stringify writes those fields after the event's own.
 */
function joined(head: string, seq: number, epoch: string, key: TextKey, text: string | null): string {
	const fields = head + ',"seq":' + JSON.stringify(seq) + ',"epoch":' + JSON.stringify(epoch);
	return text === null ? fields + '}' : fields + ',"' + key + '":' + JSON.stringify(text) + '}';
}

function textKeyOf(type: NewEvent['type']): TextKey | undefined {
	if (type === 'part') return 'reason';
	if (type === 'message' || type === 'topic' || type === 'away') return 'text';
	return undefined;
}

/**
 * Text that SQLite stores as it is: no lone surrogate (which UTF-8 cannot hold; JSON can, as
 * an escape, so such text stays in the JSON).
 */
function wellFormed(text: string): boolean {
	return (text as string & {isWellFormed(): boolean}).isWellFormed();
}
