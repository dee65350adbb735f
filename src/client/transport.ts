import * as zmq from 'zeromq';
import {decodeFeedFrames, decodeReplyFrame} from '../protocol/incoming.js';
import {MAX_FRAMES} from '../protocol/limits.js';
import {roomTopic} from '../protocol/topic.js';
import type {Command, FeedEvent, Reply} from '../protocol/types.js';
import {closeSocket, traceClose} from '../zmq/close.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {SendQueue} from '../zmq/send-queue.js';
import {watchHandshakes} from './handshake-watch.js';

export interface TransportHandlers {
	readonly reply: (reply: Reply) => void;
	readonly feed: (events: FeedEvent[]) => void;
	/**
	 * The connection cannot work and retrying will not help (the hub refused our key, one side
	 * encrypts and the other does not, the hub's key is not the one we were given): exit with
	 * this code and message.
	 */
	readonly problem?: (code: number, message: string) => void;
}

/** What the client controller needs from a connection to a hub. */
export interface Transport {
	send(command: Command): void;
	subscribe(room: string): void;
	unsubscribe(room: string): void;
	/** Start delivering what arrives. */
	start(handlers: TransportHandlers): void;
	/** Stop, giving queued sends up to `lingerMs` to leave. */
	close(lingerMs?: number): Promise<void>;
	/** Drop the command connection and make a new one (what is queued goes on the new one). */
	reconnect?(): void;
}

/** CURVE keys (Z85) for a hub that runs with --key. */
export interface ClientCurve {
	/** The hub's public key. */
	readonly serverKey: string;
	/** Ours. */
	readonly publicKey: string;
	readonly secretKey: string;
	/** Where our key came from, for messages ("~/.config/zchat/key", "a throwaway key"). */
	readonly keySource?: string;
}

export interface ZmqTransportOptions {
	readonly host: string;
	/** The hub's ROUTER port. */
	readonly subPort: number;
	/** The hub's PUB port. */
	readonly pubPort: number;
	/** Encrypt and authenticate (the hub runs with --key). */
	readonly curve?: ClientCurve;
}

/**
 * A DEALER to the hub's ROUTER for commands and replies, a SUB to its PUB for the feed.
 * libzmq reconnects both by itself; the session reducer notices a silent hub and says hello
 * again when it is back.
 */
export class ZmqTransport implements Transport {
	private readonly dealer: zmq.Dealer;
	private readonly sub: zmq.Subscriber;
	private readonly queue: SendQueue;
	/** Commands of the current burst, sent as one message at the end of it. */
	private outgoing: string[] = [];
	private closed = false;
	private loops: Promise<void>[] = [];

	private reported = false;
	private handlers: TransportHandlers | undefined;

	constructor(readonly options: ZmqTransportOptions) {
		const curve = options.curve ? {curveServerKey: options.curve.serverKey, curvePublicKey: options.curve.publicKey, curveSecretKey: options.curve.secretKey} : {};
		const common = {reconnectInterval: 100, reconnectMaxInterval: 2000, heartbeatInterval: 2000, heartbeatTimeout: 6000, heartbeatTimeToLive: 6000, ...curve};
		// No receive limits: libzmq 4.3.5 aborts the process when a connection whose input was
		// stopped by a full receive queue times out on heartbeats and reconnects (libzmq#3937,
		// "Assertion failed: _input_stopped"); a client busy for a few seconds did it. Without a
		// limit input never stops. What arrives is read as fast as the client can; a client
		// that is stopped (Ctrl+Z) lets TCP fill, and the hub's PUB drops for it and the gap
		// comes back from history.
		this.dealer = new zmq.Dealer({...common, sendHighWaterMark: 10_000, receiveHighWaterMark: 0, linger: 0});
		this.sub = new zmq.Subscriber({...common, receiveHighWaterMark: 0, linger: 0});
		this.queue = new SendQueue(this.dealer);
		// Handshake failures become one clear message instead of libzmq's endless silent reconnecting.
		const report = (code: number, message: string) => this.report(code, message);
		watchHandshakes(this.dealer, tcpEndpoint(options.host, options.subPort), options.curve, report);
		watchHandshakes(this.sub, tcpEndpoint(options.host, options.pubPort), options.curve, report);
		this.sub.connect(tcpEndpoint(options.host, options.pubPort));
		this.dealer.connect(tcpEndpoint(options.host, options.subPort));
	}

	private report(code: number, message: string): void {
		if (this.reported || this.closed) return;
		this.reported = true;
		this.handlers?.problem?.(code, message);
	}

	/**
	 * Queue a command. Commands given in one burst (one reply handled, one line typed) leave
	 * together as one multi-frame message, up to the protocol's 16 frames: the hub then pays
	 * its per-message receive cost once for all of them (docs/PERFORMANCE.md).
	 */
	send(command: Command): void {
		if (this.closed) return;
		this.outgoing.push(JSON.stringify(command));
		if (this.outgoing.length === 1) queueMicrotask(() => this.sendOutgoing());
	}

	private sendOutgoing(): void {
		const frames = this.outgoing;
		this.outgoing = [];
		if (this.closed) return;
		for (let i = 0; i < frames.length; i += MAX_FRAMES) this.queue.push(frames.slice(i, i + MAX_FRAMES));
	}

	reconnect(): void {
		if (this.closed) return;
		const endpoint = tcpEndpoint(this.options.host, this.options.subPort);
		// disconnect() and connect() run on this thread: safe while the receive loop is pending.
		traceClose(`client: reconnect DEALER ${endpoint}`);
		try {
			this.dealer.disconnect(endpoint);
		} catch {
			// not connected: connecting again is all there is to do
		}
		this.dealer.connect(endpoint);
	}

	subscribe(room: string): void {
		if (!this.closed) this.sub.subscribe(roomTopic(room));
	}

	unsubscribe(room: string): void {
		if (!this.closed) this.sub.unsubscribe(roomTopic(room));
	}

	start(handlers: TransportHandlers): void {
		this.handlers = handlers;
		this.loops = [
			(async () => {
				try {
					for await (const frames of this.dealer) {
						for (const frame of frames) {
							const reply = decodeReplyFrame(frame);
							if (reply) handlers.reply(reply);
						}
					}
				} catch (err) {
					if (!this.closed) throw err;
				}
			})(),
			(async () => {
				try {
					for await (const frames of this.sub) {
						const events = decodeFeedFrames(frames);
						if (events.length > 0) handlers.feed(events);
					}
				} catch (err) {
					if (!this.closed) throw err;
				}
			})(),
		];
	}

	async close(lingerMs = 500): Promise<void> {
		if (this.closed) return;
		this.sendOutgoing();
		await Promise.race([this.queue.idle(), new Promise(resolve => setTimeout(resolve, lingerMs).unref())]);
		this.closed = true;
		// On this thread, never unbound, and with a linger of at least MIN_LINGER_MS however
		// little was asked for: our command bursts have several frames (src/zmq/close.ts).
		void closeSocket(this.dealer, {label: 'client commands', linger: Math.max(0, lingerMs)});
		void closeSocket(this.sub, {label: 'client feed'});
		await Promise.allSettled(this.loops);
	}
}
