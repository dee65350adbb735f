import {Access} from '../../src/hub/access.js';
import {HubCore, type HubCoreOptions, type Outbox} from '../../src/hub/core.js';
import type {Store} from '../../src/hub/store.js';
import type {FeedEvent, Reply} from '../../src/protocol/types.js';

/** A peer as the core sees it: a routing id, its key (on a hub with keys), its source address (when the transport gives one), and what it was sent. */
export class Peer {
	readonly id: Buffer;
	replies: Reply[] = [];
	constructor(
		readonly name: string,
		readonly key?: string,
		readonly address?: string,
	) {
		this.id = Buffer.from(name);
	}
	last(): Reply {
		return this.replies[this.replies.length - 1]!;
	}
	take(): Reply[] {
		const r = this.replies;
		this.replies = [];
		return r;
	}
}

/**
 * The hub core driven by hand, with a clock of its own: each call is one message received
 * and flushed, as the transport would. Peers with a key stand for connections the ZAP
 * handler admitted (`keyed`); with `addresses`, the transport tells the core each peer's
 * source address, as the hub's own front door does.
 */
export class CoreHarness {
	now = 1_000_000;
	published: FeedEvent[] = [];
	revoked = 0;
	readonly peers = new Map<string, Peer>();
	readonly core: HubCore;
	constructor(
		readonly store: Store,
		options: Omit<HubCoreOptions, 'access'> & {access?: (store: Store) => Access; keyed?: boolean; addresses?: boolean} = {},
	) {
		const {access, keyed, addresses, ...rest} = options;
		const known = (peer: Buffer) => [...this.peers.values()].find(p => p.id.equals(peer));
		this.core = new HubCore(store, this.now, {
			ttlMs: 60_000,
			...rest,
			access: access?.(store) ?? new Access(store),
			...(keyed || addresses
				? {
						connectionInfo: (peer: Buffer) => {
							const p = known(peer);
							if (keyed && p?.key === undefined) return undefined;
							return {...(p?.key === undefined ? {} : {key: p.key}), ...(addresses && p?.address !== undefined ? {address: p.address} : {})};
						},
					}
				: {}),
		});
	}
	peer(name: string, key?: string, address?: string): Peer {
		let p = this.peers.get(name);
		if (!p) this.peers.set(name, (p = new Peer(name, key, address)));
		return p;
	}
	send(peer: Peer, ...commands: object[]): Outbox {
		this.core.receive(peer.id, commands.map(c => Buffer.from(JSON.stringify(c))), this.now);
		return this.flush();
	}
	flush(): Outbox {
		const out = this.core.flush();
		for (const r of out.replies) {
			const p = [...this.peers.values()].find(x => x.id.equals(r.peer))!;
			for (const f of r.frames) p.replies.push(JSON.parse(f) as Reply);
		}
		for (const {events} of out.publish) for (const e of events) this.published.push(JSON.parse(e) as FeedEvent);
		if (out.revoked) this.revoked++;
		return out;
	}
	/** Say hello as `nick` with a session secret of the peer's own; returns the reply. */
	hello(peer: Peer, nick = peer.name, rooms = ['lobby'], secret = `secret-of-${peer.name}-0123456789`): Reply {
		this.send(peer, {type: 'hello', v: 1, id: 'h', nick, session: secret, rooms});
		return peer.replies.filter(r => 're' in r && r.re === 'h').pop()!;
	}
	/** Send a command with an id and return the reply to it. */
	ask(peer: Peer, command: object, id = `c${Math.random()}`): Reply | undefined {
		const from = peer.replies.length;
		this.send(peer, {...command, id});
		return peer.replies.slice(from).find(r => 're' in r && r.re === id);
	}
	advance(ms: number): void {
		this.now += ms;
	}
}
