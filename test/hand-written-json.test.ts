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
			assert.equal(publishedForm(form.json, form.text ?? null, 7, 'E'), form.published, 'stored, then joined as history pages are');
		}
	}
});

test('every kind of event, stored without its seq, epoch and free text, is joined again into what was published', () => {
	const events = [
		{type: 'topic' as const, room: 'dev', ts: 5, from: 'op', text: 'say "hi" \u001b', lock: true},
		{type: 'part' as const, room: 'dev', ts: 6, from: 'bob', reason: '\u001b[2J bye ,"seq":1'},
		{type: 'part' as const, room: 'dev', ts: 6, from: 'bob'},
		{type: 'join' as const, room: 'dev', ts: 7, from: 'carol'},
		{type: 'message' as const, room: 'dev', ts: 8, from: 'dave', text: 'lone \ud800 surrogate'},
		{type: 'away' as const, room: 'dev', ts: 9, from: 'erin', text: ',"seq":3,"epoch":"x"'},
	];
	for (const event of events) {
		const form = storedForm(event, 12, 'E"2');
		// Published as before: free text last when it is kept apart, where it was when it stays in the JSON.
		const {text, reason, ...rest} = event as typeof event & {text?: string; reason?: string};
		const free = text ?? reason;
		const expected = free === undefined || free.includes('\ud800') ? {...event, seq: 12, epoch: 'E"2'} : {...rest, seq: 12, epoch: 'E"2', ...(text === undefined ? {reason} : {text})};
		assert.equal(form.published, JSON.stringify(expected), event.type);
		assert.ok(!form.json.includes('"seq"') && !form.json.includes('E\\"2'), `${form.json}: no seq, no epoch`);
		assert.equal(publishedForm(form.json, form.text ?? null, 12, 'E"2'), form.published, event.type);
	}
});
