import * as zmq from 'zeromq';
import {decodeFeedFrames, decodeReplyFrame} from '../protocol/incoming.js';
import {roomTopic} from '../protocol/topic.js';
import type {Command, FeedEvent, Reply} from '../protocol/types.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {SendQueue} from '../zmq/send-queue.js';

/** What the client controller needs from a connection to a hub. */
export interface Transport {
	send(command: Command): void;
	subscribe(room: string): void;
	unsubscribe(room: string): void;
	/** Start delivering what arrives. */
	start(handlers: {readonly reply: (reply: Reply) => void; readonly feed: (events: FeedEvent[]) => void}): void;
	/** Stop, giving queued sends up to `lingerMs` to leave. */
	close(lingerMs?: number): Promise<void>;
}

export interface ZmqTransportOptions {
	readonly host: string;
	/** The hub's ROUTER port. */
	readonly subPort: number;
	/** The hub's PUB port. */
	readonly pubPort: number;
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
	private closed = false;
	private loops: Promise<void>[] = [];

	constructor(readonly options: ZmqTransportOptions) {
		const common = {reconnectInterval: 100, reconnectMaxInterval: 2000, heartbeatInterval: 2000, heartbeatTimeout: 6000, heartbeatTimeToLive: 6000};
		this.dealer = new zmq.Dealer({...common, sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000, linger: 0});
		this.sub = new zmq.Subscriber({...common, receiveHighWaterMark: 1000, linger: 0});
		this.queue = new SendQueue(this.dealer);
		this.sub.connect(tcpEndpoint(options.host, options.pubPort));
		this.dealer.connect(tcpEndpoint(options.host, options.subPort));
	}

	send(command: Command): void {
		if (!this.closed) this.queue.push([JSON.stringify(command)]);
	}

	subscribe(room: string): void {
		if (!this.closed) this.sub.subscribe(roomTopic(room));
	}

	unsubscribe(room: string): void {
		if (!this.closed) this.sub.unsubscribe(roomTopic(room));
	}

	start(handlers: {readonly reply: (reply: Reply) => void; readonly feed: (events: FeedEvent[]) => void}): void {
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
		await Promise.race([this.queue.idle(), new Promise(resolve => setTimeout(resolve, lingerMs).unref())]);
		this.closed = true;
		this.dealer.linger = Math.max(0, lingerMs);
		this.dealer.close();
		this.sub.close();
		await Promise.allSettled(this.loops);
	}
}
