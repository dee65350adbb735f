/** The `zchat` command line: every command, wired into one program (bin/zchat.js runs it). */
import type {Command} from '@commander-js/extra-typings';
import {makeBenchCommand} from './cli/bench-command.js';
import {makeHubCommand} from './cli/hub-command.js';
import {makeJoinCommand} from './cli/join-command.js';
import {makeLogCommand} from './cli/log-command.js';
import {makeSendCommand} from './cli/send-command.js';
import {makeStatsCommand} from './cli/stats-command.js';
import {makeWhoCommand} from './cli/who-command.js';
import {makeKeygenCommand} from './cli/keygen-command.js';
import {makeRelayCommand} from './cli/relay-command.js';
import {runProgram, zchatProgram} from './cli/program.js';

/** zchat with all its commands. (`zchat join` alone runs from a bundle of its own: src/cli/join-main.ts.) */
export function makeProgram(): Command {
	return zchatProgram([
		makeHubCommand(),
		makeRelayCommand(),
		makeJoinCommand(),
		makeSendCommand(),
		makeWhoCommand(),
		makeStatsCommand(),
		makeLogCommand(),
		makeBenchCommand(),
		makeKeygenCommand(),
	]);
}

/** Run the CLI; resolves with the exit code for anything that ends by returning. */
export async function main(argv: readonly string[]): Promise<void> {
	await runProgram(makeProgram(), argv);
}
