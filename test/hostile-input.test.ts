import assert from 'node:assert/strict';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {Store} from '../src/hub/store.js';
import {MAX_FRAME_BYTES, MAX_FRAMES, MAX_ROOMS_PER_SESSION, MAX_TEXT_BYTES} from '../src/protocol/limits.js';
import {nickKey} from '../src/protocol/names.js';
import {escapeJsonForTerminal, isTerminalSafe, safeJson, sanitize} from '../src/protocol/sanitize.js';
import type {Reply} from '../src/protocol/types.js';
import {plainLine, jsonObject} from '../src/ui/format.js';
import {CoreHarness} from './helpers/core-harness.js';

/**
 * Hostile input, case by case: every limit refused with its error code, look-alike nicks,
 * and text that would act on a terminal shown escaped in every output.
 */

const code = (r: Reply | undefined) => (r?.type === 'error' ? r.code : r?.type);

/** Code points that must never reach a terminal raw. */
// eslint-disable-next-line no-control-regex
const DANGEROUS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u034f\u061c\u17b4\u17b5\u115f\u1160\u180e\u200b-\u200c\u200e-\u200f\u2028-\u202e\u2060-\u206f\u2800\u3164\ufeff\uffa0\ufff9-\ufffb]|[\u{e0000}-\u{e007f}]/u;

describe('limits: each refused with an error code, never silently', () => {
	let store: Store;
	let h: CoreHarness;
	beforeEach(() => {
		store = new Store();
		h = new CoreHarness(store, {maxSessions: 3, maxRooms: 40});
	});
	afterEach(() => store.close());

	test('frame size, frame count, empty frames', () => {
		const p = h.peer('p');
		h.core.receive(p.id, [Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20)], h.now);
		h.core.receive(p.id, Array.from({length: MAX_FRAMES + 1}, () => Buffer.from('{"type":"ping"}')), h.now);
		h.core.receive(p.id, [Buffer.alloc(0)], h.now);
		h.core.receive(p.id, [], h.now);
		h.flush();
		assert.deepEqual(
			p.replies.map(r => code(r)),
			['bad_frame', 'bad_frame', 'bad_frame', 'bad_frame'],
		);
	});

	test('text length, nick and room rules, fields of the wrong type', () => {
		const p = h.peer('p');
		h.hello(p);
		assert.equal(code(h.ask(p, {type: 'say', room: 'lobby', text: 'x'.repeat(MAX_TEXT_BYTES + 1)})), 'text_too_long');
		assert.equal(code(h.ask(p, {type: 'say', room: 'lobby', text: 'ü'.repeat(MAX_TEXT_BYTES / 2 + 1)})), 'text_too_long', 'bytes, not characters');
		assert.equal(code(h.ask(p, {type: 'say', room: 'lobby', text: ' \n\t '})), 'text_empty');
		assert.equal(code(h.ask(p, {type: 'kick', nick: 'p', reason: 'r'.repeat(513)})), 'text_too_long');
		assert.equal(code(h.ask(p, {type: 'nick', nick: 'x'.repeat(17)})), 'nick_invalid');
		assert.equal(code(h.ask(p, {type: 'nick', nick: 'bob\u200b'})), 'nick_invalid');
		assert.equal(code(h.ask(p, {type: 'join', room: 'dev:ops'})), 'room_invalid');
		assert.equal(code(h.ask(p, {type: 'join', room: 'x'.repeat(33)})), 'room_invalid');
		assert.equal(code(h.ask(p, {type: 'ban', target: '#'.repeat(40)})), 'bad_field');
		assert.equal(code(h.ask(p, {type: 'mute', nick: 'p', durationMs: -5})), 'bad_field');
		assert.equal(code(h.ask(p, {type: 'lock', room: 'lobby', locked: 'yes'})), 'bad_field');
		assert.equal(code(h.ask(p, {type: 'hello', v: 1, nick: 'p', session: 's'.repeat(20), client: 'c'.repeat(65)})), 'bad_field');
	});

	test('rooms per session, rooms per hub, members per hub', () => {
		const p = h.peer('p');
		h.hello(p, 'p', Array.from({length: MAX_ROOMS_PER_SESSION}, (_, i) => `r${i}`));
		assert.equal(code(h.ask(p, {type: 'join', room: 'one-more'})), 'too_many_rooms');
		const q = h.peer('q');
		h.hello(q, 'q', Array.from({length: 8}, (_, i) => `s${i}`));
		const over = h.ask(q, {type: 'join', room: 'the-41st'});
		assert.equal(code(over), 'too_many_rooms');
		assert.match((over as {message: string}).message, /the hub has its maximum of 40 rooms/);
		assert.equal(code(h.hello(h.peer('r'), 'r', ['r0'])), 'welcome', 'rooms that exist can still be joined');
		const full = h.hello(h.peer('s'));
		assert.equal(code(full), 'hub_full');
	});
});

describe('look-alike nicks cannot imitate an online one', () => {
	test('nickKey folds case and ASCII look-alikes', () => {
		for (const [a, b] of [
			['alice', 'ALICE'],
			['alice', 'a1ice'],
			['alice', 'aIice'],
			['bob0', 'BOBO'],
			['mario', 'rnario'],
		]) {
			assert.equal(nickKey(a!), nickKey(b!), `${a} ~ ${b}`);
		}
		assert.notEqual(nickKey('alice'), nickKey('alicia'));
	});

	test('fullwidth, Cyrillic, zero-width, case and digit look-alikes are all refused', () => {
		const store = new Store();
		try {
			const h = new CoreHarness(store);
			h.hello(h.peer('alice'));
			const tries = {'ａlice': 'nick_invalid', 'аlice': 'nick_invalid', 'ali\u200dce': 'nick_invalid', ALICE: 'nick_taken', a1ice: 'nick_taken', 'aIice': 'nick_taken'};
			for (const [nick, expected] of Object.entries(tries)) {
				assert.equal(code(h.hello(h.peer(`x-${nick}`), nick)), expected, nick);
			}
			const bob = h.peer('bob');
			h.hello(bob);
			assert.equal(code(h.ask(bob, {type: 'nick', nick: 'Al1ce'})), 'nick_taken');
		} finally {
			store.close();
		}
	});
});

describe('terminal safety', () => {
	const cases: Array<[string, string, string]> = [
		['Hangul filler', 'a\u3164b', 'a<U+3164>b'],
		['braille blank', '\u2800', '<U+2800>'],
		['combining grapheme joiner', 'a\u034fb', 'a<U+034F>b'],
		['emoji with a zero-width joiner is kept', '👩‍💻 ok', '👩‍💻 ok'],
		['emoji with skin tone and joiner is kept', '👩🏽‍💻', '👩🏽‍💻'],
		['a flag sequence with a variation selector is kept', '🏳️‍🌈', '🏳️‍🌈'],
		['one variation selector is kept', '❤️', '❤️'],
		['a joiner between letters is escaped', 'pay\u200dpal', 'pay<U+200D>pal'],
		['a run of variation selectors (hidden data) is escaped', 'a\ufe0f\ufe0e\u{e0101}', 'a\ufe0f<U+FE0E><U+E0101>'],
		['Zalgo: marks past 8 on one letter', 'e' + '\u0301'.repeat(10), 'e' + '\u0301'.repeat(8) + '<U+0301><U+0301>'],
		['CSI, OSC 52, OSC 8, BEL, bare CR', '\x1b[2J\x1b]52;c;eA==\x07\x1b]8;;http://x\x1b\\a\rb', '^[[2J^[]52;c;eA==^G^[]8;;http://x^[\\a^Mb'],
	];
	for (const [name, input, expected] of cases) test(name, () => assert.equal(sanitize(input), expected));

	test('every code point: what sanitize returns is safe, and sanitizing it again changes nothing', () => {
		const chunk: string[] = [];
		for (let cp = 0; cp <= 0x10ffff; cp++) {
			if (cp >= 0xd800 && cp <= 0xdfff) continue;
			chunk.push(String.fromCodePoint(cp));
			if (chunk.length === 4096 || cp === 0x10ffff) {
				const text = chunk.join('');
				const out = sanitize(text);
				assert.doesNotMatch(out, DANGEROUS, `from U+${cp.toString(16)}`);
				assert.ok(isTerminalSafe(out));
				const json = escapeJsonForTerminal(JSON.stringify(text));
				assert.doesNotMatch(json, DANGEROUS);
				assert.equal(JSON.parse(json), text, 'JSON escaping keeps the exact text');
				chunk.length = 0;
			}
		}
	});

	test('line mode and --json: nicks, rooms, reasons and topics from a hub are escaped too', () => {
		const evil = '\x1b]0;owned\x07';
		const event = {type: 'part', room: `lobby${evil}`, from: `bob${evil}`, reason: evil, quit: true, removed: 'kick', by: `op${evil}`, seq: 1, epoch: 'e', ts: 0} as const;
		const item = {kind: 'event', key: 'k', event} as const;
		const line = plainLine(item as never);
		assert.doesNotMatch(line, DANGEROUS);
		assert.match(line, /bob\^\[\]0;owned\^G was kicked by op\^\[\]0;owned\^G \(\^\[\]0;owned\^G\)/);
		assert.doesNotMatch(safeJson(jsonObject(item as never)), DANGEROUS);
	});
});
