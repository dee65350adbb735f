/**
 * `zchat join` as a program of its own, which bin/zchat.js runs when the first argument is
 * `join`: built into one file, dist/src/cli/join.bundle.js (scripts/bundle-join.ts), so that
 * the TUI's start does not wait for the rest of the CLI's modules to be found and read.
 */
import {makeJoinCommand} from './join-command.js';
import {runProgram, zchatProgram} from './program.js';

/** Run `zchat join …` exactly as the whole program would (the same help, errors and exit codes). */
export async function main(argv: readonly string[]): Promise<void> {
	await runProgram(zchatProgram([makeJoinCommand()]), argv);
}
