/** A test file's key pairs written for the CLI to a temporary folder of its own, and the CLI processes it starts: all removed or stopped after the file. */
import {join} from 'node:path';
import {after} from 'node:test';
import {generateKeyPair, writeKeyPair, type KeyPair} from '../../src/keys.js';
import type {Proc} from './cli.js';
import {tempDir} from './hub.js';

export interface KeyFiles {
	readonly dir: {readonly path: string};
	/** Processes to kill after the file, if still running. */
	readonly procs: Proc[];
	/** A key pair written to DIR/name.key (+ .pub), for the CLI. */
	keyFile(name: string): {file: string; pub: string; pair: KeyPair};
}

export function keyFiles(prefix: string): KeyFiles {
	const procs: Proc[] = [];
	const dir = tempDir(prefix);
	after(() => {
		for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
		dir.remove();
	});
	const keyFile = (name: string) => {
		const pair = generateKeyPair();
		const file = join(dir.path, `${name}.key`);
		writeKeyPair(file, pair, {force: true});
		return {file, pub: `${file}.pub`, pair};
	};
	return {dir, procs, keyFile};
}
