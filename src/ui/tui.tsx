import {render} from 'ink';
import type {Client} from '../client/client.js';
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

/**
 * The chat TUI, full screen on the alternate screen. Resolves with the exit code once the
 * client is done (after /quit, Ctrl+C, or a fatal error), with the screen put back and the
 * client's last word, if any, on stderr.
 */
export async function runTui(client: Client, options: TuiOptions, io: TuiStreams = process): Promise<number> {
	const modes = enterTerminalModes(io.stdout);
	const bell = () => {
		if (options.bell) io.stdout.write(BEL);
	};
	// Raw mode turns Ctrl+C into a key (handled by the input reducer); signals from elsewhere leave the same way.
	const leave = () => client.leave();
	const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
	for (const s of signals) process.on(s, leave);
	client.on('bell', bell);
	const ended = new Promise<{code: number; message: string | undefined}>(resolve => client.once('exit', (code, message) => resolve({code, message})));
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
	let result: {code: number; message: string | undefined};
	try {
		result = await Promise.race([
			ended,
			crashed.then(message => {
				failed = true;
				return {code: 1, message};
			}),
		]);
		if (failed) await client.close();
	} finally {
		client.off('bell', bell);
		for (const s of signals) process.off(s, leave);
		app.unmount();
		modes.restore();
	}
	// The client's last word can quote the hub (a kick or ban reason): shown escaped, like all peer text.
	if (result.message) io.stderr.write(`zchat: ${sanitize(result.message)}\n`);
	return result.code;
}
