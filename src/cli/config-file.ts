/**
 * The preferences file on disk: where it is, reading it, and saving one setting into it
 * (what the TUI's /set calls). The parsing and checking are in config.ts.
 */
import {closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync} from 'node:fs';
import {homedir} from 'node:os';
import {dirname, join} from 'node:path';
import {ZchatError} from '../errors.js';
import {parseConfig, resolvePaths, withSetting, type Config} from './config.js';

export interface LoadedConfig {
	/** The file read, or undefined when there is none to read (ZCHAT_CONFIG set empty). */
	readonly file: string | undefined;
	/** Its settings ({} when the file does not exist). */
	readonly config: Config;
}

/**
 * Where the preferences are: $ZCHAT_CONFIG if set (empty: none at all), else
 * $XDG_CONFIG_HOME/zchat/config.json, else ~/.config/zchat/config.json.
 */
export function configFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
	const given = env['ZCHAT_CONFIG'];
	if (given !== undefined) return given === '' ? undefined : given;
	const xdg = env['XDG_CONFIG_HOME'];
	const base = xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.config');
	return join(base, 'zchat', 'config.json');
}

function readText(file: string): string | undefined {
	try {
		return readFileSync(file, 'utf8');
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') return undefined;
		const why = code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err));
		throw new ZchatError(`cannot read the settings file ${file} (${why}): fix it, or set ZCHAT_CONFIG to another file (empty for none)`, 2);
	}
}

/** Read the preferences. A missing file is no settings; a wrong one is a ZchatError (exit 2) naming the line and the setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
	const file = configFile(env);
	if (file === undefined) return {file, config: {}};
	const text = readText(file);
	if (text === undefined) return {file, config: {}};
	return {file, config: resolvePaths(parseConfig(text, file), dirname(file), homedir())};
}

/**
 * Save one setting (undefined removes it), keeping the file's other settings. A string value
 * is read as typed ("off", "lobby,dev", "all"). Returns the settings as they now are. Throws
 * ZchatError (exit 2) when the value is wrong, the file as it is cannot be read, or it cannot
 * be written; the file is then unchanged.
 */
export function saveSetting(name: string, value: unknown, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
	const file = configFile(env);
	if (file === undefined) throw new ZchatError('settings are not saved: ZCHAT_CONFIG is set empty (no settings file)', 2);
	const next = withSetting(readText(file) ?? '', file, name, value);
	writeAtomically(file, next);
	return {file, config: resolvePaths(parseConfig(next, file), dirname(file), homedir())};
}

/** Write the whole file or nothing: a temporary file beside it, synced, renamed over it (keeping its mode). */
function writeAtomically(file: string, text: string): void {
	let mode = 0o644;
	try {
		mode = statSync(file).mode & 0o777;
	} catch {
		// a new file
	}
	const tmp = `${file}.${process.pid}.tmp`;
	try {
		mkdirSync(dirname(file), {recursive: true, mode: 0o700});
		const fd = openSync(tmp, 'w', mode);
		try {
			writeSync(fd, text);
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
		renameSync(tmp, file);
	} catch (err) {
		try {
			unlinkSync(tmp);
		} catch {
			// nothing to clean up
		}
		throw new ZchatError(`cannot write the settings file ${file} (${(err as NodeJS.ErrnoException).code ?? err})`, 2);
	}
}
