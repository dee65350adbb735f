import './helpers/hide-ci.js';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, rmSync, writeSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {render} from 'ink';
import {Client} from '../src/client/client.js';
import {App} from '../src/ui/components/App.js';
import {ALT_SCREEN_ON} from '../src/ui/terminal.js';
import type * as Tui from '../src/ui/tui.js';
import {TestTerminal} from './helpers/ink.js';
import {event} from './helpers/sim.js';
import {requireTmux} from './helpers/tmux.js';
import {FakeTransport} from './helpers/tui.js';
import {waitFor} from './helpers/wait.js';

/**
 * The TUI as shipped (dist/tui.bundle.js: zchat's Output in place of Ink's, rows written only
 * when they changed, Ink's incremental output fixed) against plain Ink redrawing every frame in
 * full, both on the same client: does a real terminal show the same screen? Each byte stream is
 * played into a tmux pane of its own as it is written, the panes resized together with the
 * Ink terminals; at every step both panes (text and colours) must show the same screen:
 * messages with wide and combining characters that wrap, a flood that scrolls, scrolling back
 * and forth, unread marks of another room, resizes narrower, wider and shorter.
 */
const bundle = (await import(new URL('../tui.bundle.js', import.meta.url).href)) as typeof Tui;

/** A tmux pane that shows whatever bytes are written to it, as a terminal would. */
class Pane {
	private readonly dir = mkdtempSync(join(tmpdir(), 'zchat-pane-'));
	private readonly socket = join(this.dir, 'tmux.sock');
	private fd: number | undefined;

	constructor(columns: number, rows: number) {
		const fifo = join(this.dir, 'bytes');
		execFileSync('mkfifo', [fifo]);
		// Output processing as Node leaves a TTY in raw mode (newline → CR LF); no echo.
		this.tmux('new-session', '-d', '-s', 'p', '-x', String(columns), '-y', String(rows), 'sh', '-c', `stty -echo; exec cat ${fifo}`);
		this.fd = openSync(fifo, 'w');
	}

	/** Bytes written after close (Ink's exit handler shows the cursor) go nowhere. */
	write(bytes: string): void {
		if (this.fd !== undefined) writeSync(this.fd, bytes);
	}

	resize(columns: number, rows: number): void {
		this.tmux('resize-window', '-t', 'p', '-x', String(columns), '-y', String(rows));
	}

	/** The screen, with its colours and attributes as escape codes. */
	screen(): string {
		return this.tmux('capture-pane', '-p', '-e', '-t', 'p');
	}

	close(): void {
		if (this.fd !== undefined) closeSync(this.fd);
		this.fd = undefined;
		try {
			this.tmux('kill-server');
		} catch {
			// Gone with its only pane.
		}
		rmSync(this.dir, {recursive: true, force: true});
	}

	private tmux(...args: string[]): string {
		return execFileSync('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	}
}

/** A terminal for Ink whose every write goes on to a pane. */
function drawnInto(pane: Pane, columns: number, rows: number): TestTerminal {
	const term = new TestTerminal(columns, rows);
	term.stdout.isTTY = true;
	term.stdout.write = (s: string) => {
		pane.write(s);
		return true;
	};
	return term;
}

const panes: Pane[] = [];
after(() => {
	for (const p of panes) p.close();
});

test('the rows written incrementally give the same screen as full redraws, in a real terminal (tmux)', async () => {
	requireTmux();
	let size = {columns: 100, rows: 24};
	const transport = new FakeTransport();
	const client = new Client(transport, {nick: 'alice', nickExplicit: true, rooms: ['lobby', 'dev'], session: 's'.repeat(24), history: 50});
	client.start(60_000);
	const ways = (['shipped', 'full redraw'] as const).map(way => {
		const pane = new Pane(size.columns, size.rows);
		panes.push(pane);
		const term = drawnInto(pane, size.columns, size.rows);
		const io = {
			stdout: term.stdout as unknown as NodeJS.WriteStream,
			stdin: term.stdin as unknown as NodeJS.ReadStream,
			stderr: term.stderr as unknown as NodeJS.WriteStream,
		};
		if (way === 'shipped') {
			const done = bundle.runTui(client, {bell: false, timestamps: true, hubAddress: 'tcp://127.0.0.1:5555'}, io);
			return {pane, term, stop: () => done};
		}
		const app = render(<App client={client} timestamps={true} hubAddress="tcp://127.0.0.1:5555" />, {...io, ...bundle.RENDER_OPTIONS, incrementalRendering: false});
		pane.write(ALT_SCREEN_ON + '\x1b[2J\x1b[H'); // as runTui does
		return {pane, term, stop: async () => app.unmount()};
	});
	const [incremental, full] = ways as [(typeof ways)[number], (typeof ways)[number]];
	let step = 0;
	/** Both panes show `marker`, and the same screen. */
	const same = async (what: string, marker: string) => {
		step++;
		await waitFor(
			() => `step ${step} (${what}): the same screen with "${marker}"\n--- incremental:\n${incremental.pane.screen()}\n--- full redraw:\n${full.pane.screen()}`,
			() => {
				const a = incremental.pane.screen();
				return a.includes(marker) && a === full.pane.screen();
			},
			10_000,
			20,
		);
	};
	const resize = async (columns: number, rows: number, marker: string) => {
		size = {columns, rows};
		for (const w of ways) {
			w.pane.resize(columns, rows);
			w.term.resize(columns, rows);
		}
		await same(`resized to ${columns}×${rows}`, marker);
	};
	const keys = async (data: string, what: string, marker: string) => {
		for (const w of ways) w.term.type(data);
		await same(what, marker);
	};
	// Emoji with modifiers and flags are left out: tmux 3.3 gives them other widths than
	// string-width does, so a row holding one is wider than the terminal however it is drawn.
	const texts = ['plain words', '日本語のテキスト、幅が二つの文字', 'emoji 😀 and e\u0301 combined', 'a long line that wraps '.repeat(8), 'ﾊﾝｶｸ and │ box ─ lines', 'tab\tand trailing space '];
	let seq = 0;
	const roomSeq = new Map<string, number>();
	const say = (room: string, n: number) => {
		for (let i = 0; i < n; i++) {
			seq++;
			const at = (roomSeq.get(room) ?? 0) + 1;
			roomSeq.set(room, at);
			transport.feed(event(room, at, seq % 3 === 0 ? 'bob' : 'carol', `m${seq} ${texts[seq % texts.length]!}`, Date.UTC(2025, 10, 26, 12, 0, seq)));
		}
		return `m${seq} `;
	};
	try {
		transport.welcome('alice', [
			{room: 'lobby', members: ['alice', 'bob', 'carol'], topic: 'tests 日本'},
			{room: 'dev', members: ['alice']},
		]);
		await same('welcomed', '● connected');
		await same('a few messages', say('lobby', 5));
		for (let burst = 0; burst < 4; burst++) await same(`a burst that scrolls (${burst})`, say('lobby', 17));
		await same('unread marks on #dev', (say('dev', 7), '#dev 7'));
		await keys('\x1b[5~', 'scrolled back a page', 'm');
		await keys('\x1b[5~', 'scrolled back two pages', 'm');
		await same('new lines while scrolled back', (say('lobby', 3), '#lobby'));
		await keys('\x1b[6~', 'a page forward', 'm');
		await keys('\x1b[F', 'back to the newest', `m${seq} `);
		await resize(80, 20, `m${seq} `);
		await same('a burst at 80×20', say('lobby', 9));
		await resize(120, 30, `m${seq} `);
		await same('a burst at 120×30', say('lobby', 9));
		await resize(120, 18, `m${seq} `);
		await resize(60, 18, `m${seq} `);
		await same('a burst at 60×18', say('lobby', 9));
		await keys('\x1b[5~', 'scrolled back at 60×18', 'm');
		await resize(100, 24, '#lobby');
		await keys('\x1b[F', 'back to the newest at 100×24', `m${seq} `);
		// The room is the client's, shared by both views: switched once, from one of them.
		incremental.term.type('\x0e');
		await same('switched to #dev (its unread mark gone)', '#dev›');
		await same('a burst in #lobby, unread', (say('lobby', 12), '#lobby 12'));
	} finally {
		// Asked twice, the client leaves at once (and runTui returns).
		client.leave();
		client.leave();
		for (const w of ways) await w.stop();
		await client.close();
	}
});
