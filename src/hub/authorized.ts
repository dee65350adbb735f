import {readFileSync} from 'node:fs';
import {ZchatError} from '../errors.js';
import {nickKey, nickProblem} from '../protocol/names.js';
import {isZ85Key} from '../protocol/z85.js';
import type {AuthorizedEntry} from './access.js';

/**
 * The hub's authorized file, like ssh's authorized_keys: one member per line,
 * `<public key> <nick> [comment]`. Blank lines and lines starting with "#" are skipped.
 * The nick is reserved for that key: nobody else can use it (or a look-alike of it).
 */
export function parseAuthorized(text: string, file: string): AuthorizedEntry[] {
	const entries: AuthorizedEntry[] = [];
	const byKey = new Map<string, number>();
	const byNick = new Map<string, number>();
	const lines = text.split(/\r?\n/);
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i]!.trim();
		// "#" is in the Z85 alphabet, but a key never starts with it (84·85⁴ is over 2³²).
		if (line === '' || line.startsWith('#')) continue;
		const where = `${file}:${i + 1}`;
		const [key, nick, ...comment] = line.split(/\s+/);
		if (!key || !isZ85Key(key)) {
			throw new ZchatError(`${where}: "${(key ?? '').slice(0, 48)}" is not a public key (40 characters of Z85, as "zchat keygen" prints): each line is "<public key> <nick> [comment]"`, 2);
		}
		if (!nick) throw new ZchatError(`${where}: no nick after the key: each line is "<public key> <nick> [comment]"`, 2);
		const problem = nickProblem(nick);
		if (problem) throw new ZchatError(`${where}: "${nick.slice(0, 32)}" is not a nick (${problem})`, 2);
		const sameKey = byKey.get(key);
		if (sameKey !== undefined) throw new ZchatError(`${where}: this key is already listed on line ${sameKey}: one line per key`, 2);
		const sameNick = byNick.get(nickKey(nick));
		if (sameNick !== undefined) throw new ZchatError(`${where}: the nick "${nick}" clashes with line ${sameNick} (nicks are unique whatever their case and look-alike letters)`, 2);
		byKey.set(key, i + 1);
		byNick.set(nickKey(nick), i + 1);
		entries.push({key, nick, ...(comment.length > 0 ? {comment: comment.join(' ')} : {})});
	}
	return entries;
}

/** Read and parse the authorized file; a ZchatError (exit code 2) says what is wrong and where. */
export function readAuthorized(file: string): AuthorizedEntry[] {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		throw new ZchatError(`cannot read the authorized file ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? String(err))}): check --authorized`, 2);
	}
	return parseAuthorized(text, file);
}
