import {randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {Command, Option} from '@commander-js/extra-typings';
import {Client} from '../client/client.js';
import {ZmqTransport, type ClientCurve} from '../client/transport.js';
import {ZchatError} from '../errors.js';
import {defaultKeyFile, generateKeyPair, readKeyPair, readPublicKey} from '../keys.js';
import {runLineMode} from '../ui/line-mode.js';
import {VERSION} from '../version.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {checkHost} from './check-host.js';
import {defaultNick, hubAddressOptions, parseCount, parseNick, parseRoomName, parseSeconds} from './options.js';

function collectRoom(value: string, previous: string[] | undefined): string[] {
	const room = parseRoomName(value);
	const list = previous ?? [];
	return list.includes(room) ? list : [...list, room];
}

/** The CURVE keys to join an encrypted hub with, or undefined for an open hub. */
function clientCurve(serverKey: string | undefined, keyFile: string | undefined): ClientCurve | undefined {
	if (serverKey === undefined) {
		if (keyFile !== undefined) {
			throw new ZchatError('--key needs --server-key: the public key of the hub (it prints it when started with --key)', 2);
		}
		return undefined;
	}
	const hubKey = readPublicKey(serverKey, '--server-key');
	if (keyFile !== undefined) return {serverKey: hubKey, ...readKeyPair(keyFile, '--key'), keySource: keyFile};
	const fallback = defaultKeyFile();
	if (existsSync(fallback)) return {serverKey: hubKey, ...readKeyPair(fallback, '--key'), keySource: fallback};
	// Encryption without an identity: enough for a hub that admits any key.
	return {serverKey: hubKey, ...generateKeyPair(), keySource: 'a throwaway key made for this run: pass --key to use yours'};
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
	try {
		return (await import(new URL('../../tui.bundle.js', import.meta.url).href)) as typeof import('../ui/tui.js');
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
		return import('../ui/tui.js');
	} finally {
		for (const [name, value] of saved) process.env[name] = value;
	}
}

/** What is-in-ci and chalk's colour check read. */
const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

export function makeJoinCommand(): Command<[], Record<string, unknown>> {
	const [host, sub, pub] = hubAddressOptions(false);
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
		.addOption(new Option('--history <n>', 'events of history to show on joining a room').default(50).argParser(parseCount(0, 500)))
		.addOption(new Option('--stay', 'line mode: keep running after the end of input (listen until Ctrl+C)'))
		.addOption(new Option('--no-bell', 'no terminal bell when you are mentioned or messaged'))
		.addOption(new Option('--no-timestamps', 'no time before each line'))
		.addOption(new Option('--server-key <key|file>', "the hub's public key (it prints it when started with --key): encrypt, and make sure it is that hub").env('ZCHAT_SERVER_KEY'))
		.addOption(new Option('--key <file>', 'your key pair, from "zchat keygen" (default with --server-key: $XDG_CONFIG_HOME/zchat/key if it exists, else a throwaway key)').env('ZCHAT_KEY'))
		.addHelpText(
			'after',
			`
Examples:
  $ zchat join                                   # the TUI, as your login name, in #lobby
  $ zchat join --nick alice --room dev --room ops
  $ zchat join --host 192.168.1.20 --sub 5555 --pub 5556
  $ zchat join --host chat.example.org --server-key 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7' --key ~/.config/zchat/key
  $ echo "build finished" | zchat join --nick ci  # line mode: says it, waits for the ack, exits 0
  $ zchat join --json --stay < /dev/null           # a bot's view of the feed, one JSON object per line`,
		)
		.action(async opts => {
			const rooms = opts.room ?? ['lobby'];
			const curve = clientCurve(opts.serverKey, opts.key);
			await checkHost(opts.host);
			const transport = new ZmqTransport({host: opts.host, subPort: opts.sub, pubPort: opts.pub, ...(curve === undefined ? {} : {curve})});
			const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
			const tui = tty && !opts.plain && !opts.json;
			const client = new Client(transport, {
				nick: opts.nick ?? defaultNick(),
				nickExplicit: opts.nick !== undefined,
				rooms,
				session: randomBytes(18).toString('base64url'),
				history: opts.history,
				quitTimeoutMs: opts.timeout,
				clientName: `zchat/${VERSION}`,
				...(tui ? {interactive: true} : {}),
			});
			const hubAddress = tcpEndpoint(opts.host, opts.sub);
			let code: number;
			if (tui) {
				// Only the TUI pays for loading Ink and React; the connection starts meanwhile.
				client.start();
				const {runTui} = await loadTui();
				code = await runTui(client, {bell: opts.bell, timestamps: opts.timestamps, hubAddress});
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
			// Sockets are closed; anything still pending on the event loop is not ours to wait for.
			setImmediate(() => process.exit(code));
		});
	return cmd as unknown as Command<[], Record<string, unknown>>;
}
