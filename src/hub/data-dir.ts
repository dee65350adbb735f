/**
 * The hub's data directory: making it, and saying in one line why it cannot be used (made,
 * written, or taken while another hub holds it).
 */
import {accessSync, constants, mkdirSync} from 'node:fs';
import {ZchatError} from '../errors.js';

/** Make the data directory, or explain in one line why it cannot be. */
export function ensureDataDir(dir: string): void {
	try {
		mkdirSync(dir, {recursive: true});
	} catch (err) {
		throw new ZchatError(`cannot create the data directory ${dir} (${mkdirProblem(dir, err)}): pass --data with another, or --memory`, 2);
	}
}

/** Another running hub holds the directory's lock. */
export function dataDirInUse(dir: string | undefined): ZchatError {
	return new ZchatError(`the data directory ${dir} is in use by another running hub: stop it, or pass --data with another directory`, 2);
}

/** The history database cannot be opened, and why. */
export function cannotOpen(db: string, why: string): ZchatError {
	return new ZchatError(`cannot open the history database ${db}: ${why} (pass --data with another directory, or --memory)`, 2);
}

/** Whether this process may write in a directory. */
export function writable(dir: string): boolean {
	try {
		accessSync(dir, constants.W_OK);
		return true;
	} catch {
		return false;
	}
}

/** Why a directory could not be made: Node's recursive mkdir reports ENOENT for a read-only parent, so ask again without it. */
function mkdirProblem(dir: string, err: unknown): string {
	let code = (err as NodeJS.ErrnoException).code ?? String(err);
	if (code === 'ENOENT') {
		try {
			mkdirSync(dir);
		} catch (again) {
			code = (again as NodeJS.ErrnoException).code ?? code;
		}
	}
	return code === 'EROFS' ? 'read-only file system' : code === 'EACCES' ? 'permission denied' : code;
}
