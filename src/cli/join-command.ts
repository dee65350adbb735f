import {randomBytes} from 'node:crypto';
import {Command, Option} from '@commander-js/extra-typings';
import {Client} from '../client/client.js';
import {LateTransport} from '../client/late-transport.js';
import type {ZmqTransportOptions} from '../client/transport.js';
import {runLineMode} from '../ui/line-mode.js';
import {VERSION} from '../version.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {checkHost} from './check-host.js';
import {loadConfig, saveSetting} from './config-file.js';
import {clientCurve, keyOptions} from './key-options.js';
import {applyConfig, defaultNick, givenOnCommandLine, hubAddressOptions, parseHistory, parseNick, parseRoomName, parseSeconds} from './options.js';

function collectRoom(value: string, previous: string[] | undefined): string[] {
	const room = parseRoomName(value);
	const list = previous ?? [];
	return list.includes(room) ? list : [...list, room];
}

/**
 * The TUI as one bundled file (scripts/bundle-tui.ts: it loads in a quarter of the time), or
 * from its modules when the bundle was not built. Ink (through is-in-ci) and chalk read CI at
 * import and then draw no live frames, and no colours: a shell that exports CI=true (some
 * dotfiles and CI boxes do) would get a blank screen. stdin and stdout are a terminal here,
 * which someone is looking at, so the TUI is loaded as if CI were not set.
 */
async function loadTui(): Promise<typeof import('../ui/tui.js')> {
	const saved = CI_VARIABLES.flatMap(name => (process.env[name] === undefined ? [] : [[name, process.env[name]!] as const]));
	for (const [name] of saved) delete process.env[name];
	// Both by URL, relative to this file's directory, dist/src/cli/, where `zchat join`'s own
	// bundle is too (scripts/bundle-join.ts), which must not take the TUI into itself.
	try {
		return (await import(new URL('../../tui.bundle.js', import.meta.url).href)) as typeof import('../ui/tui.js');
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
		return (await import(new URL('../ui/tui.js', import.meta.url).href)) as typeof import('../ui/tui.js');
	} finally {
		for (const [name, value] of saved) process.env[name] = value;
	}
}

/** What is-in-ci and chalk's colour check read. */
const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

export function makeJoinCommand(): Command<[], Record<string, unknown>> {
	const [host, sub, pub] = hubAddressOptions(false);
	const [serverKey, key] = keyOptions();
	const cmd = new Command('join')
		.description('join a hub: the chat TUI on a terminal, line mode otherwise')
		.addOption(host)
		.addOption(sub)
		.addOption(pub)
		.addOption(new Option('--nick <nick>', 'your nick (default: your login name, with a number added if taken)').env('ZCHAT_NICK').argParser(parseNick))
		.addOption(new Option('--room <room>', 'room to join; repeat for several (default: lobby)').argParser(collectRoom))
		.addOption(new Option('--plain', 'line mode even on a terminal'))
		.addOption(new Option('--json', 'line mode with one JSON object per event (implies --plain)'))
		.addOption(
			new Option('--timeout <seconds>', 'line mode: give up on an unreachable hub, or on unacked lines at the end, after this long')
				.default(10_000, '10')
				.argParser(parseSeconds(0.1, 86_400)),
		)
		.addOption(
			new Option('--history <n|all>', 'events of history to show on joining a room, or "all" the hub keeps (none when stdin and stdout are both pipes, unless given here)')
				.default(50)
				.argParser(parseHistory),
		)
		.addOption(new Option('--stay', 'line mode: keep running after the end of input (listen until Ctrl+C)'))
		.addOption(new Option('--no-bell', 'no terminal bell when you are mentioned or messaged'))
		.addOption(new Option('--no-timestamps', 'no time before each line'))
		.addOption(serverKey)
		.addOption(key)
		.addHelpText(
			'after',
			`
Examples:
  $ zchat join                                   # the TUI, as your login name, in #lobby
  $ zchat join --nick alice --room dev --room ops
  $ zchat join --host 192.168.1.20 --sub 5555 --pub 5556
  $ zchat join --host chat.example.org --server-key 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7' --key ~/.config/zchat/key
  $ echo "build finished" | zchat join --nick ci  # line mode: says it, waits for the ack, exits 0
  $ zchat join --json --stay < /dev/null           # a bot's view of the feed, one JSON object per line
  $ zchat join --plain --history all < /dev/null > lobby.log   # all the history the hub keeps, then exit

Settings not given as flags come from $XDG_CONFIG_HOME/zchat/config.json (see the README).`,
		)
		.action(async (_opts, command) => {
			const {config} = loadConfig();
			applyConfig(command, config, {host: 'host', sub: 'sub', pub: 'pub', serverKey: 'serverKey', key: 'key', nick: 'nick', rooms: 'room', history: 'history', timestamps: 'timestamps', bell: 'bell'});
			const opts = command.opts();
			const rooms = opts.room ?? ['lobby'];
			const curve = clientCurve(opts.serverKey, opts.key);
			// A script piping lines in, with its output going to a file or another program: the
			// room's past would read there as if it were happening now. History only when asked.
			const piped = process.stdin.isTTY !== true && process.stdout.isTTY !== true;
			const history = piped && !givenOnCommandLine(command, 'history') ? 0 : opts.history;
			if (config.colours === false && process.env['FORCE_COLOR'] === undefined) process.env['FORCE_COLOR'] = '0';
			const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
			const tui = tty && !opts.plain && !opts.json;
			// The TUI (Ink and React) loads while the resolver looks the hub's name up: the first
			// frame waits for the slower of the two, not for both.
			const tuiLoaded = tui ? loadTui() : undefined;
			tuiLoaded?.catch(() => {}); // awaited below, where a failure to load is thrown
			await checkHost(opts.host);
			const address: ZmqTransportOptions = {host: opts.host, subPort: opts.sub, pubPort: opts.pub, ...(curve === undefined ? {} : {curve})};
			// The TUI connects once its first frame is drawn; line mode at once. zeromq (its
			// addon) loads with the transport's module, when it is imported.
			const late = tui ? new LateTransport() : undefined;
			const transport = late ?? new (await import('../client/transport.js')).ZmqTransport(address);
			const client = new Client(transport, {
				nick: opts.nick ?? defaultNick(),
				nickExplicit: opts.nick !== undefined,
				rooms,
				session: randomBytes(18).toString('base64url'),
				history,
				quitTimeoutMs: opts.timeout,
				clientName: `zchat/${VERSION}`,
				...(config.ignore === undefined ? {} : {ignore: config.ignore}),
				...(tui ? {interactive: true} : {}),
			});
			// /set in the TUI writes the settings file (the client itself does no I/O).
			client.settings = {save: async (name, value) => saveSetting(name, value).file ?? 'the settings file'};
			const hubAddress = tcpEndpoint(opts.host, opts.sub);
			let code: number;
			if (late) {
				// Only the TUI pays for loading Ink and React. The client starts first (the frame shows
				// it connecting); runTui draws the first frame before it returns its promise, and
				// only then is the connection made, for what the client queued meanwhile.
				client.start();
				const {runTui} = await tuiLoaded!;
				const running = runTui(client, {bell: opts.bell, timestamps: opts.timestamps, hubAddress});
				import('../client/transport.js').then(
					({ZmqTransport}) => late.connect(() => new ZmqTransport(address)),
					(err: unknown) => late.fail(err),
				);
				code = await running;
			} else {
				const leave = () => client.leave();
				process.on('SIGINT', leave);
				process.on('SIGTERM', leave);
				process.stdout.on('error', () => {}); // a closed pipe (| head) is not a crash
				const done = runLineMode(
					client,
					{input: process.stdin, output: process.stdout, error: process.stderr},
					{json: opts.json === true, stay: opts.stay === true, timeoutMs: opts.timeout, timestamps: opts.timestamps, hubAddress},
				);
				client.start();
				code = await done;
			}
			process.exitCode = code;
			// Sockets are closed; anything still pending on the event loop is not ours to wait for,
			// but what line mode printed is: a pipe takes it only as fast as its reader reads.
			process.stdout.write('', () => process.exit(code));
		});
	return cmd as unknown as Command<[], Record<string, unknown>>;
}
