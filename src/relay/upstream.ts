/**
 * A relay's two links to its upstream (the hub, or another relay): a DEALER carrying every
 * client's commands in envelopes and bringing their replies back, and an XSUB taking the feed
 * once for all its subscribers, its subscriptions the union of theirs. Both are libzmq's.
 */
import * as zmq from 'zeromq';
import {closeSocket} from '../zmq/close.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {SendQueue} from '../zmq/send-queue.js';

/** Topics subscribed one by one upstream; with more wanted (or "" by anyone) the relay takes every room. */
export const MAX_UPSTREAM_TOPICS = 32;

export interface UpstreamOptions {
	readonly host: string;
	readonly subPort: number;
	readonly pubPort: number;
	/** The upstream's public key and the relay's own key pair (Z85). */
	readonly serverKey: string;
	readonly publicKey: string;
	readonly secretKey: string;
	/** A reply message: the hub's envelope frame, then replies. */
	readonly onReply: (frames: Buffer[]) => void;
	/** A feed message, `[topic, event, …]`, as it came. */
	readonly onFeed: (frames: Buffer[]) => void;
	/** The command link came up (handshake done) or went down. */
	readonly onState: (up: boolean) => void;
	readonly log: (line: string) => void;
}

export class Upstream {
	private readonly dealer: zmq.Dealer;
	private readonly xsub: zmq.XSubscriber;
	private readonly commands: SendQueue;
	private readonly subscriptions: SendQueue;
	/** What the XSUB is subscribed to upstream now. */
	private readonly subscribed = new Set<string>();
	private closed = false;
	private loops: Promise<void>[] = [];
	up = false;
	/** Times the command link came up. */
	connects = 0;

	constructor(private readonly options: UpstreamOptions) {
		const curve = {curveServerKey: options.serverKey, curvePublicKey: options.publicKey, curveSecretKey: options.secretKey};
		// Heartbeats as the client's: a hub that is gone shows as a disconnect within 6 s, one
		// killed -9 at once. No receive limit: what comes is read as fast as it comes.
		const common = {reconnectInterval: 100, reconnectMaxInterval: 1000, heartbeatInterval: 2000, heartbeatTimeout: 6000, heartbeatTimeToLive: 6000, linger: 0, ...curve};
		this.dealer = new zmq.Dealer({...common, sendHighWaterMark: 100_000, receiveHighWaterMark: 0});
		this.xsub = new zmq.XSubscriber({...common, receiveHighWaterMark: 0, sendHighWaterMark: 0});
		this.commands = new SendQueue(this.dealer, err => this.failed('commands', err));
		this.subscriptions = new SendQueue(this.xsub, err => this.failed('subscriptions', err));
		this.dealer.events.on('handshake', () => this.state(true));
		this.dealer.events.on('disconnect', () => this.state(false));
		this.dealer.events.on('handshake:error:auth', () => options.log(`the upstream at ${this.commandEndpoint} refused this relay's key ${options.publicKey}: it must be listed with --relay on the hub`));
		this.dealer.events.on('handshake:error:protocol', e => options.log(`handshake with the upstream at ${this.commandEndpoint} failed: ${e.error.message}`));
	}

	get commandEndpoint(): string {
		return tcpEndpoint(this.options.host, this.options.subPort);
	}

	get feedEndpoint(): string {
		return tcpEndpoint(this.options.host, this.options.pubPort);
	}

	get topicCount(): number {
		return this.subscribed.size;
	}

	start(): void {
		this.xsub.connect(this.feedEndpoint);
		this.dealer.connect(this.commandEndpoint);
		this.loops = [this.read(this.dealer, this.options.onReply), this.read(this.xsub, this.options.onFeed)];
	}

	/** Send one client's message (envelope first); dropped while the link is down (the client sends it again). */
	send(frames: (Buffer | Uint8Array)[]): boolean {
		if (!this.up || this.closed) return false;
		this.commands.push(frames);
		return true;
	}

	/**
	 * Subscribe upstream to what the relay's subscribers want now: each topic, or everything
	 * ("") when someone wants everything or more than MAX_UPSTREAM_TOPICS are wanted.
	 */
	want(topics: Iterable<string>): void {
		if (this.closed) return;
		const wanted = new Set(topics);
		const next = wanted.has('') || wanted.size > MAX_UPSTREAM_TOPICS ? new Set(['']) : wanted;
		// New subscriptions first, so no event falls between a cancel and its replacement.
		for (const t of next) if (!this.subscribed.has(t)) this.subscription(t, true);
		for (const t of [...this.subscribed]) if (!next.has(t)) this.subscription(t, false);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.commands.clear();
		this.subscriptions.clear();
		await Promise.all([closeSocket(this.dealer, {label: 'relay upstream commands'}), closeSocket(this.xsub, {label: 'relay upstream feed'})]);
		await Promise.allSettled(this.loops);
	}

	private subscription(topic: string, on: boolean): void {
		if (on) this.subscribed.add(topic);
		else this.subscribed.delete(topic);
		const message = Buffer.alloc(1 + Buffer.byteLength(topic, 'latin1'));
		message[0] = on ? 1 : 0;
		message.write(topic, 1, 'latin1');
		this.subscriptions.push([message]);
	}

	private state(up: boolean): void {
		if (this.closed || this.up === up) return;
		this.up = up;
		if (up) this.connects++;
		else this.commands.clear();
		this.options.onState(up);
	}

	private async read(socket: zmq.Dealer | zmq.XSubscriber, handle: (frames: Buffer[]) => void): Promise<void> {
		try {
			for await (const frames of socket) {
				if (this.closed) return;
				handle(frames);
			}
		} catch (err) {
			if (!this.closed) this.options.log(`reading from upstream failed: ${(err as Error).message}`);
		}
	}

	private failed(what: string, err: unknown): void {
		if (!this.closed) this.options.log(`sending ${what} upstream failed: ${(err as Error).message}`);
	}
}
