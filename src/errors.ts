/**
 * An expected failure: something a person can fix, said in one line, with the exit code it
 * should end the program with. The CLI prints `message` and exits with `exitCode`; no
 * stack trace.
 */
export class ZchatError extends Error {
	constructor(
		message: string,
		/** 2: a flag or value to change (bad port, port in use, nick taken); 1: it did not work out (hub unreachable, undelivered lines). */
		readonly exitCode: 1 | 2 = 1,
	) {
		super(message);
		this.name = 'ZchatError';
	}
}
