/**
 * The real `zchat hub` the attacks run against, and the only place here that starts one
 * (test/helpers/cli.ts's spawnHub: how tests find the hub's ports may change; change it here).
 * Makes the key pairs and the authorized file for a hub with keys.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawnHub, type Proc} from '../helpers/cli.js';
import {waitFor} from '../helpers/wait.js';
import {generateKeyPair, writeKeyPair, type KeyPair} from '../../src/keys.js';

export interface HubSetup {
	/** A hub with keys (CURVE); without, an open hub. */
	readonly keys?: boolean;
	/** With keys: the nicks listed in --authorized, each with a key of its own (reserved to it). */
	readonly members?: readonly string[];
	/** With keys: more key pairs made but not listed (strangers, or a hub without --authorized). */
	readonly strangers?: readonly string[];
	/** With keys: no --authorized (any key may join). */
	readonly anyKey?: boolean;
	/** --op values (nicks). */
	readonly ops?: readonly string[];
	/** --rate-limit: "off" (the default here, as in the other tests), or "5/5" … */
	readonly rateLimit?: string;
	/** History on disk in a temporary directory (--data) rather than --memory. */
	readonly data?: boolean;
	/** Anything else for `zchat hub`. */
	readonly extra?: readonly string[];
}

export interface Identity {
	readonly nick: string;
	readonly file: string;
	readonly pair: KeyPair;
}

export class AttackHub {
	private proc!: Proc;
	subPort = 0;
	pubPort = 0;
	readonly host = '127.0.0.1';
	/** The hub's public key (Z85) on a hub with keys. */
	readonly serverKey: string | undefined;
	readonly dataDir: string | undefined;
	readonly membersFile: string | undefined;
	private readonly ids = new Map<string, Identity>();
	private readonly dir: string;
	private readonly hubKeyFile: string | undefined;
	private hubArgs: string[] = [];

	private constructor(readonly setup: HubSetup) {
		this.dir = mkdtempSync(join(tmpdir(), 'zchat-attack-'));
		if (setup.keys) {
			const hubKey = generateKeyPair();
			this.hubKeyFile = join(this.dir, 'hub.key');
			writeKeyPair(this.hubKeyFile, hubKey);
			this.serverKey = hubKey.publicKey;
			for (const nick of [...(setup.members ?? []), ...(setup.strangers ?? [])]) this.makeIdentity(nick);
			if (!setup.anyKey) {
				this.membersFile = join(this.dir, 'members');
				this.writeMembers(setup.members ?? []);
			}
		}
		if (setup.data) this.dataDir = join(this.dir, 'data');
	}

	static async start(setup: HubSetup = {}): Promise<AttackHub> {
		const hub = new AttackHub(setup);
		hub.hubArgs = [
			...(setup.keys ? ['--key', hub.hubKeyFile!] : []),
			...(hub.membersFile ? ['--authorized', hub.membersFile] : []),
			...(setup.ops ?? []).flatMap(op => ['--op', op]),
			...(setup.rateLimit ? ['--rate-limit', setup.rateLimit] : []),
			...(hub.dataDir ? ['--data', hub.dataDir] : []),
			...(setup.extra ?? []),
		];
		await hub.spawn();
		return hub;
	}

	private async spawn(): Promise<void> {
		const h = await spawnHub(this.hubArgs);
		this.proc = h.proc;
		this.subPort = h.sub;
		this.pubPort = h.pub;
	}

	private makeIdentity(nick: string): Identity {
		const pair = generateKeyPair();
		const file = join(this.dir, `${nick}.key`);
		writeKeyPair(file, pair);
		const id = {nick, file, pair};
		this.ids.set(nick, id);
		return id;
	}

	/** The key of `nick` (made when the hub was set up). */
	identity(nick: string): Identity {
		const id = this.ids.get(nick);
		if (!id) throw new Error(`no key was made for ${nick}`);
		return id;
	}

	/** Rewrite the authorized file with these members (their keys as made at setup). */
	writeMembers(nicks: readonly string[]): void {
		if (!this.membersFile) throw new Error('this hub has no --authorized file');
		writeFileSync(this.membersFile, nicks.map(n => `${this.identity(n).pair.publicKey} ${n}\n`).join(''));
	}

	get pid(): number {
		return this.proc.child.pid!;
	}

	get alive(): boolean {
		return this.proc.child.exitCode === null && this.proc.child.signalCode === null;
	}

	get cmdEndpoint(): string {
		return `tcp://${this.host}:${this.subPort}`;
	}

	get feedEndpoint(): string {
		return `tcp://${this.host}:${this.pubPort}`;
	}

	/** Flags for the zchat CLI (join, send, who, stats) to reach this hub. */
	get cliArgs(): string[] {
		return ['--host', this.host, '--sub', String(this.subPort), '--pub', String(this.pubPort)];
	}

	/** Flags for an attacker program to reach this hub, as `nick` (its key on a hub with keys). */
	attackerArgs(nick?: string): string[] {
		const base = ['--host', this.host, '--sub', String(this.subPort), '--pub', String(this.pubPort)];
		if (!this.setup.keys || nick === undefined) return base;
		return [...base, '--key', this.identity(nick).file, '--server-key', this.serverKey!];
	}

	/** zeromq.js CURVE options for `nick` on a hub with keys (none on an open hub). */
	curve(nick: string): {curveServerKey: string; curvePublicKey: string; curveSecretKey: string} | Record<string, never> {
		if (!this.setup.keys) return {};
		const id = this.identity(nick);
		return {curveServerKey: this.serverKey!, curvePublicKey: id.pair.publicKey, curveSecretKey: id.pair.secretKey};
	}

	/** The hub's log (its stdout) as lines. */
	logLines(): string[] {
		return this.proc.lines();
	}

	stderr(): string {
		return this.proc.stderr();
	}

	/** Wait for a log line matching. */
	waitLog(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
		return this.proc.waitLine(pattern, timeoutMs);
	}

	signal(name: NodeJS.Signals): void {
		if (this.alive) this.proc.child.kill(name);
	}

	/** Stop the hub (SIGTERM, then SIGKILL after a deadline). */
	async stop(): Promise<void> {
		if (!this.alive) return;
		this.proc.child.kill('SIGTERM');
		try {
			await waitFor('the hub to stop', () => !this.alive, 5000);
		} catch {
			this.proc.child.kill('SIGKILL');
			await waitFor('the hub to die', () => !this.alive, 5000);
		}
	}

	/** Stop it and start it again on the same data and keys (new ports). */
	async restart(): Promise<void> {
		await this.stop();
		await this.spawn();
	}

	/** Stop the hub and remove its keys and data. */
	async close(): Promise<void> {
		await this.stop();
		rmSync(this.dir, {recursive: true, force: true});
	}
}
