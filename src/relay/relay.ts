/**
 * A relay: the hub's own command and feed ports downstream (same budgets, same CurveZMQ), one
 * authenticated link upstream that carries every client's commands in an envelope, and the
 * feed taken once upstream and written unchanged to every subscriber downstream.
 */
import {FeedServer} from '../hub/feed/feed-server.js';
import type {FeedLimits} from '../hub/feed/limits.js';
import {FrontDoor} from '../hub/front-door/front-door.js';
import type {FrontDoorLimits} from '../hub/front-door/limits.js';
import type {Batch, Peer} from '../hub/front-door/types.js';
import {listenError} from '../hub/listen-error.js';
import {RELAYED_BASE, RelayClients} from '../hub/relay-clients.js';
import {decodeReplyEnvelope, encodeClientEnvelope, encodeReplyEnvelope, isEnvelope} from '../protocol/relay.js';
import type {RelayHop, StatsReply} from '../protocol/types.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {Upstream} from './upstream.js';

/** How long a key the upstream had a client closed for (banned, not listed) is refused at the relay's handshake. */
export const REFUSED_KEY_MS = 60_000;

export interface RelayOptions {
	/** Address to listen on. @default "127.0.0.1" */
	readonly host?: string;
	/** Downstream ports; 0 picks a free one. */
	readonly subPort: number;
	readonly pubPort: number;
	readonly upstream: {readonly host: string; readonly subPort: number; readonly pubPort: number; readonly serverKey: string};
	/** The relay's key pair (Z85): its identity upstream, and the key its clients encrypt to. */
	readonly curve: {readonly publicKey: string; readonly secretKey: string};
	/** Keys of relays below this one that it trusts to name their clients (a chain). */
	readonly relayKeys?: readonly string[];
	readonly version: string;
	readonly commandLimits?: Partial<FrontDoorLimits>;
	readonly feedLimits?: Partial<FeedLimits>;
	readonly log?: (line: string) => void;
}

export class Relay {
	readonly host: string;
	private door!: FrontDoor;
	private feed!: FeedServer;
	private readonly upstream: Upstream;
	/** Clients of relays below this one, each with the id this relay names it by upstream ("r" + number). */
	private readonly chained: RelayClients;
	/** Keys the upstream refused, until when (ms since 1970). */
	private readonly refused = new Map<string, number>();
	private readonly relayKeys: ReadonlySet<string>;
	private readonly log: (line: string) => void;
	private readonly started = Date.now();
	private subscribers = 0;

	private constructor(private readonly options: RelayOptions) {
		this.host = options.host ?? '127.0.0.1';
		this.log = options.log ?? (() => {});
		this.relayKeys = new Set(options.relayKeys ?? []);
		this.chained = new RelayClients({door: () => this.door, who: 'this relay', log: this.log});
		const up = options.upstream;
		this.upstream = new Upstream({
			host: up.host,
			subPort: up.subPort,
			pubPort: up.pubPort,
			serverKey: up.serverKey,
			publicKey: options.curve.publicKey,
			secretKey: options.curve.secretKey,
			onReply: frames => this.onReply(frames),
			onFeed: frames => this.feed.publishFrames(frames),
			onState: isUp => this.log(isUp ? `upstream ${this.upstream.commandEndpoint} connected` : `upstream ${this.upstream.commandEndpoint} lost: clients' commands are dropped until it is back`),
			log: this.log,
		});
	}

	/** Listen downstream and connect upstream. Throws ZchatError (exit code 2) when a port or host is unusable. */
	static async start(options: RelayOptions): Promise<Relay> {
		const relay = new Relay(options);
		const admit = (key: string) => relay.admit(key);
		try {
			relay.door = await FrontDoor.listen({
				host: relay.host,
				port: options.subPort,
				curve: options.curve,
				admit,
				isRelay: key => relay.relayKeys.has(key),
				onBatch: batch => relay.onBatch(batch),
				...(options.commandLimits ? {limits: options.commandLimits} : {}),
				log: relay.log,
			});
		} catch (err) {
			throw listenError(err, relay.host, options.subPort, '--sub');
		}
		try {
			relay.feed = await FeedServer.listen({
				host: relay.host,
				port: options.pubPort,
				curve: options.curve,
				admit,
				onTopic: () => relay.upstream.want(relay.feed.topics()),
				onSubscribers: n => (relay.subscribers = n),
				...(options.feedLimits ? {limits: options.feedLimits} : {}),
				log: relay.log,
			});
		} catch (err) {
			await relay.door.stop();
			throw listenError(err, relay.host, options.pubPort, '--pub');
		}
		relay.upstream.start();
		return relay;
	}

	get subPort(): number {
		return this.door.port;
	}

	get pubPort(): number {
		return this.feed.port;
	}

	get routerEndpoint(): string {
		return tcpEndpoint(this.host, this.subPort);
	}

	get pubEndpoint(): string {
		return tcpEndpoint(this.host, this.pubPort);
	}

	get upstreamEndpoint(): string {
		return this.upstream.commandEndpoint;
	}

	/** This relay's line in a `stats` reply's `via`. */
	hop(): RelayHop {
		let clients = 0;
		for (const _ of this.door.peers()) clients++;
		return {
			version: this.options.version,
			upstream: this.upstream.commandEndpoint,
			connected: this.upstream.up,
			clients,
			subscribers: this.subscribers,
			topics: this.upstream.topicCount,
			uptimeMs: Date.now() - this.started,
		};
	}

	async stop(): Promise<void> {
		await Promise.all([this.door.stop(), this.feed.stop()]);
		await this.upstream.close();
	}

	/** Any key may connect, but one the upstream refused a moment ago. */
	private admit(key: string): string | undefined {
		const until = this.refused.get(key);
		if (until === undefined) return undefined;
		if (until > Date.now()) return 'refused by the hub';
		this.refused.delete(key);
		return undefined;
	}

	/** Every message read downstream goes up, with an envelope naming its client. */
	private onBatch(batch: Batch): void {
		for (const m of batch.messages) {
			const peer = m.peer;
			if (!peer.open) continue;
			if (m.envelope === 'dealer' && isEnvelope(m.frames[0])) {
				this.fromRelay(peer, m.frames);
				continue;
			}
			const envelope = encodeClientEnvelope({client: `c${peer.id}`, address: peer.address, key: peer.key, req: m.envelope === 'req'});
			this.upstream.send([envelope, ...m.frames]);
		}
		for (const c of batch.closed) if (c.peer.relay) this.chained.dropRelay(c.peer.id);
	}

	/** A message from a relay below: the client it names gets a name of this relay's. */
	private fromRelay(peer: Peer, frames: Buffer[]): void {
		const client = this.chained.admit(peer, frames[0]!);
		if (!client) return;
		const envelope = encodeClientEnvelope({client: `r${client.id - RELAYED_BASE}`, address: client.address, key: client.key, req: client.req});
		this.upstream.send([envelope, ...frames.slice(1)]);
	}

	/** Replies from upstream go to the client their envelope names; `close` closes it. */
	private onReply(frames: Buffer[]): void {
		const env = frames[0] && isEnvelope(frames[0]) ? decodeReplyEnvelope(frames[0]) : 'a reply without an envelope';
		if (typeof env === 'string') return this.log(`upstream sent ${env}: dropped`);
		const replies = frames.slice(1).map(f => (f.length > 15 && f.toString('latin1', 0, 15) === '{"type":"stats"' ? this.withHop(f) : f));
		const n = Number(env.client.slice(1));
		if (env.client.startsWith('c')) {
			const peer = this.door.peer(n);
			if (!peer) return;
			if (env.close) {
				if (peer.key !== undefined) this.refused.set(peer.key, Date.now() + REFUSED_KEY_MS);
				this.door.close(peer, 'revoked', 'the upstream refused its key');
			} else {
				this.door.send(peer, env.req ? 'req' : 'dealer', replies);
			}
			return;
		}
		const client = this.chained.get(RELAYED_BASE + n);
		if (!client) return;
		this.door.send(client.relay, 'dealer', [encodeReplyEnvelope(client.client, env.close ? 'close' : env.req ? 'req' : 'dealer'), ...replies]);
		if (env.close) this.chained.forget(client);
	}

	/** A `stats` reply with this relay added to its `via`. */
	private withHop(frame: Buffer): Buffer | string {
		try {
			const stats = JSON.parse(frame.toString('utf8')) as StatsReply;
			return JSON.stringify({...stats, via: [...(stats.via ?? []), this.hop()]});
		} catch {
			return frame;
		}
	}
}
