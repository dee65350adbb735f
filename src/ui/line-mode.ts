import {createInterface} from 'node:readline';
import type {Readable, Writable} from 'node:stream';
import type {Client} from '../client/client.js';
import {parseInput} from '../client/commands.js';
import {backlog, pendingLines, type ClientState} from '../client/state.js';
import {safeJson, sanitize} from '../protocol/sanitize.js';
import {jsonObject, plainLine} from './format.js';

/** Lines read ahead of what has been sent, at most; reading stdin pauses beyond it. */
const MAX_BACKLOG = 1000;

export interface LineModeOptions {
	/** One JSON object per line instead of text. */
	readonly json: boolean;
	/** Keep running after the end of input (until a signal). */
	readonly stay: boolean;
	/** Give up when the hub has not answered in this long. */
	readonly timeoutMs: number;
	readonly timestamps: boolean;
	/** Where the hub is, for the message when it cannot be reached. */
	readonly hubAddress: string;
}

/**
 * Line mode, for pipes, scripts and bots: each input line is said (or is a /command), each
 * feed event is one output line. At the end of input it waits until every line is acked
 * (up to the timeout), leaves, and resolves with the exit code: 0 when all was delivered.
 */
export function runLineMode(client: Client, io: {input: Readable; output: Writable; error: Writable}, options: LineModeOptions): Promise<number> {
	return new Promise(resolve => {
		const write = (line: string) => io.output.write(line + '\n');
		client.on('show', (_view, item) => {
			if (options.json) return write(safeJson(jsonObject(item)));
			const rooms = client.state.order.filter(id => id.startsWith('#')).length;
			write(plainLine(item, {showRoom: rooms > 1, timestamps: options.timestamps}));
		});
		const waiting = setTimeout(() => {
			if (client.state.epoch === undefined) io.error.write(`zchat: waiting for the hub at ${options.hubAddress} (no answer yet)…\n`);
		}, Math.min(1000, options.timeoutMs / 2));
		waiting.unref();
		const unreachable = setTimeout(() => {
			if (client.state.epoch !== undefined) return;
			io.error.write(
				`zchat: no answer from the hub at ${options.hubAddress} in ${Math.round(options.timeoutMs / 1000)} s: is "zchat hub" running there? (check --host, --sub and --pub)\n`,
			);
			void client.close().then(() => resolve(1));
		}, options.timeoutMs);
		unreachable.unref();
		client.on('exit', (code, message) => {
			clearTimeout(unreachable);
			clearTimeout(waiting);
			// Messages can quote what the hub said: shown escaped like everything else.
			if (message) io.error.write(`zchat: ${sanitize(message)}\n`);
			rl.close();
			resolve(code);
		});
		const rl = createInterface({input: io.input, crlfDelay: Infinity, terminal: false});
		// Output in input order: a line answered on the spot (an unknown /command, /help) waits
		// until the lines before it are settled (seen on the feed, or refused), and the lines
		// after it wait behind it; otherwise its answer would be printed before theirs.
		const held: string[] = [];
		const settled = (state: ClientState) => backlog(state) === 0 && pendingLines(state).every(p => p.state === 'failed');
		const release = () => {
			while (held.length > 0) {
				if (answeredAtOnce(held[0]!) && !settled(client.state)) return;
				client.line(held.shift()!);
			}
			if (ended) end();
		};
		// Backpressure: a huge input is read as fast as the hub takes it, not into memory at once.
		let paused = false;
		const unsent = (state: ClientState) => backlog(state) + held.length;
		rl.on('line', line => {
			held.push(line);
			release();
			if (!paused && unsent(client.state) >= MAX_BACKLOG) {
				paused = true;
				rl.pause();
			}
		});
		client.on('change', state => {
			if (held.length > 0 && settled(state)) queueMicrotask(release);
			if (paused && unsent(state) < MAX_BACKLOG / 2) {
				paused = false;
				rl.resume();
			}
		});
		let ended = false;
		rl.on('close', () => {
			ended = true;
			if (held.length === 0) end();
		});
		const end = () => {
			ended = false;
			if (options.stay) return;
			// Leave once welcomed, so a nick refusal or an unreachable hub is still reported.
			if (client.state.epoch !== undefined) return client.leave();
			const onChange = () => {
				if (client.state.epoch === undefined) return;
				client.off('change', onChange);
				client.leave();
			};
			client.on('change', onChange);
		};
	});
}

/** Whether the client answers this line itself, at once, rather than in turn with the lines before it. */
function answeredAtOnce(line: string): boolean {
	const parsed = parseInput(line);
	return parsed !== undefined && ('error' in parsed || parsed.type === 'help' || parsed.type === 'ignore' || parsed.type === 'unignore');
}
