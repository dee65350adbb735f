import {createPrivateKey, createPublicKey, generateKeyPairSync} from 'node:crypto';
import {chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync} from 'node:fs';
import {homedir} from 'node:os';
import {dirname, join} from 'node:path';
import {ZchatError} from './errors.js';
import {isZ85Key, z85Decode, z85Encode} from './protocol/z85.js';

/**
 * CURVE key pairs and the files they live in. A CURVE key is an X25519 key (Curve25519, as
 * in libsodium's crypto_box), written in Z85. Node's crypto makes and checks them; libzmq uses
 * them. The files are ZeroMQ certificates (the format of czmq's zcert and pyzmq's
 * zmq.auth.load_certificate), so Python bots can use them as they are.
 */

export interface KeyPair {
	readonly publicKey: string;
	readonly secretKey: string;
}

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

export function generateKeyPair(): KeyPair {
	const {publicKey, privateKey} = generateKeyPairSync('x25519');
	const pub = publicKey.export({format: 'der', type: 'spki'}).subarray(-32);
	const sec = privateKey.export({format: 'der', type: 'pkcs8'}).subarray(-32);
	return {publicKey: z85Encode(pub), secretKey: z85Encode(sec)};
}

/** The public key of a secret key (both Z85). */
export function publicKeyOf(secretKey: string): string {
	const secret = z85Decode(secretKey);
	if (!secret || secret.length !== 32) throw new Error('not a key');
	const key = createPrivateKey({key: Buffer.concat([PKCS8_X25519, secret]), format: 'der', type: 'pkcs8'});
	return z85Encode(createPublicKey(key).export({format: 'der', type: 'spki'}).subarray(-32));
}

/** Where `zchat keygen` writes, and where `zchat join` looks, by default: $XDG_CONFIG_HOME/zchat/key. */
export function defaultKeyFile(env: NodeJS.ProcessEnv = process.env): string {
	const base = env['XDG_CONFIG_HOME'] && env['XDG_CONFIG_HOME'].startsWith('/') ? env['XDG_CONFIG_HOME'] : join(homedir(), '.config');
	return join(base, 'zchat', 'key');
}

function certificate(kind: 'Secret' | 'Public', pair: {publicKey: string; secretKey?: string}, comment: string): string {
	return [
		`#   ****  Generated on ${new Date().toISOString()} by zchat keygen  ****`,
		`#   ZeroMQ CURVE **${kind}** Certificate`,
		`#   ${kind === 'Secret' ? 'Keep this file secret (mode 0600): whoever has it can connect as you.' : 'Share this one: hub operators list it in their --authorized file.'}`,
		...(comment ? [`#   ${comment}`] : []),
		'',
		'metadata',
		'curve',
		`    public-key = "${pair.publicKey}"`,
		...(pair.secretKey === undefined ? [] : [`    secret-key = "${pair.secretKey}"`]),
		'',
	].join('\n');
}

/**
 * Write a new key pair: the secret to `file` (mode 0600, written in full before it appears)
 * and the public key to `file.pub`. Refuses to replace either unless `force`.
 */
export function writeKeyPair(file: string, pair: KeyPair, options: {force?: boolean; comment?: string} = {}): void {
	const pub = `${file}.pub`;
	if (!options.force) {
		for (const f of [file, pub]) {
			if (existsSync(f)) throw new ZchatError(`${f} exists: pass --force to replace it (whoever uses the old key can then no longer connect), or --out to write elsewhere`, 2);
		}
	}
	try {
		mkdirSync(dirname(file), {recursive: true, mode: 0o700});
	} catch (err) {
		throw new ZchatError(`cannot create the directory ${dirname(file)} (${(err as NodeJS.ErrnoException).code ?? err}): pass --out with another path`, 2);
	}
	writeAtomically(file, certificate('Secret', pair, options.comment ?? ''), 0o600);
	writeAtomically(pub, certificate('Public', {publicKey: pair.publicKey}, options.comment ?? ''), 0o644);
}

function writeAtomically(file: string, text: string, mode: number): void {
	const tmp = `${file}.${process.pid}.tmp`;
	try {
		const fd = openSync(tmp, 'wx', mode);
		try {
			writeSync(fd, text);
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
		chmodSync(tmp, mode);
		renameSync(tmp, file);
	} catch (err) {
		try {
			unlinkSync(tmp);
		} catch {
			// nothing to clean up
		}
		throw new ZchatError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? err}): pass --out with another path`, 2);
	}
}

function readText(file: string, what: string, flag: string): string {
	try {
		return readFileSync(file, 'utf8');
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err));
		throw new ZchatError(`cannot read ${what} ${file} (${why}): check ${flag}${flag === '--key' ? ', or make one with "zchat keygen"' : ''}`, 2);
	}
}

/** The value of `name = "…"` in a certificate. */
function field(text: string, name: string): string | undefined {
	const m = new RegExp(`^\\s*${name}\\s*=\\s*"?([^"\\s]+)"?\\s*$`, 'm').exec(text);
	return m?.[1];
}

/**
 * Read a secret key file (ours or a zcert/pyzmq "_secret" certificate). Refuses a file that
 * others can read, like ssh does, and one whose public key does not match its secret key.
 */
export function readKeyPair(file: string, flag = '--key'): KeyPair {
	const text = readText(file, 'the key file', flag);
	const secretKey = field(text, 'secret-key');
	if (secretKey === undefined || !isZ85Key(secretKey)) {
		throw new ZchatError(`${file} holds no secret key (a "secret-key = ..." line): pass ${flag} with the file "zchat keygen" wrote (not the .pub one)`, 2);
	}
	try {
		const mode = statSync(file).mode & 0o777;
		if ((mode & 0o077) !== 0) {
			throw new ZchatError(`${file} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}): run "chmod 600 ${file}"`, 2);
		}
	} catch (err) {
		if (err instanceof ZchatError) throw err;
	}
	const derived = publicKeyOf(secretKey);
	const publicKey = field(text, 'public-key');
	if (publicKey !== undefined && publicKey !== derived) {
		throw new ZchatError(`${file} is damaged: its public key does not belong to its secret key. Make a new one with "zchat keygen --force"`, 2);
	}
	return {publicKey: derived, secretKey};
}

/**
 * A public key given on the command line: the key itself (40 characters of Z85) or a file
 * holding it (a .pub certificate, a secret key file, or one line starting with the key).
 */
export function readPublicKey(value: string, flag: string): string {
	if (isZ85Key(value)) return value;
	if (value.length === 40 && !existsSync(value)) {
		throw new ZchatError(`${flag} "${value}" is 40 characters but not a key in Z85: copy it again from the hub's banner`, 2);
	}
	const text = readText(value, 'the key file', flag);
	const fromCert = field(text, 'public-key');
	if (fromCert !== undefined && isZ85Key(fromCert)) return fromCert;
	const first = text.trim().split(/\s+/)[0] ?? '';
	if (isZ85Key(first)) return first;
	throw new ZchatError(`${value} holds no public key: pass ${flag} with the key (40 characters the hub prints) or its .pub file`, 2);
}
