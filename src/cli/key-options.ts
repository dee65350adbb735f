/**
 * --server-key and --key, the same for every command that talks to a hub (join, send, who,
 * stats, log), and the CURVE keys they come to.
 */
import {existsSync} from 'node:fs';
import {Option} from '@commander-js/extra-typings';
import type {ClientCurve} from '../client/transport.js';
import {ZchatError} from '../errors.js';
import {defaultKeyFile, generateKeyPair, readKeyPair, readPublicKey} from '../keys.js';

/** What --help and the README say about --key's default, in one place. */
export const KEY_DEFAULT_TEXT = 'with --server-key: $XDG_CONFIG_HOME/zchat/key if it exists, else a throwaway key';

export function keyOptions() {
	return [
		new Option('--server-key <key|file>', "the hub's public key (it prints it when started with --key): encrypt, and make sure it is that hub").env('ZCHAT_SERVER_KEY'),
		new Option('--key <file>', `your key pair, from "zchat keygen" (default ${KEY_DEFAULT_TEXT})`).env('ZCHAT_KEY'),
	] as const;
}

/** The CURVE keys to reach an encrypted hub with, or undefined for an open hub. */
export function clientCurve(serverKey: string | undefined, keyFile: string | undefined): ClientCurve | undefined {
	if (serverKey === undefined) {
		if (keyFile !== undefined) {
			throw new ZchatError('--key needs --server-key: the public key of the hub (it prints it when started with --key)', 2);
		}
		return undefined;
	}
	const hubKey = readPublicKey(serverKey, '--server-key');
	if (keyFile !== undefined) return {serverKey: hubKey, ...readKeyPair(keyFile, '--key'), keySource: keyFile};
	const fallback = defaultKeyFile();
	if (existsSync(fallback)) return {serverKey: hubKey, ...readKeyPair(fallback, '--key'), keySource: fallback};
	// Encryption without an identity: enough for a hub that admits any key.
	return {serverKey: hubKey, ...generateKeyPair(), keySource: 'a throwaway key made for this run: pass --key to use yours'};
}
