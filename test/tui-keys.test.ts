import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {decodeKeys, PASTE_END, PASTE_START, type KeyPress} from '../src/ui/keys.js';
import {cleanPaste, submission} from '../src/ui/paste.js';

function k(name: string, mods: Partial<Pick<KeyPress, 'ctrl' | 'meta' | 'shift'>> = {}): KeyPress {
	return {name, ctrl: false, meta: false, shift: false, ...mods};
}

describe('keys from terminal input', () => {
	test('typed text is one press; control characters in it are keys of their own', () => {
		assert.deepEqual(decodeKeys('hello'), [{...k('text'), text: 'hello'}]);
		assert.deepEqual(decodeKeys('hi\r'), [{...k('text'), text: 'hi'}, k('return')]);
		assert.deepEqual(decodeKeys('日本'), [{...k('text'), text: '日本'}]);
	});

	test('control keys', () => {
		assert.deepEqual(decodeKeys('\x01'), [k('a', {ctrl: true})]);
		assert.deepEqual(decodeKeys('\x17'), [k('w', {ctrl: true})]);
		assert.deepEqual(decodeKeys('\x03'), [k('c', {ctrl: true})]);
		assert.deepEqual(decodeKeys('\n'), [k('j', {ctrl: true})]);
		assert.deepEqual(decodeKeys('\t'), [k('tab')]);
		assert.deepEqual(decodeKeys('\x7f'), [k('backspace')]);
		assert.deepEqual(decodeKeys('\x08'), [k('backspace', {ctrl: true})]);
	});

	test('Alt is ESC before a key', () => {
		assert.deepEqual(decodeKeys('\x1bb'), [k('b', {meta: true})]);
		assert.deepEqual(decodeKeys('\x1b1'), [k('1', {meta: true})]);
		assert.deepEqual(decodeKeys('\x1bB'), [k('b', {meta: true, shift: true})]);
		assert.deepEqual(decodeKeys('\x1b\x7f'), [k('backspace', {meta: true})]);
		assert.deepEqual(decodeKeys('\x1b\r'), [k('return', {meta: true})]);
		assert.deepEqual(decodeKeys('\x1b'), [k('escape')]);
	});

	test('cursor and editing keys, in the xterm, vt and rxvt spellings', () => {
		assert.deepEqual(decodeKeys('\x1b[A'), [k('up')]);
		assert.deepEqual(decodeKeys('\x1bOB'), [k('down')]);
		assert.deepEqual(decodeKeys('\x1b[H'), [k('home')]);
		assert.deepEqual(decodeKeys('\x1b[1~'), [k('home')]);
		assert.deepEqual(decodeKeys('\x1b[F'), [k('end')]);
		assert.deepEqual(decodeKeys('\x1b[4~'), [k('end')]);
		assert.deepEqual(decodeKeys('\x1bOF'), [k('end')]);
		assert.deepEqual(decodeKeys('\x1b[3~'), [k('delete')]);
		assert.deepEqual(decodeKeys('\x1b[5~'), [k('pageup')]);
		assert.deepEqual(decodeKeys('\x1b[6~'), [k('pagedown')]);
		assert.deepEqual(decodeKeys('\x1b[Z'), [k('tab', {shift: true})]);
	});

	test('modifiers on keys: Shift+Up, Ctrl+Left, Alt+Right, Shift+PgUp, rxvt Shift+Up', () => {
		assert.deepEqual(decodeKeys('\x1b[1;2A'), [k('up', {shift: true})]);
		assert.deepEqual(decodeKeys('\x1b[1;5D'), [k('left', {ctrl: true})]);
		assert.deepEqual(decodeKeys('\x1b[1;3C'), [k('right', {meta: true})]);
		assert.deepEqual(decodeKeys('\x1b[5;2~'), [k('pageup', {shift: true})]);
		assert.deepEqual(decodeKeys('\x1b[a'), [k('up', {shift: true})]);
		assert.deepEqual(decodeKeys('\x1b\x1b[A'), [k('up', {meta: true})]);
		assert.deepEqual(decodeKeys('\x1b[1;5F'), [k('end', {ctrl: true})]);
	});

	test('kitty keyboard protocol keys', () => {
		assert.deepEqual(decodeKeys('\x1b[99;5u'), [k('c', {ctrl: true})]);
		assert.deepEqual(decodeKeys('\x1b[13u'), [k('return')]);
	});

	test('an unknown sequence is not text', () => {
		assert.deepEqual(decodeKeys('\x1b[99X'), [k('unknown')]);
		assert.equal(PASTE_START, '\x1b[200~');
		assert.equal(PASTE_END, '\x1b[201~');
	});
});

describe('pasted text', () => {
	test('line breaks become "\\n", one trailing break goes, tabs become spaces', () => {
		assert.equal(cleanPaste('one\rtwo\r\nthree\n'), 'one\ntwo\nthree');
		assert.equal(cleanPaste('a\tb'), 'a    b');
	});

	test('escape sequences and control characters are dropped', () => {
		assert.equal(cleanPaste('\x1b[31mred\x1b[0m \x1b]0;title\x07x\x00\x07y'), 'red xy');
	});

	test('one row is a line for the client to parse; several rows are one message', () => {
		assert.deepEqual(submission('hello'), {type: 'line', text: 'hello'});
		assert.deepEqual(submission('/join dev'), {type: 'line', text: '/join dev'});
		assert.deepEqual(submission('a\nb'), {type: 'intent', intent: {type: 'say', text: 'a\nb'}});
		assert.deepEqual(submission('/me waves\nand bows'), {type: 'intent', intent: {type: 'me', text: 'waves\nand bows'}});
		assert.deepEqual(submission('/msg bob one\ntwo'), {type: 'intent', intent: {type: 'msg', to: 'bob', text: 'one\ntwo'}});
		// A pasted path or code is said as it is, not taken for a command.
		assert.deepEqual(submission('/etc/hosts:\n127.0.0.1 localhost'), {type: 'intent', intent: {type: 'say', text: '/etc/hosts:\n127.0.0.1 localhost'}});
	});
});
