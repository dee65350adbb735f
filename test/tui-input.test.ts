import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {ClientState, RoomView} from '../src/client/state.js';
import {RowCache} from '../src/ui/feed-rows.js';
import {feedModel} from '../src/ui/feed-screen.js';
import {INITIAL_UI, onInput, type InputContext, type UiEffect, type UiState} from '../src/ui/input-reducer.js';
import {PASTE_END, PASTE_START} from '../src/ui/keys.js';
import {Sim} from './helpers/sim.js';

const UP = '\x1b[A';
const DOWN = '\x1b[B';
const PGUP = '\x1b[5~';
const PGDN = '\x1b[6~';
const END = '\x1b[F';
const SHIFT_UP = '\x1b[1;2A';
const LEFT = '\x1b[D';

/** Feed input events to the reducer the way Ink delivers them, collecting effects. */
class Keys {
	ui: UiState = INITIAL_UI;
	effects: UiEffect[] = [];
	private readonly cache = new RowCache();
	constructor(
		public state: ClientState,
		public height = 10,
	) {}
	ctx(): InputContext {
		return {state: this.state, feed: feedModel(this.state, {}, {width: 80, timestamps: false}, this.cache), height: this.height};
	}
	send(...events: string[]): this {
		for (const e of events) {
			const r = onInput(this.ui, e, this.ctx());
			this.ui = r.ui;
			this.effects.push(...r.effects);
		}
		return this;
	}
	take(): UiEffect[] {
		const out = this.effects;
		this.effects = [];
		return out;
	}
	get line(): string {
		return this.ui.editor.text;
	}
}

function twoRooms(): Sim {
	return new Sim({nick: 'alice', rooms: ['lobby', 'dev']}).connect({lobby: ['alice', 'bob', 'bart'], dev: ['alice']});
}

describe('input: typing and sending', () => {
	test('typed text and Enter send the line to the client, and the line is cleared', () => {
		const k = new Keys(twoRooms().state).send('hello', ' world', '\r');
		assert.deepEqual(k.take(), [{type: 'line', text: 'hello world'}]);
		assert.equal(k.line, '');
	});

	test('text and Enter in one event (fast typing, tmux send-keys) is typing then Enter', () => {
		const k = new Keys(twoRooms().state).send('hi there\r');
		assert.deepEqual(k.take(), [{type: 'line', text: 'hi there'}]);
	});

	test('Enter on an empty or blank line does nothing', () => {
		const k = new Keys(twoRooms().state).send('\r', '   ', '\r');
		assert.deepEqual(k.take(), []);
	});

	test('editing keys reach the line editor', () => {
		const k = new Keys(twoRooms().state).send('hello wrld', LEFT, LEFT, LEFT, 'o', '\x05', '\x17', 'world');
		assert.equal(k.line, 'hello world');
		k.send('\x01', '\x0b');
		assert.equal(k.line, '');
		k.send('one two', '\x1bb', '\x1b[3~', '\x15');
		assert.equal(k.line, 'wo');
	});

	test('Up and Down bring back sent lines, and what was being typed', () => {
		const k = new Keys(twoRooms().state).send('first\r', 'second\r', 'draft', UP);
		assert.equal(k.line, 'second');
		k.send(UP);
		assert.equal(k.line, 'first');
		k.send(DOWN, DOWN);
		assert.equal(k.line, 'draft');
	});

	test('Tab completes nicks, Tab again cycles', () => {
		const sim = twoRooms();
		const k = new Keys(sim.state).send('b', '\t');
		assert.equal(k.line, 'bart: ');
		k.send('\t');
		assert.equal(k.line, 'bob: ');
		k.send('hi');
		assert.equal(k.line, 'bob: hi');
	});

	test('Ctrl+J and Alt+Enter put a line break in the message', () => {
		const k = new Keys(twoRooms().state).send('one', '\n', 'two', '\x1b\r', 'three', '\r');
		assert.deepEqual(k.take(), [{type: 'intent', intent: {type: 'say', text: 'one\ntwo\nthree'}}]);
	});
});

describe('input: bracketed paste', () => {
	test('a multi-line paste is one message, whatever Enter-like characters it holds', () => {
		const k = new Keys(twoRooms().state).send(PASTE_START, 'line one\rline two\r', 'line three\r', PASTE_END);
		assert.deepEqual(k.take(), [], 'nothing is sent while pasting');
		assert.equal(k.line, 'line one\nline two\nline three');
		k.send('\r');
		assert.deepEqual(k.take(), [{type: 'intent', intent: {type: 'say', text: 'line one\nline two\nline three'}}]);
	});

	test('keys inside a paste are text, not commands', () => {
		const k = new Keys(twoRooms().state).send(PASTE_START, 'a\x03b', '\x1b[A', 'c', PASTE_END);
		assert.deepEqual(k.take(), []);
		assert.equal(k.line, 'abc');
	});

	test('a paste goes in at the cursor', () => {
		const k = new Keys(twoRooms().state).send('say  now', LEFT, LEFT, LEFT, LEFT, PASTE_START, 'this', PASTE_END);
		assert.equal(k.line, 'say this now');
	});

	test('a one-line paste starting with "/" is a command like typing it would be', () => {
		const k = new Keys(twoRooms().state).send(PASTE_START, '/join ops', PASTE_END, '\r');
		assert.deepEqual(k.take(), [{type: 'line', text: '/join ops'}]);
	});
});

describe('input: views', () => {
	test('Alt+1…9 switch to that view, Ctrl+N and Ctrl+P to the next and previous', () => {
		const sim = twoRooms();
		const k = new Keys(sim.state);
		assert.deepEqual(k.send('\x1b2').take(), [{type: 'activate', view: '#dev'}]);
		assert.deepEqual(k.send('\x1b1').take(), [], 'already there');
		assert.deepEqual(k.send('\x1b9').take(), [], 'no ninth view');
		assert.deepEqual(k.send('\x0e').take(), [{type: 'activate', view: '#dev'}]);
		assert.deepEqual(k.send('\x10').take(), [{type: 'activate', view: '#dev'}], 'wraps around');
	});

	test('Ctrl+C asks the client to leave (the client leaves at once on the second)', () => {
		const k = new Keys(twoRooms().state).send('\x03', '\x03');
		assert.deepEqual(k.take(), [{type: 'leave'}, {type: 'leave'}]);
	});
});

describe('input: scrollback', () => {
	function busy(): Sim {
		return twoRooms().messages('lobby', 1, 100);
	}

	test('PgUp scrolls the active view back; End returns to live', () => {
		const k = new Keys(busy().state);
		k.send(PGUP);
		assert.ok(k.ui.scroll['#lobby']?.anchor, 'scrolled');
		k.send(PGDN);
		assert.equal(k.ui.scroll['#lobby'], undefined, 'a page down is live again');
		k.send(PGUP, PGUP, END);
		assert.equal(k.ui.scroll['#lobby'], undefined);
	});

	test('End first goes to the end of the input line, then to live', () => {
		const k = new Keys(busy().state).send('abc', LEFT, PGUP, END);
		assert.ok(k.ui.scroll['#lobby']?.anchor, 'still scrolled');
		assert.equal(k.ui.editor.cursor, 3);
		k.send(END);
		assert.equal(k.ui.scroll['#lobby'], undefined);
	});

	test('Shift+Up moves one row; Escape goes back to live', () => {
		const k = new Keys(busy().state).send(SHIFT_UP);
		assert.equal(k.ui.scroll['#lobby']?.anchor?.key, 'E1:lobby:99');
		k.send('\x1b');
		assert.equal(k.ui.scroll['#lobby'], undefined);
	});

	test('each view keeps its own scroll position', () => {
		const sim = busy().messages('dev', 1, 50, 'carl');
		const k = new Keys(sim.state).send(PGUP, PGUP);
		const lobby = k.ui.scroll['#lobby'];
		sim.do({type: 'activate', view: '#dev'});
		k.state = sim.state;
		k.send(PGUP);
		assert.deepEqual(k.ui.scroll['#lobby'], lobby);
		assert.match(k.ui.scroll['#dev']!.anchor!.key, /^E1:dev:/);
	});

	test('sending a line returns the view to live', () => {
		const k = new Keys(busy().state).send(PGUP, 'hi\r');
		assert.equal(k.ui.scroll['#lobby'], undefined);
	});

	test('scrolling past the top of what is in memory asks for older history', () => {
		const sim = twoRooms().messages('lobby', 1, 20);
		const lobby = sim.state.views['#lobby'] as RoomView;
		sim.state = {...sim.state, views: {...sim.state.views, '#lobby': {...lobby, hasOlder: true}}};
		const k = new Keys(sim.state, 10);
		assert.deepEqual(k.send(PGUP).take(), []);
		assert.deepEqual(k.send(PGUP).take(), [{type: 'older', view: '#lobby'}]);
		assert.deepEqual(k.send(PGUP).take(), [{type: 'older', view: '#lobby'}], 'asked again (the client drops a repeat while one is in flight)');
	});

	test('no older history: the top is just the top', () => {
		const k = new Keys(twoRooms().messages('lobby', 1, 20).state, 10);
		assert.deepEqual(k.send(PGUP, PGUP, PGUP).take(), []);
	});
});
