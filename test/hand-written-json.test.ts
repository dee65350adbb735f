import assert from 'node:assert/strict';
import {test} from 'node:test';
import {ackFrame} from '../src/hub/outbox.js';
import {publishedForm, storedForm} from '../src/hub/stored-event.js';

/**
 * The hub writes the JSON of its two most frequent frames by hand (an ack, a message event):
 * they must stay byte for byte what JSON.stringify of the same object gives, for any text a
 * peer can send (quotes, backslashes, control characters, line separators, lone surrogates
 * are refused before, so well-formed Unicode only).
 */
const TEXTS = ['plain', 'say "hi" \\ there', '\u001b[2J\r\n\t\u0000', '\u2028\u2029', '日本語 👨‍👩‍👧', '</script>', ''];

test('an ack written by hand is what JSON.stringify writes', () => {
	for (const id of TEXTS) {
		for (const room of ['lobby', 'dev:ops', 'a"b']) {
			assert.equal(ackFrame(id, room, 42, 'E"1'), JSON.stringify({type: 'ack', re: id, room, seq: 42, epoch: 'E"1'}));
		}
	}
});

test('a message event written by hand is what JSON.stringify writes, stored apart from its text and joined again', () => {
	for (const text of TEXTS) {
		for (const action of [undefined, true] as const) {
			const event = {type: 'message' as const, room: 'lobby', ts: 1796053981697, from: 'a"\\b', ...(action ? {action} : {}), text};
			const form = storedForm(event, 7, 'E');
			const {text: t, ...rest} = event;
			assert.equal(form.published, JSON.stringify({...rest, seq: 7, epoch: 'E', text: t}), JSON.stringify(text));
			assert.equal(publishedForm(form.json, form.text ?? null), form.published, 'stored, then joined as history pages are');
		}
	}
});
