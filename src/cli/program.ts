/**
 * The `zchat` program around its commands (name, version, help, exit codes), and how it runs:
 * shared by the whole CLI (src/cli.ts) and by `zchat join`'s own bundle (join-main.ts).
 */
import {Command, CommanderError, type CommandUnknownOpts} from '@commander-js/extra-typings';
import {ZchatError} from '../errors.js';
import {sanitize} from '../protocol/sanitize.js';
import {VERSION} from '../version.js';

/** The program with these commands, each failing by exception (exitOverride) rather than exiting. */
export function zchatProgram(commands: readonly CommandUnknownOpts[]): Command {
	const program = new Command('zchat')
		.description('A terminal chat room on ZeroMQ: run a hub, join it from any terminal or script.')
		.version(VERSION, '-V, --version')
		.showHelpAfterError('(zchat <command> --help shows the options)');
	for (const command of commands) program.addCommand(command);
	program.addHelpText(
		'after',
		`
Examples:
  $ zchat hub                      # start a hub on 127.0.0.1:5555 (commands) and :5556 (feed)
  $ zchat join --nick alice        # join it from another terminal
  $ zchat send --nick ci "build 42 passed"   # say one thing and exit once the hub has it
  $ zchat who                      # who is on the hub
  $ zchat stats                    # uptime, sessions, messages, rooms
  $ zchat log --room dev --since 2h   # a room's history, to keep or grep
  $ zchat bench                    # measure the hub (see docs/PERFORMANCE.md)
  $ zchat keygen                   # a key pair, for encrypted hubs (see docs/SECURITY.md)

Settings: $XDG_CONFIG_HOME/zchat/config.json (hub, keys, nick, rooms, …) for join, send, who,
stats and log; flags and ZCHAT_* variables override it (see the README).
Exit codes: 0 done, 1 it did not work out (hub unreachable, lines not delivered),
2 a flag or value to change (bad option, port in use, nick taken, a key to give or fix).`,
	);
	program.exitOverride();
	for (const sub of program.commands) sub.exitOverride();
	return program as unknown as Command;
}

/** Run a program on the command line's arguments; errors a person can fix end it with their exit code. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
	try {
		await program.parseAsync([...argv], {from: 'user'});
	} catch (err) {
		if (err instanceof CommanderError) {
			// Help and version end with code 0; a usage error has been printed already.
			process.exit(err.exitCode === 0 ? 0 : 2);
		}
		if (err instanceof ZchatError) {
			// Errors can quote the hub or a peer (a refusal's message): shown escaped, so nothing
			// they hold can act on the terminal.
			process.stderr.write(`zchat: ${sanitize(err.message, true)}\n`);
			process.exit(err.exitCode);
		}
		throw err;
	}
}
