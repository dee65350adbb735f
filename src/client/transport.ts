import * as zmq from 'zeromq';
import {decodeFeedFrames, decodeReplyFrame} from '../protocol/incoming.js';
import {MAX_FRAMES} from '../protocol/limits.js';
import {roomTopic} from '../protocol/topic.js';
import type {Command, FeedEvent, Reply} from '../protocol/types.js';
import {closeSocket, traceClose} from '../zmq/close.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {SendQueue} from '../zmq/send-queue.js';

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

/** Handshakes failing in a row, with none succeeding, before an encrypted client gives up. */
const HANDSHAKE_FAILURES = 3;

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
	private wrongKeyTimer: NodeJS.Timeout | undefined;
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
		this.watch(this.dealer, tcpEndpoint(options.host, options.subPort));
		this.watch(this.sub, tcpEndpoint(options.host, options.pubPort));
		this.sub.connect(tcpEndpoint(options.host, options.pubPort));
		this.dealer.connect(tcpEndpoint(options.host, options.subPort));
	}

	/**
	 * Turn handshake failures into one clear message instead of libzmq's endless silent
	 * reconnecting: a refused key, a mismatch of encryption, a wrong hub key.
	 */
	private watch(socket: zmq.Dealer | zmq.Subscriber, address: string): void {
		const curve = this.options.curve;
		const events = socket.events;
		let handshaken = false;
		let failures = 0;
		events.on('connect', () => {
			handshaken = false;
		});
		events.on('handshake', () => {
			handshaken = true;
			failures = 0;
		});
		events.on('handshake:error:auth', () => {
			this.report(
				2,
				`the hub at ${address} refused our key ${curve?.publicKey ?? ''}${curve?.keySource ? ` (${curve.keySource})` : ''}: it is not on the hub's list of members, or it is banned. Send your public key to the hub's operator`,
			);
		});
		events.on('handshake:error:protocol', e => {
			if (e.error.code === 'ERR_ZMTP_MECHANISM_MISMATCH') {
				this.report(
					2,
					curve
						? `the hub at ${address} does not use encryption (it runs without --key): leave out --server-key and --key`
						: `the hub at ${address} requires encryption: pass --server-key with its public key (and --key with yours)`,
				);
			}
		});
		if (curve) {
			// A wrong hub key shows only as connections the hub drops before any handshake
			// completes (the hub cannot even read our first message).
			events.on('disconnect', () => {
				if (!handshaken && ++failures >= HANDSHAKE_FAILURES) this.wrongKey(address);
			});
		}
	}

	/**
	 * Connections dropped before any handshake completed, again and again. It may still turn
	 * out to be a hub without encryption (a clearer message, which libzmq gives on some
	 * attempts but not all): wait a moment for that before concluding the key is wrong.
	 */
	private wrongKey(address: string): void {
		if (this.wrongKeyTimer) return;
		this.wrongKeyTimer = setTimeout(
			() =>
				this.report(
					2,
					`the hub at ${address} does not accept our encrypted handshake: --server-key is not that hub's public key (the hub prints its key when it starts), or it is not a zchat hub`,
				),
			300,
		);
		this.wrongKeyTimer.unref();
	}

	private report(code: number, message: string): void {
		if (this.reported || this.closed) return;
		this.reported = true;
		clearTimeout(this.wrongKeyTimer);
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
