/**
 * A zchat command in a real pseudo-terminal (tmux), with every byte it writes to the
 * terminal (stdout and stderr both, as a person sees them) kept by `pipe-pane`: what an
 * escape sequence would do is only known from the raw bytes, not from the rendered screen.
 */
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {ZCHAT_BIN} from '../helpers/cli.js';
import {requireTmux} from '../helpers/tmux.js';
import {waitFor} from '../helpers/wait.js';

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export class RawTerminal {
	private readonly dir: string;
	private readonly socket: string;

	private constructor(readonly columns: number) {
		this.dir = mkdtempSync(join(tmpdir(), 'zchat-attack-tty-'));
		this.socket = join(this.dir, 'tmux.sock');
	}

	/** Start `zchat <args>` (CI and NODE_ENV removed, as a person's shell has them) in a terminal of this size. */
	static start(args: readonly string[], size = {columns: 80, rows: 24}): RawTerminal {
		requireTmux();
		const t = new RawTerminal(size.columns);
		const go = join(t.dir, 'go');
		const run = ['env', '-u', 'CI', '-u', 'NODE_ENV', process.execPath, ZCHAT_BIN, ...args].map(quote).join(' ');
		// The command waits for "go" so that pipe-pane is in place before its first byte.
		const script = `while [ ! -e ${quote(go)} ]; do sleep 0.02; done; ${run}; echo $? > ${quote(join(t.dir, 'exit'))}`;
		t.tmux('new-session', '-d', '-s', 'z', '-x', String(size.columns), '-y', String(size.rows), 'sh', '-c', script);
		t.tmux('set-option', '-t', 'z', 'remain-on-exit', 'on');
		t.tmux('pipe-pane', '-O', '-t', 'z', `cat >> ${quote(join(t.dir, 'raw'))}`);
		writeFileSync(go, '');
		return t;
	}

	private tmux(...args: string[]): string {
		return execFileSync('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	}

	/** Everything written to the terminal so far, decoded as UTF-8. */
	raw(): string {
		try {
			return readFileSync(join(this.dir, 'raw'), 'utf8');
		} catch {
			return '';
		}
	}

	/** The screen as rows of text. */
	screen(): string[] {
		try {
			return this.tmux('capture-pane', '-p', '-t', 'z').split('\n');
		} catch {
			return [];
		}
	}

	waitScreen(what: string, probe: (rows: string[]) => boolean, timeoutMs = 15_000): Promise<string[]> {
		let rows: string[] = [];
		return waitFor(() => `${what} (screen: ${JSON.stringify(rows)})`, () => probe((rows = this.screen())) && rows, timeoutMs, 25);
	}

	exitCode(): number | undefined {
		try {
			const t = readFileSync(join(this.dir, 'exit'), 'utf8').trim();
			return t === '' ? undefined : Number(t);
		} catch {
			return undefined;
		}
	}

	waitExit(timeoutMs = 15_000): Promise<number> {
		return waitFor(() => `the command to exit (screen: ${JSON.stringify(this.screen())})`, () => this.exitCode(), timeoutMs, 25);
	}

	/** Key names as tmux knows them ("C-c", "Enter"). */
	keys(...names: string[]): void {
		this.tmux('send-keys', '-t', 'z', ...names);
	}

	/** Type text and Enter. */
	type(text: string): void {
		this.tmux('send-keys', '-t', 'z', '-l', text);
		this.tmux('send-keys', '-t', 'z', 'Enter');
	}

	close(): void {
		try {
			this.tmux('kill-server');
		} catch {
			// gone already
		}
		rmSync(this.dir, {recursive: true, force: true});
	}
}
