/** Options and value parsers shared by the commands, and how the settings file fills in what was not given. */
import {userInfo} from 'node:os';
import {InvalidArgumentError, Option} from '@commander-js/extra-typings';
import {nickFrom, nickProblem, parseRoom} from '../protocol/names.js';
import type {Config, SettingName} from './config.js';

/** The login name, made into a valid nick (the default of --nick). */
export function defaultNick(): string {
	let login = process.env['USER'] ?? '';
	try {
		login = userInfo().username || login;
	} catch {
		// No passwd entry (containers): fall back to $USER.
	}
	return nickFrom(login);
}

/** Parse a nick given as an option. */
export function parseNick(value: string): string {
	const problem = nickProblem(value);
	if (problem) throw new InvalidArgumentError(`${problem}.`);
	return value;
}

/** Parse a room name given as an option or argument ("#" optional). */
export function parseRoomName(value: string): string {
	const r = parseRoom(value);
	if ('error' in r) throw new InvalidArgumentError(`${r.error}.`);
	return r.room;
}

/** Parse a TCP port; `allowZero` lets the hub ask for a free one. */
export function parsePort(allowZero: boolean) {
	return (value: string): number => {
		const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
		const min = allowZero ? 0 : 1;
		if (!Number.isInteger(n) || n < min || n > 65535) {
			throw new InvalidArgumentError(`must be a port number from ${min} to 65535${allowZero ? ' (0 picks a free one)' : ''}.`);
		}
		return n;
	};
}

/** Parse a whole number within bounds. */
export function parseCount(min: number, max: number) {
	return (value: string): number => {
		const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
		if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
		return n;
	};
}

/** Parse seconds (fractions allowed) into milliseconds. */
export function parseSeconds(min: number, max: number) {
	return (value: string): number => {
		const n = Number(value);
		if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`must be a number of seconds from ${min} to ${max}.`);
		return Math.round(n * 1000);
	};
}

/** --host, --sub and --pub, shared by the hub and every client command. */
export function hubAddressOptions(forHub: boolean) {
	return [
		new Option('--host <host>', forHub ? 'address to listen on (0.0.0.0 for every interface)' : 'address of the hub').default('127.0.0.1').env('ZCHAT_HOST'),
		new Option('--sub <port>', forHub ? 'port of the ROUTER socket that takes commands (0 picks a free one)' : "port of the hub's ROUTER socket (commands)")
			.default(5555)
			.env('ZCHAT_SUB')
			.argParser(parsePort(forHub)),
		new Option('--pub <port>', forHub ? 'port of the PUB socket that publishes the feed (0 picks a free one)' : "port of the hub's PUB socket (the feed)")
			.default(5556)
			.env('ZCHAT_PUB')
			.argParser(parsePort(forHub)),
	] as const;
}

/** --timeout in seconds (fractions allowed), as milliseconds. */
export function timeoutOption(defaultSeconds: number, what: string) {
	return new Option('--timeout <seconds>', what).default(defaultSeconds * 1000, String(defaultSeconds)).argParser(parseSeconds(0.1, 3600));
}

/** --history: a whole number of events, or "all" (Infinity): as many as the hub keeps. */
export function parseHistory(value: string): number {
	if (value.trim().toLowerCase() === 'all') return Infinity;
	const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
	if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('must be a whole number of events (0 for none), or "all".');
	return n;
}

/** Where an option's value came from (commander's sources, plus the settings file). */
interface OptionSources {
	getOptionValueSource(key: string): string | undefined;
	setOptionValueWithSource(key: string, value: unknown, source: 'config'): unknown;
}

/**
 * Fill the options the user did not give (on the command line, or in a ZCHAT_* variable) from
 * the settings file: `map` names, for each setting, the option it stands for. A key file from
 * the file is used only with a server key (an open hub needs none).
 */
export function applyConfig(command: OptionSources, config: Config, map: Partial<Record<SettingName, string>>): void {
	const unset = (option: string) => {
		const source = command.getOptionValueSource(option);
		return source === undefined || source === 'default';
	};
	for (const [setting, option] of Object.entries(map) as Array<[SettingName, string]>) {
		const value = config[setting];
		if (value === undefined || !unset(option)) continue;
		if (setting === 'key' && unset('serverKey') && config.serverKey === undefined) continue;
		command.setOptionValueWithSource(option, value, 'config');
	}
}

/** Whether an option was given on the command line itself (not a variable, the settings file or a default). */
export function givenOnCommandLine(command: OptionSources, option: string): boolean {
	return command.getOptionValueSource(option) === 'cli';
}
