/** The hub's figures, as a `stats` reply gives them: sessions, traffic, and what its two ports' budgets did. */

export interface StatsReply {
	readonly type: 'stats';
	readonly re?: string;
	readonly uptimeMs: number;
	readonly sessions: number;
	readonly rooms: number;
	readonly messages: number;
	/**
	 * Connections open on the hub's ROUTER (commands) socket: every client, plus peers with
	 * no session (a REQ asking stats, a client not welcomed yet). From socket events, so a
	 * connection made a moment ago may not be counted yet.
	 */
	readonly connections: number;
	/** Connections open on the hub's PUB (feed) socket: everyone who can read the feed, session or not. */
	readonly subscribers: number;
	readonly epoch: string;
	readonly version: string;
	/** What the command port's limits did since the hub started, and what its connections hold now. */
	readonly port?: PortStats;
	/**
	 * The command port's busiest connections (most reply bytes unread, then most messages
	 * sent), at most 10: only to a connection from the hub's own machine or with an operator's key.
	 */
	readonly busiest?: readonly ConnectionStats[];
	/** The hub's trusted relays connected now (docs/PROTOCOL.md, "Relays"), with how many clients each has named. */
	readonly relays?: readonly RelayStats[];
	/**
	 * The relays this answer came back through, the hub's side first: each adds itself
	 * (its upstream, whether it is connected, its clients) as the reply passes.
	 */
	readonly via?: readonly RelayHop[];
}

/** A trusted relay's connection to the hub (`stats`, `relays`). */
export interface RelayStats {
	/** The hub's number for the connection. */
	readonly id: number;
	readonly address: string;
	/** The relay's key. */
	readonly key?: string;
	/** Clients it has named in envelopes, while its connection is open. */
	readonly clients: number;
	readonly ageMs: number;
}

/** One relay a `stats` reply passed through on its way back. */
export interface RelayHop {
	readonly version: string;
	/** Where it connects: the hub's (or the next relay's) command endpoint. */
	readonly upstream: string;
	/** Whether its command connection upstream has completed its handshake. */
	readonly connected: boolean;
	/** Command connections of its own clients (relays below it count as one each). */
	readonly clients: number;
	/** Connections to its feed port. */
	readonly subscribers: number;
	/** Topics it subscribes to upstream for them. */
	readonly topics: number;
	readonly uptimeMs: number;
}

/** The command port's figures (`stats`), in the manner of NATS's connz: what an operator can act on. */
export interface PortStats {
	/** Connections in their greeting or handshake, on top of `connections`. */
	readonly handshaking: number;
	/** Connections accepted since the hub started. */
	readonly accepted: number;
	/** Turned away on arrival: the hub had all the connections it takes, or their source address had. */
	readonly refusedFull: number;
	readonly refusedPerAddress: number;
	/**
	 * Connections closed since the hub started, by reason: `slow-consumer` (replies left unread),
	 * `too-many-frames`, `frame-too-big`, `handshake-timeout`, `heartbeat-timeout`, `key-refused`,
	 * `revoked`, `protocol`, `crypto`, `peer-closed` …
	 */
	readonly closed: Readonly<Record<string, number>>;
	/** Reply bytes written and not yet taken by the network, over all connections. */
	readonly unsentBytes: number;
	/** Connections whose commands are left unread until they read their replies. */
	readonly held: number;
	/** Messages waiting, read but not yet handled, behind replies their connection has not read. */
	readonly waiting: number;
	/** Messages of commands read since the hub started, and the batches they reached the core in. */
	readonly messagesIn?: number;
	readonly batches?: number;
}

/** One connection of the command port (`stats`, `busiest`). */
export interface ConnectionStats {
	/** The hub's number for it (never reused while the hub runs). */
	readonly id: number;
	readonly address: string;
	readonly socketType: string;
	/** The key it authenticated with (a hub with keys). */
	readonly key?: string;
	/** The nick of the session on it, if any. */
	readonly nick?: string;
	readonly ageMs: number;
	/** Reply bytes written to it that it has not read yet. */
	readonly unsentBytes: number;
	readonly bytesIn: number;
	readonly bytesOut: number;
	readonly messagesIn: number;
	readonly messagesOut: number;
	/** Times its commands were left unread because its replies were not. */
	readonly stalls: number;
	readonly held: boolean;
}
