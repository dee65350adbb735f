/**
 * The preferences file as data, with no I/O: what each setting may hold, reading the JSON
 * text (an error names the file, the line and the setting), a setting typed as text (`/set
 * bell off`), and the text with one setting changed. config-file.ts reads and writes it.
 */
import {isAbsolute, join} from 'node:path';
import {ZchatError} from '../errors.js';
import {nickProblem, parseRoom} from '../protocol/names.js';
import {oneLine} from '../protocol/sanitize.js';
import {isZ85Key} from '../protocol/z85.js';

/** Every setting the file may hold; all optional. Flags and ZCHAT_* variables override them. */
export interface Config {
	/** The hub's address (--host). */
	readonly host?: string;
	/** The hub's command port (--sub). */
	readonly sub?: number;
	/** The hub's feed port (--pub). */
	readonly pub?: number;
	/** The hub's public key, or a file holding it (--server-key). */
	readonly serverKey?: string;
	/** Your key pair file (--key); used only with a server key. */
	readonly key?: string;
	/** Your nick (--nick). */
	readonly nick?: string;
	/** Rooms to join (--room); `send` and `log` use the first. */
	readonly rooms?: readonly string[];
	/** Events of history on joining a room (--history); Infinity for all the hub keeps. */
	readonly history?: number;
	/** A time before each line (--no-timestamps). */
	readonly timestamps?: boolean;
	/** The terminal bell on mentions and private messages (--no-bell). */
	readonly bell?: boolean;
	/** Colours in the TUI (false: as FORCE_COLOR=0). */
	readonly colours?: boolean;
	/** Nicks whose messages are hidden from the start (/ignore). */
	readonly ignore?: readonly string[];
}

export type SettingName = keyof Config;

type Checked = {readonly value: unknown} | {readonly problem: string};

interface Setting {
	/** What it holds, for errors ("must be …"). */
	readonly expects: string;
	/** Check a value as it is in the file. */
	readonly check: (value: unknown) => Checked;
	/** A value typed as text (/set name value), before `check`. */
	readonly fromText: (text: string) => unknown;
}

const ok = (value: unknown): Checked => ({value});

function text(expects: string, valid: (s: string) => boolean = () => true): Setting {
	return {expects, check: v => (typeof v === 'string' && v.trim() !== '' && valid(v) ? ok(v.trim()) : {problem: `must be ${expects}`}), fromText: t => t.trim()};
}

function port(expects: string): Setting {
	return {
		expects,
		check: v => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535 ? ok(v) : {problem: `must be ${expects}`}),
		fromText: t => (/^\d+$/.test(t.trim()) ? Number(t) : t),
	};
}

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {true: true, on: true, yes: true, false: false, off: false, no: false};

function flag(expects: string): Setting {
	return {expects, check: v => (typeof v === 'boolean' ? ok(v) : {problem: `must be ${expects}`}), fromText: t => BOOLEAN_WORDS[t.trim().toLowerCase()] ?? t};
}

function list(expects: string, item: (s: string) => string | {problem: string}): Setting {
	return {
		expects,
		check: v => {
			if (!Array.isArray(v)) return {problem: `must be ${expects}`};
			const out: string[] = [];
			for (const x of v) {
				const r = typeof x === 'string' ? item(x) : {problem: `must be ${expects}`};
				if (typeof r !== 'string') return r;
				if (!out.includes(r)) out.push(r);
			}
			return ok(out);
		},
		fromText: t => t.split(/[\s,]+/).filter(s => s !== ''),
	};
}

export const SETTINGS: Readonly<Record<SettingName, Setting>> = {
	host: text('a host name or address, such as "chat.example.org"', s => !/\s/.test(s.trim())),
	sub: port("the hub's command port, a number from 1 to 65535"),
	pub: port("the hub's feed port, a number from 1 to 65535"),
	serverKey: text("the hub's public key (40 characters) or the file holding it"),
	key: text('the file of your key pair, from "zchat keygen"'),
	nick: {
		expects: 'a nick',
		check: v => {
			if (typeof v !== 'string') return {problem: 'must be a nick, such as "alice"'};
			const problem = nickProblem(v);
			return problem ? {problem: `is not a valid nick: ${problem}`} : ok(v);
		},
		fromText: t => t.trim(),
	},
	rooms: list('a list of room names, such as ["lobby", "dev"]', s => {
		const r = parseRoom(s);
		return 'error' in r ? {problem: `has a bad room name: ${r.error}`} : r.room;
	}),
	history: {
		expects: 'a whole number of events, or "all"',
		check: v => (v === 'all' || v === Infinity ? ok(Infinity) : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? ok(v) : {problem: 'must be a whole number of events (0 or more), or "all"'}),
		fromText: t => (t.trim().toLowerCase() === 'all' ? 'all' : /^\d+$/.test(t.trim()) ? Number(t) : t),
	},
	timestamps: flag('true or false'),
	bell: flag('true or false'),
	colours: flag('true or false'),
	ignore: list('a list of nicks, such as ["spammer"]', s => {
		const problem = nickProblem(s);
		return problem ? {problem: `has a bad nick "${s.slice(0, 20)}": ${problem}`} : s;
	}),
};

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

function isSetting(name: string): name is SettingName {
	return Object.hasOwn(SETTINGS, name);
}

function unknownSetting(name: string): ZchatError {
	return new ZchatError(`there is no setting "${oneLine(name.slice(0, 40))}": the settings are ${SETTING_NAMES.join(', ')}`, 2);
}

/** The 1-based line of `text` at a character offset. */
function lineAt(text: string, offset: number): number {
	return text.slice(0, offset).split('\n').length;
}

/**
 * Where JSON.parse stopped, when its message does not say: the longest prefix that is still
 * the start of valid JSON (a prefix of broken JSON stays broken, so a binary search finds it).
 */
function syntaxErrorOffset(text: string, message: string): number {
	const m = /at position (\d+)/.exec(message);
	if (m) return Number(m[1]);
	const incomplete = (n: number) => {
		try {
			JSON.parse(text.slice(0, n));
			return true;
		} catch (err) {
			// Cut short, JSON.parse says "end of input" or names the position where the prefix ends.
			const said = (err as Error).message;
			const at = /at position (\d+)/.exec(said);
			return /Unexpected end of JSON input/.test(said) || (at !== null && Number(at[1]) >= n);
		}
	};
	let lo = 0;
	let hi = text.length;
	while (lo < hi) {
		const mid = Math.ceil((lo + hi) / 2);
		if (incomplete(mid)) lo = mid;
		else hi = mid - 1;
	}
	return Math.min(lo, Math.max(0, text.length - 1));
}

/** The line a setting is written on (its first `"name":`), for errors. */
function lineOf(text: string, name: string): number | undefined {
	// As written, or with JSON's escapes ("\u001b").
	for (const quoted of [`"${name}"`, JSON.stringify(name)]) {
		const at = text.search(new RegExp(`${quoted.replace(/[^A-Za-z0-9_"]/g, '\\$&')}\\s*:`));
		if (at >= 0) return lineAt(text, at);
	}
	return undefined;
}

function fail(file: string, line: number | undefined, message: string): ZchatError {
	// What the file says is shown escaped, like anything else that reaches a terminal.
	return new ZchatError(oneLine(`${file}${line === undefined ? '' : `, line ${line}`}: ${message}: fix or remove it (flags and ZCHAT_* variables override the file, they do not skip it)`), 2);
}

/** The JSON object of a settings file's text ({} for an empty file); throws ZchatError (exit 2) naming the line. */
function parseObject(text: string, file: string): Record<string, unknown> {
	const body = text.replace(/^\uFEFF/, '');
	if (body.trim() === '') return {};
	let value: unknown;
	try {
		value = JSON.parse(body);
	} catch (err) {
		const message = (err as Error).message;
		const why = message
			.replace(/,? ?".*" is not valid JSON$/s, '')
			.replace(/ in JSON at position \d+.*$/s, '')
			.replace(/[\u0000-\u001f]/g, c => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : '?'));
		throw fail(file, lineAt(body, syntaxErrorOffset(body, message)), `not valid JSON (${why})`);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(file, 1, 'the settings must be one JSON object, {"nick": "alice", …}');
	return value as Record<string, unknown>;
}

/** Read a settings file's text; throws ZchatError (exit 2) saying which line and which setting is wrong. */
export function parseConfig(text: string, file: string): Config {
	const o = parseObject(text, file);
	const out: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(o)) {
		if (!isSetting(name)) throw fail(file, lineOf(text, name), `unknown setting "${name.slice(0, 40)}" (the settings are ${SETTING_NAMES.join(', ')})`);
		const r = SETTINGS[name].check(value);
		if ('problem' in r) throw fail(file, lineOf(text, name), `"${name}" ${r.problem}`);
		out[name] = r.value;
	}
	return out as Config;
}

/** A setting typed as text (`/set bell off`, `/set rooms lobby,dev`), checked: its value, or a ZchatError (exit 2) saying what it must be. */
export function settingFromText(name: string, value: string): Config[SettingName] {
	if (!isSetting(name)) throw unknownSetting(name);
	const r = SETTINGS[name].check(SETTINGS[name].fromText(value));
	if ('problem' in r) throw new ZchatError(oneLine(`"${name}" ${r.problem}`), 2);
	return r.value as Config[SettingName];
}

/**
 * The settings file's text with one setting changed (or removed, for undefined), the others
 * kept as they were and in their order. `value` is checked first; a string is read as
 * `settingFromText` reads it. Throws ZchatError (exit 2) when the value, or the text as it
 * was, is wrong.
 */
export function withSetting(text: string, file: string, name: string, value: unknown): string {
	parseConfig(text, file); // refuse to rewrite a file that is wrong: it would lose what is wrong in it
	const o = parseObject(text, file);
	if (value === undefined || value === null) {
		if (!isSetting(name)) throw unknownSetting(name);
		delete o[name];
	} else {
		const typed = typeof value === 'string' ? settingFromText(name, value) : checked(name, value);
		o[name] = typed === Infinity ? 'all' : typed;
	}
	return JSON.stringify(o, null, 2) + '\n';
}

function checked(name: string, value: unknown): unknown {
	if (!isSetting(name)) throw unknownSetting(name);
	const r = SETTINGS[name].check(value);
	if ('problem' in r) throw new ZchatError(oneLine(`"${name}" ${r.problem}`), 2);
	return r.value;
}

/**
 * File settings written as paths, made absolute: "~/…" from the home directory, a relative
 * path from the settings file's directory (not from wherever zchat was started). A server
 * key given as the key itself is left as it is.
 */
export function resolvePaths(config: Config, dir: string, home: string): Config {
	const resolve = (p: string) => (p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : isAbsolute(p) ? p : join(dir, p));
	return {
		...config,
		...(config.key === undefined ? {} : {key: resolve(config.key)}),
		...(config.serverKey === undefined || isZ85Key(config.serverKey) ? {} : {serverKey: resolve(config.serverKey)}),
	};
}
