import {nickKey} from '../protocol/names.js';
import type {BanInfo} from '../protocol/types.js';

/** One line of an authorized file: a member's public key and the nick reserved for it. */
export interface AuthorizedEntry {
	readonly key: string;
	readonly nick: string;
	readonly comment?: string;
}

/** Where the bans are (the store). */
export interface BanSource {
	ban(kind: 'nick' | 'key', target: string, now: number): BanInfo | undefined;
}

/** Why a key is not let in. */
export type Refusal = {readonly why: 'unknown'} | {readonly why: 'banned'; readonly ban: BanInfo};

/**
 * Who may do what on a hub: which public keys may connect (the authorized file, or any key),
 * which nick each listed key reserves, who the operators are, and the bans (from the store).
 * The ZAP handler asks it about every connection; the hub core about every hello.
 */
export class Access {
	private authorizedKeys: Map<string, AuthorizedEntry> | undefined;
	private reserved = new Map<string, string>();
	private readonly opNicks: Set<string>;
	private readonly opKeys: Set<string>;
	/** Keys of the relays the hub trusts (`--relay`): admitted whether listed or not, unless banned. */
	readonly relayKeys: ReadonlySet<string>;

	constructor(
		private readonly bans: BanSource,
		options: {
			readonly authorized?: readonly AuthorizedEntry[];
			readonly opNicks?: readonly string[];
			readonly opKeys?: readonly string[];
			readonly relayKeys?: readonly string[];
		} = {},
	) {
		this.relayKeys = new Set(options.relayKeys ?? []);
		this.opNicks = new Set((options.opNicks ?? []).map(nickKey));
		this.opKeys = new Set(options.opKeys ?? []);
		this.setAuthorized(options.authorized);
	}

	/** Replace the authorized list (undefined: any key may connect). */
	setAuthorized(entries: readonly AuthorizedEntry[] | undefined): void {
		if (entries === undefined) {
			this.authorizedKeys = undefined;
			this.reserved = new Map();
			return;
		}
		this.authorizedKeys = new Map(entries.map(e => [e.key, e]));
		this.reserved = new Map(entries.map(e => [nickKey(e.nick), e.key]));
	}

	/** Whether the hub admits only listed keys. */
	get restricted(): boolean {
		return this.authorizedKeys !== undefined;
	}

	get authorizedCount(): number {
		return this.authorizedKeys?.size ?? 0;
	}

	/** The listed entry of a key. */
	entry(key: string): AuthorizedEntry | undefined {
		return this.authorizedKeys?.get(key);
	}

	/** Whether a key may connect now; undefined when it may, else why not. */
	refuses(key: string, now: number): Refusal | undefined {
		if (this.authorizedKeys && !this.authorizedKeys.has(key) && !this.relayKeys.has(key)) return {why: 'unknown'};
		const ban = this.bans.ban('key', key, now);
		return ban ? {why: 'banned', ban} : undefined;
	}

	/** The key a nick is reserved for (by the authorized file), if any. */
	reservedFor(nick: string): string | undefined {
		return this.reserved.get(nickKey(nick));
	}

	/** Whether a session with this nick and key is an operator. */
	isOp(nick: string, key: string | undefined): boolean {
		if (key !== undefined && this.opKeys.has(key)) return true;
		if (!this.opNicks.has(nickKey(nick))) return false;
		// An operator's nick that is reserved for a key is an operator only with that key.
		const owner = this.reservedFor(nick);
		return owner === undefined || owner === key;
	}

	/** Whether any operator is named by nick (on an open hub, anyone who takes that nick first). */
	get hasNickOps(): boolean {
		return this.opNicks.size > 0;
	}
}
