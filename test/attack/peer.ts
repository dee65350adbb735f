/**
 * A zeromq.js DEALER and SUB as an outsider uses them from PROTOCOL.md: JSON frames out,
 * replies and feed messages collected with the time they came, connection events counted.
 * For attackers and for the legitimate people of a scenario (operators, watchers).
 */
import * as zmq from 'zeromq';

export type Json = Record<string, unknown>;

/** Connection events seen on a socket: how an attacker learns it was cut off or refused. */
export interface SocketEvents {
	connects: number;
	handshakes: number;
	disconnects: number;
	authFailures: number;
	protocolFailures: number;
}

function watch(socket: zmq.Dealer | zmq.Subscriber | zmq.XSubscriber): SocketEvents {
	const seen: SocketEvents = {connects: 0, handshakes: 0, disconnects: 0, authFailures: 0, protocolFailures: 0};
	socket.events.on('connect', () => seen.connects++);
	socket.events.on('handshake', () => seen.handshakes++);
	socket.events.on('disconnect', () => seen.disconnects++);
	socket.events.on('handshake:error:auth', () => seen.authFailures++);
	socket.events.on('handshake:error:protocol', () => seen.protocolFailures++);
	return seen;
}

export class Peer {
	readonly socket: zmq.Dealer;
	readonly replies: Array<{at: number; reply: Json}> = [];
	readonly events: SocketEvents;
	/** Sends that did not go out within the send timeout (no connection to send on). */
	sendFailures = 0;
	private readonly loop: Promise<void>;

	constructor(endpoint: string, options: zmq.SocketOptions<zmq.Dealer> = {}) {
		const socket = new zmq.Dealer({linger: 0, sendTimeout: 2000, reconnectInterval: 100, ...options});
		this.socket = socket;
		this.events = watch(socket);
		socket.connect(endpoint);
		this.loop = (async () => {
			try {
				for await (const frames of socket) {
					const at = Date.now();
					for (const f of frames) {
						try {
							this.replies.push({at, reply: JSON.parse(f.toString('utf8')) as Json});
						} catch {
							this.replies.push({at, reply: {type: '(not json)', bytes: f.length}});
						}
					}
				}
			} catch {
				// closed
			}
		})();
	}

	/** Send one message of these command frames; false when it could not be queued in time. */
	async send(...commands: Json[]): Promise<boolean> {
		try {
			await this.socket.send(commands.map(c => JSON.stringify(c)));
			return true;
		} catch {
			this.sendFailures++;
			return false;
		}
	}

	/** The first reply (from index `from`) that matches, waiting up to `timeoutMs`; undefined if none came. */
	async waitFor(match: (r: Json) => boolean, timeoutMs = 5000, from = 0): Promise<Json | undefined> {
		const deadline = Date.now() + timeoutMs;
		let i = from;
		for (;;) {
			for (; i < this.replies.length; i++) if (match(this.replies[i]!.reply)) return this.replies[i]!.reply;
			if (Date.now() > deadline) return undefined;
			await new Promise(resolve => setTimeout(resolve, 5));
		}
	}

	/** Send a command with an id and wait for the reply that answers it. */
	async request(command: Json & {id: string}, timeoutMs = 5000): Promise<Json | undefined> {
		const from = this.replies.length;
		if (!(await this.send(command))) return undefined;
		return this.waitFor(r => r['re'] === command.id, timeoutMs, from);
	}

	close(): Promise<void> {
		this.socket.close();
		return this.loop;
	}
}

export class FeedReader {
	readonly socket: zmq.Subscriber;
	readonly messages: Array<{at: number; topic: string; events: Json[]}> = [];
	readonly events: SocketEvents;
	private readonly loop: Promise<void>;

	constructor(endpoint: string, prefixes: string[], options: zmq.SocketOptions<zmq.Subscriber> = {}) {
		const socket = new zmq.Subscriber({linger: 0, reconnectInterval: 100, ...options});
		this.socket = socket;
		this.events = watch(socket);
		socket.connect(endpoint);
		for (const p of prefixes) socket.subscribe(p);
		this.loop = (async () => {
			try {
				for await (const [topic, ...rest] of socket) {
					const events: Json[] = [];
					for (const f of rest) {
						try {
							events.push(JSON.parse(f.toString('utf8')) as Json);
						} catch {
							events.push({type: '(not json)'});
						}
					}
					this.messages.push({at: Date.now(), topic: topic?.toString('utf8') ?? '', events});
				}
			} catch {
				// closed
			}
		})();
	}

	/** Every event received, flattened. */
	all(): Json[] {
		return this.messages.flatMap(m => m.events);
	}

	close(): Promise<void> {
		this.socket.close();
		return this.loop;
	}
}

/** Everything a value holds as text, for "does this marker appear anywhere in it". */
export function textOf(value: unknown): string {
	return JSON.stringify(value) ?? '';
}
