import {randomBytes} from 'node:crypto';
import * as zmq from 'zeromq';
import {Client} from '../../src/client/client.js';
import type {ClientOptions, FeedItem} from '../../src/client/state.js';
import {ZmqTransport, type ClientCurve} from '../../src/client/transport.js';
import type {KeyPair} from '../../src/keys.js';
import type {HubServer} from '../../src/hub/server.js';
import {decodeReplyFrame} from '../../src/protocol/incoming.js';
import type {Reply} from '../../src/protocol/types.js';
import {closeSocket} from '../../src/zmq/close.js';
import './close-trace.js';
import {waitFor} from './wait.js';

/** A real Client over real sockets, with everything it showed collected. */
export interface TestClient {
	readonly client: Client;
	readonly shown: Array<{view: string; item: FeedItem}>;
	/** Texts of chat messages shown in a room, as "from: text". */
	messages(room?: string): string[];
	waitConnected(timeoutMs?: number): Promise<void>;
	waitMessage(text: string, timeoutMs?: number): Promise<void>;
	close(): Promise<void>;
}

/** CURVE options for a raw zeromq socket: the hub's public key and a member's key pair. */
export function curveOptions(hubKey: string, mine: KeyPair): {curveServerKey: string; curvePublicKey: string; curveSecretKey: string} {
	return {curveServerKey: hubKey, curvePublicKey: mine.publicKey, curveSecretKey: mine.secretKey};
}

export function connectClient(hub: {subPort: number; pubPort: number}, nick: string, options: Partial<ClientOptions> = {}, curve?: ClientCurve): TestClient {
	const transport = new ZmqTransport({host: '127.0.0.1', subPort: hub.subPort, pubPort: hub.pubPort, ...(curve ? {curve} : {})});
	const client = new Client(transport, {
		nick,
		nickExplicit: true,
		rooms: ['lobby'],
		session: randomBytes(18).toString('base64url'),
		...options,
	});
	const shown: Array<{view: string; item: FeedItem}> = [];
	client.on('show', (view, item) => shown.push({view, item}));
	client.start(50);
	const messages = (room?: string) =>
		shown.flatMap(({item}) => (item.kind === 'event' && item.event.type === 'message' && (room === undefined || item.event.room === room) ? [`${item.event.from}: ${item.event.text}`] : []));
	return {
		client,
		shown,
		messages,
		waitConnected: async (timeoutMs = 10_000) => {
			await waitFor(`${nick} to be connected`, () => client.state.connection === 'connected' && Object.values(client.state.views).every(v => !('room' in v) || v.synced), timeoutMs);
		},
		waitMessage: async (text, timeoutMs = 10_000) => {
			await waitFor(() => `${nick} to see "${text}" (saw ${JSON.stringify(messages().slice(-5))})`, () => messages().some(m => m.endsWith(': ' + text)), timeoutMs);
		},
		close: () => client.close(),
	};
}

/** A bare DEALER speaking the protocol by hand: what a hostile or foreign client can do. */
export class RawDealer {
	readonly socket: zmq.Dealer;
	readonly replies: Reply[] = [];
	readonly raw: Buffer[][] = [];
	private loop: Promise<void>;

	constructor(hub: Pick<HubServer, 'routerEndpoint'> | string, options: zmq.SocketOptions<zmq.Dealer> = {}) {
		const socket = new zmq.Dealer({linger: 0, ...options});
		this.socket = socket;
		socket.connect(typeof hub === 'string' ? hub : hub.routerEndpoint);
		this.loop = (async () => {
			try {
				for await (const frames of socket) {
					this.raw.push(frames);
					for (const f of frames) {
						const r = decodeReplyFrame(f);
						if (r) this.replies.push(r);
					}
				}
			} catch {
				// closed
			}
		})();
	}

	async send(...frames: Array<string | Buffer | object>): Promise<void> {
		await this.socket.send(frames.map(f => (typeof f === 'string' || Buffer.isBuffer(f) ? f : JSON.stringify(f))));
	}

	/** Wait for a reply matching, and return it. */
	async reply<T extends Reply['type']>(type: T, match: (r: Extract<Reply, {type: T}>) => boolean = () => true, timeoutMs = 10_000): Promise<Extract<Reply, {type: T}>> {
		return waitFor(() => `a ${type} reply (got ${JSON.stringify(this.replies.slice(-3))})`, () =>
			this.replies.find((r): r is Extract<Reply, {type: T}> => r.type === type && match(r as Extract<Reply, {type: T}>)),
		timeoutMs);
	}

	async hello(nick: string, rooms = ['lobby'], session = randomBytes(18).toString('base64url')): Promise<void> {
		await this.send({type: 'hello', v: 1, id: 'hello', nick, session, rooms});
		await this.reply('welcome');
	}

	/** Send a hello and wait for its answer, a welcome or an error. */
	async tryHello(nick: string, session = randomBytes(18).toString('base64url'), id = `h${Math.random()}`): Promise<Reply> {
		await this.send({type: 'hello', v: 1, id, nick, session});
		return waitFor(`an answer to hello ${id}`, () => this.replies.find(r => 're' in r && r.re === id));
	}

	async close(): Promise<void> {
		void closeSocket(this.socket, {label: 'test'});
		await this.loop;
	}
}

/** A bare SUB socket: sees what anyone can see of the feed. */
export class RawSub {
	readonly socket: zmq.Subscriber;
	readonly messages: string[][] = [];
	private loop: Promise<void>;

	/** `hub` may carry socket options (CURVE keys) beside its endpoint, as `socketOptions`. */
	constructor(hub: Pick<HubServer, 'pubEndpoint'> & {socketOptions?: zmq.SocketOptions<zmq.Subscriber>}, ...prefixes: string[]) {
		const socket = new zmq.Subscriber({linger: 0, ...hub.socketOptions});
		this.socket = socket;
		socket.connect(hub.pubEndpoint);
		for (const p of prefixes) socket.subscribe(p);
		this.loop = (async () => {
			try {
				for await (const frames of socket) this.messages.push(frames.map(f => f.toString('utf8')));
			} catch {
				// closed
			}
		})();
	}

	/** Every frame received, as text. */
	text(): string {
		return this.messages.map(m => m.join('\n')).join('\n');
	}

	async close(): Promise<void> {
		void closeSocket(this.socket, {label: 'test'});
		await this.loop;
	}
}
