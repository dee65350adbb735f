import {EventEmitter} from 'node:events';
import {render} from 'ink';
import type {ReactNode} from 'react';

/** Text of a frame without colours. */
export function plain(frame: string | undefined): string {
	// eslint-disable-next-line no-control-regex
	return (frame ?? '').replace(/\x1b\[[0-9;]*m/g, '');
}

/**
 * A terminal for Ink in tests, of any size and resizable (ink-testing-library's is fixed at
 * 100 columns): frames are collected, stdin takes input like a raw-mode TTY.
 */
export class TestTerminal {
	readonly stdout: EventEmitter & {columns: number; rows: number; isTTY: boolean; write: (s: string) => boolean};
	readonly stdin: EventEmitter & Record<string, unknown>;
	readonly stderr: EventEmitter & {write: (s: string) => boolean};
	frames: string[] = [];
	private pending: string | null = null;

	constructor(columns: number, rows: number) {
		const out = new EventEmitter() as TestTerminal['stdout'];
		out.columns = columns;
		out.rows = rows;
		out.isTTY = false;
		out.write = (s: string) => {
			this.frames.push(s);
			return true;
		};
		this.stdout = out;
		const input = new EventEmitter() as TestTerminal['stdin'];
		Object.assign(input, {
			isTTY: true,
			setEncoding() {},
			setRawMode() {},
			resume() {},
			pause() {},
			ref() {},
			unref() {},
			read: () => {
				const data = this.pending;
				this.pending = null;
				return data;
			},
		});
		this.stdin = input;
		const err = new EventEmitter() as TestTerminal['stderr'];
		err.write = () => true;
		this.stderr = err;
	}

	/** What the terminal sends when keys are pressed or text is pasted. */
	type(data: string): void {
		this.pending = data;
		this.stdin.emit('readable');
	}

	resize(columns: number, rows: number): void {
		this.stdout.columns = columns;
		this.stdout.rows = rows;
		this.stdout.emit('resize');
	}

	/** The latest frame, without colours. */
	last(): string {
		return plain(this.frames[this.frames.length - 1]);
	}

	render(node: ReactNode) {
		return render(node, {
			stdout: this.stdout as unknown as NodeJS.WriteStream,
			stdin: this.stdin as unknown as NodeJS.ReadStream,
			stderr: this.stderr as unknown as NodeJS.WriteStream,
			debug: true,
			exitOnCtrlC: false,
			patchConsole: false,
		});
	}
}
