/**
 * The clients that trusted relays name in their envelopes, each a peer of its own to the core:
 * a routing id of its own, the key and address the relay vouches for, replies wrapped back.
 */
import {decodeClientEnvelope, encodeReplyEnvelope, type RelayedClient} from '../protocol/relay.js';
import type {RelayStats} from '../protocol/stats.js';
import type {CloseReason, Envelope, Peer} from './front-door/types.js';

/** What the table needs of the port the relays are connected to. */
export interface RelayDoor {
	send(peer: Peer | number, envelope: Envelope, frames: readonly (string | Uint8Array)[]): boolean;
	close(peer: Peer | number, reason: CloseReason, detail: string): void;
}

export interface RelayClientsOptions {
	/** The port (set once it listens). */
	readonly door: () => RelayDoor;
	/** Whether the hub refuses a client's key now (banned, not listed): its relay is told to close it. @default none is */
	readonly refuses?: (key: string) => boolean;
	/** Who is told (the hub's operator, the relay's). */
	readonly who: string;
	readonly log: (line: string) => void;
	/** @default MAX_CLIENTS_PER_RELAY */
	readonly maxPerRelay?: number;
}

/** Routing numbers of relayed clients start here: far above any connection number the door gives. */
export const RELAYED_BASE = 2 ** 40;

/** Clients one relay connection may name before its least recently heard one is forgotten. */
export const MAX_CLIENTS_PER_RELAY = 100_000;

/** One client a relay named. */
export interface RelayedPeer {
	/** Its routing number (≥ RELAYED_BASE), and the 6-byte routing id the core knows it by. */
	readonly id: number;
	readonly routing: Buffer;
	/** The door's number for the relay's connection. */
	readonly relay: number;
	readonly client: string;
	readonly address: string;
	readonly key: string | undefined;
	readonly req: boolean;
}

export class RelayClients {
	private readonly byId = new Map<number, RelayedPeer>();
	/** Per relay connection: its clients by the relay's id for them, least recently heard first. */
	private readonly byRelay = new Map<number, Map<string, RelayedPeer>>();
	private next = RELAYED_BASE;

	private readonly maxPerRelay: number;

	constructor(private readonly options: RelayClientsOptions) {
		this.maxPerRelay = options.maxPerRelay ?? MAX_CLIENTS_PER_RELAY;
	}

	/**
	 * The client a message's envelope frame names. Only a trusted relay may send one: anyone
	 * else is told so (`not_relay`) and closed; a relay whose envelope is malformed is closed.
	 * A client whose key is refused is not served: its relay is told to close it.
	 */
	admit(peer: Peer, frame: Buffer): RelayedPeer | undefined {
		const door = this.options.door();
		if (!peer.relay) {
			const message = `this connection is not a relay ${this.options.who} trusts: a command frame may not start with "@"`;
			door.send(peer, 'dealer', [JSON.stringify({type: 'error', code: 'not_relay', message})]);
			door.close(peer, 'protocol', 'an envelope frame from a connection that is not a trusted relay');
			this.options.log(`closed a command connection from ${peer.address}${peer.key === undefined ? '' : ` with key ${peer.key}`}: it sent a relay envelope and is not a trusted relay`);
			return undefined;
		}
		const client = this.fromEnvelope(peer.id, frame);
		if (typeof client === 'string') {
			door.close(peer, 'protocol', client);
			this.options.log(`closed relay ${peer.key ?? ''} at ${peer.address}: it sent ${client}`);
			return undefined;
		}
		if (client.key !== undefined && this.options.refuses?.(client.key)) {
			this.close(client);
			return undefined;
		}
		return client;
	}

	/** Tell a client's relay to close its connection, and forget the client. */
	close(client: RelayedPeer): void {
		this.options.door().send(client.relay, 'dealer', [encodeReplyEnvelope(client.client, 'close')]);
		this.forget(client);
	}

	/** The client an envelope frame names, made on first sight; a string says what is wrong with the frame. */
	fromEnvelope(relay: number, frame: Uint8Array): RelayedPeer | string {
		const c = decodeClientEnvelope(frame);
		return typeof c === 'string' ? c : this.client(relay, c);
	}

	/** The peer for a client of a relay, made on first sight (or when the relay now says another key or socket for it). */
	client(relay: number, c: RelayedClient): RelayedPeer {
		let clients = this.byRelay.get(relay);
		if (!clients) this.byRelay.set(relay, (clients = new Map()));
		const known = clients.get(c.client);
		if (known && known.key === c.key && known.address === c.address && known.req === c.req) {
			// Most recently heard last, so the oldest is the one forgotten.
			clients.delete(c.client);
			clients.set(c.client, known);
			return known;
		}
		if (known) this.forget(known);
		const id = this.next++;
		const routing = Buffer.alloc(6);
		routing.writeUIntBE(id, 0, 6);
		const peer: RelayedPeer = {id, routing, relay, client: c.client, address: c.address, key: c.key, req: c.req};
		clients.set(c.client, peer);
		this.byId.set(id, peer);
		if (clients.size > this.maxPerRelay) this.forget(clients.values().next().value!);
		return peer;
	}

	get(id: number): RelayedPeer | undefined {
		return id >= RELAYED_BASE ? this.byId.get(id) : undefined;
	}

	/** The frame to put before replies to a client (or the one that tells its relay to close it). */
	envelope(peer: RelayedPeer, what: 'dealer' | 'req' | 'close'): Buffer {
		return encodeReplyEnvelope(peer.client, what);
	}

	/** A relay's connection closed: all its clients are gone with it. */
	dropRelay(relay: number): number {
		const clients = this.byRelay.get(relay);
		if (!clients) return 0;
		for (const peer of clients.values()) this.byId.delete(peer.id);
		this.byRelay.delete(relay);
		return clients.size;
	}

	forget(peer: RelayedPeer): void {
		if (this.byId.get(peer.id) !== peer) return;
		this.byId.delete(peer.id);
		const clients = this.byRelay.get(peer.relay);
		if (clients?.get(peer.client) === peer) clients.delete(peer.client);
	}

	/** Every client of every relay, for revocation. */
	*all(): IterableIterator<RelayedPeer> {
		yield* this.byId.values();
	}

	/** How many clients a relay connection has named (and not had forgotten). */
	countOf(relay: number): number {
		return this.byRelay.get(relay)?.size ?? 0;
	}
}

/** The figures of a relay connection for `stats`. */
export function relayStats(id: number, address: string, key: string | undefined, clients: number, ageMs: number): RelayStats {
	return {id, address, ...(key === undefined ? {} : {key}), clients, ageMs};
}
