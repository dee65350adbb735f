import {render} from 'ink';
import type {Client, ClientExit} from '../client/client.js';
import {DEFAULT_QUIT_TIMEOUT_MS} from '../client/state.js';
import {sanitize} from '../protocol/sanitize.js';
import {App} from './components/App.js';
import {enterTerminalModes} from './terminal.js';

export interface TuiOptions {
	readonly bell: boolean;
	readonly timestamps: boolean;
	readonly hubAddress: string;
}

export interface TuiStreams {
	readonly stdin: NodeJS.ReadStream;
	readonly stdout: NodeJS.WriteStream;
	readonly stderr: NodeJS.WriteStream;
}

const BEL = '\x07';
/** After a signal, how long past the client's own deadline for leaving the TUI waits before it stops anyway. */
const SIGNAL_GRACE_MS = 2000;

/**
 * The chat TUI, full screen on the alternate screen. Resolves with the exit code once the
 * client is done (after /quit, Ctrl+C, a signal, a refusal by the hub, or a fatal error),
 * with the screen put back and the client's last word, if any, on stderr. A client that
 * ended before the TUI was loaded (the hub refused us at once) is not drawn at all.
 */
export async function runTui(client: Client, options: TuiOptions, io: TuiStreams = process): Promise<number> {
	const early = client.endedWith;
	if (early) return lastWord(early, io);
	const modes = enterTerminalModes(io.stdout);
	const bell = () => {
		if (options.bell) io.stdout.write(BEL);
	};
	// A terminal that hung up fails every read and write: nothing more to show there, and no crash.
	const ignore = () => {};
	io.stdout.on('error', ignore);
	io.stdin.on('error', ignore);
	// Raw mode turns Ctrl+C into a key (handled by the input reducer); signals from elsewhere
	// leave the same way, and always end the TUI: if the client has not finished leaving by its
	// own deadline (and a little more), the TUI stops without it.
	let watchdog: NodeJS.Timeout | undefined;
	let stopAnyway!: (end: ClientExit) => void;
	const stopped = new Promise<ClientExit>(resolve => (stopAnyway = resolve));
	const onSignal = () => {
		client.leave();
		if (watchdog) return;
		const wait = (client.state.options.quitTimeoutMs ?? DEFAULT_QUIT_TIMEOUT_MS) + SIGNAL_GRACE_MS;
		watchdog = setTimeout(() => stopAnyway({code: 1, message: 'did not finish leaving in time after a signal'}), wait);
	};
	const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
	for (const s of signals) process.on(s, onSignal);
	client.on('bell', bell);
	const app = render(<App client={client} timestamps={options.timestamps} hubAddress={options.hubAddress} />, {
		stdin: io.stdin,
		stdout: io.stdout,
		stderr: io.stderr,
		exitOnCtrlC: false,
		patchConsole: false,
		maxFps: 30,
	});
	// The app only ends by itself when rendering failed: then the client is stopped too.
	let failed = false;
	const crashed = app.waitUntilExit().then(
		() => 'the TUI stopped unexpectedly',
		(err: unknown) => `the TUI failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
	);
	let result: ClientExit;
	try {
		result = await Promise.race([
			client.ended,
			stopped,
			crashed.then(message => {
				failed = true;
				return {code: 1, message};
			}),
		]);
		if (failed || !client.endedWith) await client.close();
	} finally {
		clearTimeout(watchdog);
		client.off('bell', bell);
		for (const s of signals) process.off(s, onSignal);
		app.unmount();
		modes.restore();
		io.stdout.off('error', ignore);
		io.stdin.off('error', ignore);
	}
	return lastWord(result, io);
}

/** The client's last word on stderr (escaped like everything else it shows), and its exit code. */
function lastWord(end: ClientExit, io: TuiStreams): number {
	if (end.message) io.stderr.write(`zchat: ${sanitize(end.message)}\n`);
	return end.code;
}
