import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {decodeCommandFrame, decodeCommandFrames, isRejection, validateCommand, type Rejection} from '../src/protocol/codec.js';
import {decodeFeedFrames, decodeReplyFrame} from '../src/protocol/incoming.js';
import {MAX_FRAMES, MAX_FRAME_BYTES, MAX_TEXT_BYTES} from '../src/protocol/limits.js';
import {nickFrom, nickKey, nickProblem, nickWithSuffix, parseRoom} from '../src/protocol/names.js';
import {safeLines, sanitize} from '../src/protocol/sanitize.js';
import {roomTopic, topicRoom} from '../src/protocol/topic.js';
import type {Command} from '../src/protocol/types.js';

const frame = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

function rejected(item: Command | Rejection): Rejection {
	assert.ok(isRejection(item), `expected a rejection, got ${JSON.stringify(item)}`);
	return item;
}

describe('codec: commands that are accepted', () => {
	const session = 's'.repeat(20);
	const cases: Array<[string, unknown, unknown]> = [
		['hello', {type: 'hello', v: 1, nick: 'alice', session, rooms: ['#Lobby', 'dev', 'dev']}, {type: 'hello', v: 1, nick: 'alice', session, rooms: ['lobby', 'dev']}],
		['say', {type: 'say', id: 'm1', room: 'lobby', text: 'hi'}, {type: 'say', id: 'm1', room: 'lobby', text: 'hi'}],
		['say action', {type: 'say', id: 'm1', room: '#lobby', text: 'waves', action: true}, {type: 'say', id: 'm1', room: 'lobby', text: 'waves', action: true}],
		['join', {type: 'join', room: 'dev'}, {type: 'join', room: 'dev'}],
		['part with reason', {type: 'part', room: 'dev', reason: 'bye'}, {type: 'part', room: 'dev', reason: 'bye'}],
		['nick', {type: 'nick', nick: 'bob'}, {type: 'nick', nick: 'bob'}],
		['topic get', {type: 'topic', room: 'dev'}, {type: 'topic', room: 'dev'}],
		['who', {type: 'who'}, {type: 'who'}],
		['msg', {type: 'msg', id: 'd1', to: 'bob', text: 'psst'}, {type: 'msg', id: 'd1', to: 'bob', text: 'psst'}],
		['history clamps limit', {type: 'history', room: 'dev', after: 3, limit: 100000}, {type: 'history', room: 'dev', after: 3, limit: 500}],
		['ping', {type: 'ping', id: 'p'}, {type: 'ping', id: 'p'}],
		['bye', {type: 'bye'}, {type: 'bye'}],
	];
	for (const [name, input, expected] of cases) {
		test(name, () => assert.deepEqual(decodeCommandFrame(frame(input)), expected));
	}

	test('fields a client should not set are never copied', () => {
		const cmd = decodeCommandFrame(frame({type: 'say', id: 'm1', room: 'lobby', text: 'hi', from: 'mallory', seq: 99, epoch: 'x', ts: 1}));
		assert.deepEqual(cmd, {type: 'say', id: 'm1', room: 'lobby', text: 'hi'});
	});
});

describe('codec: every malformed input class gets an error code', () => {
	const cases: Array<[string, Buffer, string]> = [
		['empty frame', Buffer.alloc(0), 'bad_frame'],
		['oversize frame', Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20), 'bad_frame'],
		['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'bad_utf8'],
		['not JSON', frame('{"type": "say",'), 'bad_json'],
		['JSON but not an object', frame('[1,2,3]'), 'bad_json'],
		['null', frame('null'), 'bad_json'],
		['no type', frame({id: 'x'}), 'bad_type'],
		['unknown type', frame({type: 'launch'}), 'bad_type'],
		['type is a prototype key', frame({type: '__proto__'}), 'bad_type'],
		['missing field', frame({type: 'say', id: 'm1', room: 'lobby'}), 'bad_field'],
		['say without id', frame({type: 'say', room: 'lobby', text: 'x'}), 'bad_field'],
		['wrong field type', frame({type: 'say', id: 'm1', room: 'lobby', text: 42}), 'bad_field'],
		['id too long', frame({type: 'say', id: 'x'.repeat(65), room: 'lobby', text: 'x'}), 'bad_field'],
		['text over the limit', frame({type: 'say', id: 'm1', room: 'lobby', text: 'é'.repeat(MAX_TEXT_BYTES / 2 + 1)}), 'text_too_long'],
		['blank text', frame({type: 'say', id: 'm1', room: 'lobby', text: '  \n '}), 'text_empty'],
		['bad room', frame({type: 'join', room: 'dev ops'}), 'room_invalid'],
		['room with the topic delimiter', frame({type: 'join', room: 'dev:'}), 'room_invalid'],
		['bad nick', frame({type: 'nick', nick: 'al ice'}), 'nick_invalid'],
		['Cyrillic look-alike nick', frame({type: 'nick', nick: 'аlice'}), 'nick_invalid'],
		['fullwidth nick', frame({type: 'nick', nick: 'ａlice'}), 'nick_invalid'],
		['zero-width joiner in nick', frame({type: 'nick', nick: 'al\u200dice'}), 'nick_invalid'],
		['short session secret', frame({type: 'hello', v: 1, nick: 'a', session: 'short'}), 'bad_field'],
		['negative seq', frame({type: 'history', room: 'x', after: -1}), 'bad_field'],
		['fractional limit', frame({type: 'history', room: 'x', limit: 1.5}), 'bad_field'],
		['boolean as string', frame({type: 'say', id: 'm1', room: 'lobby', text: 'x', action: 'yes'}), 'bad_field'],
	];
	for (const [name, input, code] of cases) {
		test(name, () => assert.equal(rejected(decodeCommandFrame(input)).code, code));
	}

	test('the id of a refused command is echoed as re when it can be read', () => {
		assert.equal(rejected(decodeCommandFrame(frame({type: 'say', id: 'm7', room: 'lobby'}))).re, 'm7');
	});

	test('frame count: none, too many, and the REQ envelope', () => {
		assert.equal(rejected(decodeCommandFrames([]).items[0]!).code, 'bad_frame');
		const many = Array.from({length: MAX_FRAMES + 1}, () => frame({type: 'ping'}));
		assert.equal(rejected(decodeCommandFrames(many).items[0]!).code, 'bad_frame');
		assert.equal(decodeCommandFrames(many).items.length, 1);
		const req = decodeCommandFrames([Buffer.alloc(0), frame({type: 'stats'})]);
		assert.equal(req.envelope, 'req');
		assert.deepEqual(req.items, [{type: 'stats'}]);
		assert.equal(rejected(decodeCommandFrames([Buffer.alloc(0)]).items[0]!).code, 'bad_frame');
		assert.equal(rejected(decodeCommandFrames([Buffer.alloc(0), frame({type: 'ping'}), frame({type: 'ping'})]).items[0]!).code, 'bad_frame');
	});

	test('validateCommand never throws on odd values', () => {
		for (const v of [undefined, 0, 'x', [], {type: {}}, {type: 'say', id: {}, room: [], text: null}, Object.create(null)]) {
			assert.ok(isRejection(validateCommand(v)));
		}
	});
});

describe('names', () => {
	test('nick rules', () => {
		assert.equal(nickProblem('alice'), undefined);
		assert.equal(nickProblem('a.b-c_9'), undefined);
		assert.match(nickProblem('')!, /empty/);
		assert.match(nickProblem('x'.repeat(17))!, /at most 16/);
		assert.match(nickProblem('bob!')!, /ASCII/);
	});
	test('nicks clash whatever their case', () => assert.equal(nickKey('Alice'), nickKey('aLICE')));
	test('a login name becomes a valid nick', () => {
		assert.equal(nickFrom('john.doe'), 'john.doe');
		assert.equal(nickFrom('José María'), 'Jos__Mar_a');
		assert.equal(nickFrom('a-very-long-login-name-indeed'), 'a-very-long-logi');
		assert.equal(nickFrom(''), 'guest');
		assert.equal(nickFrom('---'), 'guest');
	});
	test('suffixes stay within the length limit', () => {
		assert.equal(nickWithSuffix('alice', 2), 'alice2');
		assert.equal(nickWithSuffix('sixteen-chars-xx', 12), 'sixteen-chars-12');
	});
	test('room names', () => {
		assert.deepEqual(parseRoom('#Dev'), {room: 'dev'});
		assert.deepEqual(parseRoom('ops_2'), {room: 'ops_2'});
		assert.ok('error' in parseRoom('#'));
		assert.ok('error' in parseRoom('a'.repeat(33)));
		assert.ok('error' in parseRoom('dev/ops'));
	});
});

describe('topics', () => {
	test('a room topic never matches another room by prefix', () => {
		assert.equal(roomTopic('dev'), '#dev:');
		assert.ok(!roomTopic('devops').startsWith(roomTopic('dev')));
		assert.equal(topicRoom('#dev:'), 'dev');
		assert.equal(topicRoom('dev'), undefined);
	});
});

describe('sanitize: nothing reaches a terminal that could act on it', () => {
	const cases: Array<[string, string, string]> = [
		['plain text is untouched', 'hello, wörld ✓ 日本', 'hello, wörld ✓ 日本'],
		['CSI colour', 'a\x1b[31mred', 'a^[[31mred'],
		['OSC title', '\x1b]0;pwned\x07', '^[]0;pwned^G'],
		['OSC 52 clipboard', '\x1b]52;c;ZWNobyBoaQ==\x07', '^[]52;c;ZWNobyBoaQ==^G'],
		['OSC 8 hyperlink', '\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\', '^[]8;;http://evil^[\\x^[]8;;^[\\'],
		['C1 CSI', 'a\u009b31m', 'a<U+009B>31m'],
		['bare CR', 'safe\rEVIL', 'safe^MEVIL'],
		['BEL', 'ding\x07', 'ding^G'],
		['DEL', 'x\x7f', 'x^?'],
		['bidi override', 'abc\u202edcba', 'abc<U+202E>dcba'],
		['bidi isolate', '\u2066x\u2069', '<U+2066>x<U+2069>'],
		['zero-width space and joiner', 'a\u200bb\u200dc', 'a<U+200B>b<U+200D>c'],
		['BOM', '\ufeffx', '<U+FEFF>x'],
		['tag characters', 'x\u{e0041}', 'x<U+E0041>'],
		['newline escaped by default', 'a\nb', 'a^Jb'],
		['tab becomes spaces', 'a\tb', 'a    b'],
		['lone surrogate', 'a\ud800b', 'a<U+D800>b'],
	];
	for (const [name, input, expected] of cases) test(name, () => assert.equal(sanitize(input), expected));
	test('emoji survive', () => assert.equal(sanitize('👍🏽 ok'), '👍🏽 ok'));
	test('multi-line text splits into safe lines', () => assert.deepEqual(safeLines('one\r\ntwo\x1b[2J\nthree'), ['one', 'two^[[2J', 'three']));
	test('no output of sanitize contains ESC, C1, or bidi controls', () => {
		let all = '';
		for (let cp = 0; cp < 0x3000; cp++) all += String.fromCodePoint(cp);
		const out = sanitize(all, false);
		assert.doesNotMatch(out, /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
	});
});

describe('incoming: what a client accepts from the hub', () => {
	const event = {type: 'message', room: 'dev', seq: 3, epoch: 'e', ts: 1, from: 'alice', text: 'hi'};
	test('feed frames: events of the topic room only', () => {
		const events = decodeFeedFrames([frame('#dev:'), frame(event), frame({...event, room: 'other'}), frame('{bad'), frame({...event, seq: 'x'})]);
		assert.deepEqual(events, [event]);
	});
	test('feed frames with a non-room topic are ignored', () => {
		assert.deepEqual(decodeFeedFrames([frame('dev'), frame(event)]), []);
		assert.deepEqual(decodeFeedFrames([frame('#dev:')]), []);
	});
	test('replies are checked field by field', () => {
		assert.equal(decodeReplyFrame(frame({type: 'ack', re: 'm1', seq: 4}))?.type, 'ack');
		assert.equal(decodeReplyFrame(frame({type: 'ack', seq: 4})), undefined);
		assert.equal(decodeReplyFrame(frame({type: 'welcome', nick: 'a'})), undefined);
		assert.equal(decodeReplyFrame(frame({type: 'nonsense'})), undefined);
		assert.equal(decodeReplyFrame(Buffer.from([0xff])), undefined);
	});
	test('history drops events that are not of its room', () => {
		const h = decodeReplyFrame(frame({type: 'history', room: 'dev', epoch: 'e', head: 3, more: false, events: [event, {...event, room: 'x'}, {junk: 1}]}));
		assert.ok(h && h.type === 'history');
		assert.deepEqual(h.events, [event]);
	});
});
