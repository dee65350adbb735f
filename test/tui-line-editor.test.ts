import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {complete, completionSources, type CompletionSources} from '../src/ui/completion.js';
import {EMPTY_HISTORY, HISTORY_LIMIT, edited, newer, older, remember} from '../src/ui/input-history.js';
import {EMPTY_EDITOR, edit, type EditAction, type Editor} from '../src/ui/line-editor.js';
import {event, Sim} from './helpers/sim.js';

/** An editor from "text|with cursor" notation. */
function ed(marked: string): Editor {
	const cursor = marked.indexOf('|');
	return {text: marked.replace('|', ''), cursor};
}

function show(e: Editor): string {
	return e.text.slice(0, e.cursor) + '|' + e.text.slice(e.cursor);
}

function run(start: string, ...actions: EditAction['type'][]): string {
	let e = ed(start);
	for (const a of actions) e = edit(e, a === 'insert' || a === 'set' ? {type: a, text: 'X'} : ({type: a} as EditAction));
	return show(e);
}

describe('line editor', () => {
	test('inserts at the cursor', () => {
		assert.equal(show(edit(ed('ab|cd'), {type: 'insert', text: 'XY'})), 'abXY|cd');
		assert.equal(show(edit(EMPTY_EDITOR, {type: 'insert', text: 'hi'})), 'hi|');
	});

	test('Left, Right, Home, End stay within the line', () => {
		assert.equal(run('ab|c', 'left'), 'a|bc');
		assert.equal(run('|abc', 'left'), '|abc');
		assert.equal(run('ab|c', 'right', 'right'), 'abc|');
		assert.equal(run('ab|c', 'home'), '|abc');
		assert.equal(run('a|bc', 'end'), 'abc|');
	});

	test('Backspace and Delete remove one character', () => {
		assert.equal(run('ab|c', 'backspace'), 'a|c');
		assert.equal(run('|abc', 'backspace'), '|abc');
		assert.equal(run('a|bc', 'delete'), 'a|c');
		assert.equal(run('abc|', 'delete'), 'abc|');
	});

	test('a cluster (emoji, accented letter, CJK) moves and deletes as one character', () => {
		assert.equal(run('a👨‍👩‍👧|b', 'left'), 'a|👨‍👩‍👧b');
		assert.equal(run('a|👨‍👩‍👧b', 'right'), 'a👨‍👩‍👧|b');
		assert.equal(run('xe\u0301|', 'backspace'), 'x|');
		assert.equal(run('|日本', 'delete'), '|本');
	});

	test('Ctrl+W deletes the word before the cursor, and the spaces after it', () => {
		assert.equal(run('hello big world|', 'deleteWordBack'), 'hello big |');
		assert.equal(run('hello big   |', 'deleteWordBack'), 'hello |');
		assert.equal(run('hello |world', 'deleteWordBack'), '|world');
	});

	test('Alt+B and Alt+F move by words; Alt+D deletes the next one', () => {
		assert.equal(run('one two three|', 'wordLeft'), 'one two |three');
		assert.equal(run('one two three|', 'wordLeft', 'wordLeft'), 'one |two three');
		assert.equal(run('|one two', 'wordRight'), 'one| two');
		assert.equal(run('one| two three', 'wordRight'), 'one two| three');
		assert.equal(run('one |two three', 'deleteWordForward'), 'one | three');
	});

	test('Ctrl+U and Ctrl+K cut to the start and to the end', () => {
		assert.equal(run('abc|def', 'killToStart'), '|def');
		assert.equal(run('abc|def', 'killToEnd'), 'abc|');
	});

	test('an edit that changes nothing returns the same editor', () => {
		const e = ed('|abc');
		assert.equal(edit(e, {type: 'backspace'}), e);
	});
});

describe('input history', () => {
	test('Up walks back through sent lines, Down comes back to the draft', () => {
		let h = remember(remember(EMPTY_HISTORY, 'first'), 'second');
		const up1 = older(h, 'draft text')!;
		assert.equal(up1.text, 'second');
		const up2 = older(up1.history, up1.text)!;
		assert.equal(up2.text, 'first');
		assert.equal(older(up2.history, up2.text), undefined);
		const down1 = newer(up2.history)!;
		assert.equal(down1.text, 'second');
		const down2 = newer(down1.history)!;
		assert.equal(down2.text, 'draft text');
		assert.equal(newer(down2.history), undefined);
		h = down2.history;
		assert.equal(h.index, undefined);
	});

	test('blank lines and repeats of the last line are not kept', () => {
		const h = remember(remember(remember(EMPTY_HISTORY, 'a'), 'a'), '   ');
		assert.deepEqual(h.entries, ['a']);
	});

	test('keeps the last HISTORY_LIMIT lines', () => {
		let h = EMPTY_HISTORY;
		for (let i = 0; i < HISTORY_LIMIT + 10; i++) h = remember(h, `line ${i}`);
		assert.equal(h.entries.length, HISTORY_LIMIT);
		assert.equal(h.entries[0], 'line 10');
	});

	test('editing a recalled line makes it the draft', () => {
		const h = remember(EMPTY_HISTORY, 'a');
		const up = older(h, '')!;
		assert.equal(edited(up.history).index, undefined);
	});
});

describe('completion', () => {
	const sources: CompletionSources = {nicks: ['zoe', 'bob', 'bart', 'Barbara'], rooms: ['#lobby', '#dev', '#design'], commands: ['/join', '/me', '/msg', '/help']};

	test('a nick at the start of the line gets ": "', () => {
		const r = complete(ed('zo|'), undefined, sources)!;
		assert.equal(show(r.editor), 'zoe: |');
	});

	test('a nick inside the line gets a space; text after the cursor stays', () => {
		const r = complete(ed('hi zo| there'), undefined, sources)!;
		assert.equal(show(r.editor), 'hi zoe | there');
	});

	test('candidates come most recently active first, and Tab again cycles through them', () => {
		let r = complete(ed('b|'), undefined, sources)!;
		assert.equal(show(r.editor), 'bob: |');
		r = complete(r.editor, r.completion, sources)!;
		assert.equal(show(r.editor), 'bart: |');
		r = complete(r.editor, r.completion, sources)!;
		assert.equal(show(r.editor), 'Barbara: |');
		r = complete(r.editor, r.completion, sources)!;
		assert.equal(show(r.editor), 'bob: |');
	});

	test('/commands at the start of the line, #rooms and @nicks anywhere', () => {
		assert.equal(show(complete(ed('/jo|'), undefined, sources)!.editor), '/join |');
		assert.equal(complete(ed('say /jo|'), undefined, sources), undefined);
		assert.equal(show(complete(ed('/join #de|'), undefined, sources)!.editor), '/join #dev |');
		assert.equal(show(complete(ed('/msg @zo|'), undefined, sources)!.editor), '/msg @zoe |');
	});

	test('nothing to complete: no change', () => {
		assert.equal(complete(ed('xyz|'), undefined, sources), undefined);
		assert.equal(complete(ed('hello |'), undefined, sources), undefined);
	});

	test('sources from the state: who spoke last first, then the other members, never yourself', () => {
		const sim = new Sim({nick: 'alice'}).connect({lobby: ['alice', 'amy', 'bob', 'carl', 'dora']});
		sim.feed(event('lobby', 1, 'carl', 'hi'), event('lobby', 2, 'bob', 'yo'), event('lobby', 3, 'alice', 'hey'));
		const s = completionSources(sim.state);
		assert.deepEqual(s.nicks, ['bob', 'carl', 'amy', 'dora']);
		assert.deepEqual(s.rooms, ['#lobby']);
		assert.ok(s.commands.includes('/join'));
	});
});
