/**
 * The real `zchat join` in a real pseudo-terminal: a tmux session on a private server,
 * typed into with send-keys and read back with capture-pane. Ink renders no live frames
 * when CI is set, and React runs slowly in development mode, so the TUI is started with CI
 * and NODE_ENV removed from its environment (bin/zchat.js then sets production mode).
 */
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {ZCHAT_BIN} from './zchat.js';
import {waitFor} from './wait.js';

/** Fail loudly when tmux is missing: these tests must not pass by being skipped. */
export function requireTmux(): void {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'pipe'});
	} catch {
		throw new Error('tmux is not installed: the TUI pseudo-terminal tests need it (apt-get install tmux; CI installs it)');
	}
}

function quote(arg: string): string {
	return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export class TmuxTui {
	/** The tmux server's socket (for `tmux -S`). */
	readonly socket: string;
	private readonly dir: string;
	private readonly exitFile: string;

	private constructor(
		readonly columns: number,
		readonly rows: number,
	) {
		this.dir = mkdtempSync(join(tmpdir(), 'zchat-tui-'));
		// A private server whose socket lives (and is removed) with the temporary directory.
		this.socket = join(this.dir, 'tmux.sock');
		this.exitFile = join(this.dir, 'exit');
	}

	/**
	 * Start `zchat join <args>` in a terminal of this size; `env` is added to its environment
	 * (after CI and NODE_ENV are removed: pass `{CI: 'true'}` to see what a CI shell gets). It
	 * reads no settings file unless `env` names one (ZCHAT_CONFIG), as spawnZchat. `options.bin`
	 * is another checkout's bin/zchat.js (the bench compares builds); `options.nodeFlags` go
	 * before it (e.g. --cpu-prof).
	 */
	static start(
		args: readonly string[],
		size: {columns: number; rows: number} = {columns: 100, rows: 30},
		env: Readonly<Record<string, string>> = {},
		options: {readonly bin?: string; readonly nodeFlags?: readonly string[]} = {},
	): TmuxTui {
		requireTmux();
		const t = new TmuxTui(size.columns, size.rows);
		const vars = Object.entries({ZCHAT_CONFIG: '', ...env}).map(([k, v]) => `${k}=${v}`);
		const node = [process.execPath, ...(options.nodeFlags ?? []), options.bin ?? ZCHAT_BIN];
		const run = ['env', '-u', 'CI', '-u', 'NODE_ENV', ...vars, ...node, 'join', ...args].map(quote).join(' ');
		// The pane closes when zchat exits; its exit code is kept in a file, and so is the state
		// it left the terminal in (as tmux and stty see it), written before the exit code.
		const tmux = ['tmux', '-S', t.socket, 'display-message', '-p', '-t', 'tui', '#{alternate_on} #{cursor_flag}'].map(quote).join(' ');
		const after = `${tmux} > ${quote(join(t.dir, 'modes'))}; stty -a > ${quote(join(t.dir, 'stty'))} 2>&1`;
		const script = `${run} 2>${quote(join(t.dir, 'stderr'))}; code=$?; ${after}; echo $code > ${quote(t.exitFile)}`;
		t.tmux('new-session', '-d', '-s', 'tui', '-x', String(size.columns), '-y', String(size.rows), 'sh', '-c', script);
		return t;
	}

	private tmux(...args: string[]): string {
		return execFileSync('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	}

	/** The screen as text, one line a row (with `styled`, its SGR escapes too). Empty once the TUI has exited. */
	screen(styled = false): string {
		try {
			return this.tmux('capture-pane', '-p', ...(styled ? ['-e'] : []), '-t', 'tui');
		} catch {
			return '';
		}
	}

	/** Key names as tmux knows them: "Enter", "C-c", "M-2", "PPage", "S-Up". */
	keys(...keys: string[]): void {
		this.tmux('send-keys', '-t', 'tui', ...keys);
	}

	/** Literal text, as typed. */
	type(text: string): void {
		this.tmux('send-keys', '-t', 'tui', '-l', text);
	}

	/** Text pasted the way a terminal does, in bracketed-paste markers when the app asked for them. */
	paste(text: string): void {
		this.tmux('set-buffer', '-b', 'zchat', text);
		this.tmux('paste-buffer', '-p', '-d', '-b', 'zchat', '-t', 'tui');
	}

	/** Resize the terminal, as when the user resizes the window. */
	resize(columns: number, rows: number): void {
		this.tmux('resize-window', '-t', 'tui', '-x', String(columns), '-y', String(rows));
	}

	/** Wait until the screen shows what `probe` looks for; the screen is in the error otherwise. */
	waitScreen(what: string, probe: (screen: string) => boolean, timeoutMs = 15_000): Promise<string> {
		let last = '';
		return waitFor(
			`${what} on the TUI's screen`,
			() => {
				last = this.screen();
				return probe(last) && last;
			},
			timeoutMs,
			25,
		).catch((err: Error) => {
			throw new Error(`${err.message}; the screen was:\n${last}\nstderr: ${this.stderr()}`);
		});
	}

	exitCode(): number | undefined {
		try {
			const text = readFileSync(this.exitFile, 'utf8').trim();
			return text === '' ? undefined : Number(text);
		} catch {
			return undefined;
		}
	}

	/**
	 * Wait for zchat to exit and return its code. The default deadline is past the client's own
	 * bound on leaving (its quit timeout, 10 s, for lines and a last bye; the TUI's watchdog 2 s
	 * later), with room for a machine starved of CPU: beside a CPU hog and other test files a
	 * Ctrl+C once took over 15 s to end a freshly connected TUI.
	 */
	waitExit(timeoutMs = 30_000): Promise<number> {
		return waitFor(`zchat join to exit (screen: ${this.screen()}; stderr: ${this.stderr()})`, () => this.exitCode(), timeoutMs, 25);
	}

	stderr(): string {
		try {
			return readFileSync(join(this.dir, 'stderr'), 'utf8');
		} catch {
			return '';
		}
	}

	/**
	 * The state zchat left the terminal in, once it has exited (see waitExit): whether the
	 * alternate screen is still on, the cursor shown, and the line discipline back from raw
	 * mode (canonical input and echo, as a shell needs them).
	 */
	terminalAfterExit(): {alternateScreen: boolean; cursorVisible: boolean; canonical: boolean; echo: boolean} {
		const [alt, cursor] = readFileSync(join(this.dir, 'modes'), 'utf8').trim().split(' ');
		const stty = ` ${readFileSync(join(this.dir, 'stty'), 'utf8').replace(/\s+/g, ' ')} `;
		return {alternateScreen: alt === '1', cursorVisible: cursor === '1', canonical: stty.includes(' icanon '), echo: stty.includes(' echo ')};
	}

	/** The pid of zchat itself (the shell's child), while it runs. */
	zchatPid(): number {
		const pid = Number(execFileSync('pgrep', ['-P', String(this.panePid())], {encoding: 'utf8'}).trim().split('\n')[0]);
		if (!Number.isInteger(pid) || pid <= 0) throw new Error('zchat is not running in the pane');
		return pid;
	}

	/** The pid of the process in the pane (the shell running zchat). */
	panePid(): number {
		return Number(this.tmux('display-message', '-p', '-t', 'tui', '#{pane_pid}').trim());
	}

	/** Stop the tmux server (and the TUI with it, if still running) and remove the temporary files. */
	close(): void {
		try {
			this.tmux('kill-server');
		} catch {
			// Already gone: the session ended with the TUI.
		}
		rmSync(this.dir, {recursive: true, force: true});
	}
}
