import {randomBytes} from 'node:crypto';
import * as zmq from 'zeromq';
import {z85Encode} from '../protocol/z85.js';
import {closeSocket} from '../zmq/close.js';
import {SendQueue} from '../zmq/send-queue.js';
import type {Access} from './access.js';

/** The endpoint libzmq sends ZAP requests to (ZeroMQ RFC 27), one per context. */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
/** ZAP domains of the hub's two sockets: the handler treats them differently. */
export const ROUTER_DOMAIN = 'zchat-router';
export const PUB_DOMAIN = 'zchat-pub';

/** Routing ids remembered at most (least recently used ones are forgotten first). */
const MAX_TRACKED = 200_000;

/**
 * How long the handler waits before it admits a ROUTER connection. libzmq reads the client's
 * own handshake properties (its claimed routing id among them) right after it asks the
 * handler, and applies the reply's properties after them, unless the reply is already there
 * at that instant: answered at once, on a loaded machine, the client's claim won about one
 * time in ten (measured). Answered 1 ms later it never won in 300 tries under full load; this
 * waits 20 ms. A connection that does end up with an id of its own choosing is refused
 * everything by the hub core (`unauthenticated`: its id is not one this handler gave out),
 * and zchat clients then reconnect.
 */
export const ROUTER_REPLY_DELAY_MS = 20;

/**
 * The hub's ZAP handler, for a hub with keys. libzmq asks it about every CURVE handshake, on
 * both sockets, before the connection is let in; the sockets have `zapEnforceDomain` set, so
 * with no handler bound (or one that has stopped answering) nobody gets in.
 *
 * It does three things:
 * - admits a key only when the access list does (the authorized file, bans);
 * - gives every ROUTER connection its routing id: 16 random bytes, never starting with a
 *   zero byte, sent back as the "Identity" property of the ZAP reply. libzmq applies the
 *   reply's properties after the client's own handshake properties, so a client cannot choose
 *   (or predict) its routing id, and the ROUTER never generates one itself — which is what
 *   makes libzmq's "a peer claims the next generated id" assertion unreachable;
 * - remembers which key each of those routing ids belongs to: the hub learns, for every
 *   message, which key sent it (zeromq.js does not expose the User-Id of a message).
 */
export class ZapHandler {
	private readonly socket: zmq.Router;
	private readonly replies: SendQueue;
	private readonly keys = new Map<string, string>();
	private loop: Promise<void> | undefined;
	private closed = false;
	private lastLog = 0;
	private unlogged = 0;
	readonly counters = {admitted: 0, refused: 0, malformed: 0};

	private constructor(
		context: zmq.Context,
		private readonly access: Access,
		private readonly log: (line: string) => void,
		private readonly clock: () => number,
	) {
		this.socket = new zmq.Router({context, linger: 0});
		this.replies = new SendQueue(this.socket);
	}

	/** Bind the handler in `context` and start answering. */
	static async start(context: zmq.Context, access: Access, log: (line: string) => void, clock: () => number = Date.now): Promise<ZapHandler> {
		const zap = new ZapHandler(context, access, log, clock);
		await zap.socket.bind(ZAP_ENDPOINT);
		zap.loop = zap.serve();
		return zap;
	}

	/** The key (Z85) of the connection with this routing id, if this handler admitted it. */
	keyOf(routingId: Buffer): string | undefined {
		const id = routingId.toString('latin1');
		const key = this.keys.get(id);
		if (key !== undefined) {
			// Recently used ones stay; the least recently used are forgotten first.
			this.keys.delete(id);
			this.keys.set(id, key);
		}
		return key;
	}

	private async serve(): Promise<void> {
		try {
			for await (const frames of this.socket) {
				let reply: Buffer[];
				let delay = 0;
				try {
					reply = this.decide(frames);
					delay = reply[4]!.toString() === '200' && frames[4]?.toString() === ROUTER_DOMAIN ? ROUTER_REPLY_DELAY_MS : 0;
				} catch (err) {
					// A bug here must not let anyone in: refuse, and say so.
					this.log(`ZAP handler error, connection refused: ${(err as Error).message}`);
					reply = refusal(frames, '500', 'internal error');
				}
				if (delay === 0) this.replies.push(reply);
				else setTimeout(() => !this.closed && this.replies.push(reply), delay).unref();
			}
		} catch (err) {
			if (!this.closed) this.log(`ZAP handler stopped (${(err as Error).message}): no new connections can authenticate`);
		}
	}

	private decide(frames: Buffer[]): Buffer[] {
		// [routing id, "", version, request id, domain, address, identity, mechanism, credentials…]
		const [, , version, , domain, address, , mechanism, key] = frames;
		if (frames.length < 9 || version?.toString() !== '1.0' || mechanism?.toString() !== 'CURVE' || key?.length !== 32) {
			this.counters.malformed++;
			return refusal(frames, '400', 'zchat hubs take CURVE connections only');
		}
		const z85 = z85Encode(key);
		const refused = this.access.refuses(z85, this.clock());
		if (refused) {
			this.counters.refused++;
			this.logRefusal(`refused a connection from ${address?.toString('latin1') ?? '?'} with ${refused.why === 'banned' ? 'banned' : 'unknown'} key ${z85}`);
			return refusal(frames, '400', refused.why === 'banned' ? 'key banned' : 'key not authorized');
		}
		this.counters.admitted++;
		if (domain?.toString() !== ROUTER_DOMAIN) return ok(frames, z85, Buffer.alloc(0));
		const id = randomBytes(16);
		id[0] = 0x80 | id[0]!; // never a zero first byte: those are libzmq's own
		this.keys.set(id.toString('latin1'), z85);
		if (this.keys.size > MAX_TRACKED) this.keys.delete(this.keys.keys().next().value!);
		return ok(frames, z85, zmtpProperty('Identity', id));
	}

	/** At most one log line a second for refusals, so a flood of bad keys cannot flood the log. */
	private logRefusal(line: string): void {
		const now = this.clock();
		if (now - this.lastLog < 1000) {
			this.unlogged++;
			return;
		}
		this.log(this.unlogged > 0 ? `${line} (and ${this.unlogged} more refusals)` : line);
		this.lastLog = now;
		this.unlogged = 0;
	}

	/** Stop answering: from now on no handshake can complete (the sockets fail closed). */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await closeSocket(this.socket, {label: 'hub ZAP handler'});
		await this.loop;
	}
}

function header(frames: Buffer[]): Buffer[] {
	return [frames[0] ?? Buffer.alloc(0), Buffer.alloc(0), Buffer.from('1.0'), frames[3] ?? Buffer.alloc(0)];
}

function ok(frames: Buffer[], userId: string, metadata: Buffer): Buffer[] {
	return [...header(frames), Buffer.from('200'), Buffer.from('OK'), Buffer.from(userId), metadata];
}

function refusal(frames: Buffer[], status: '400' | '500', text: string): Buffer[] {
	return [...header(frames), Buffer.from(status), Buffer.from(text), Buffer.alloc(0), Buffer.alloc(0)];
}

/** One ZMTP metadata property: name length (1 byte), name, value length (4 bytes), value. */
export function zmtpProperty(name: string, value: Buffer): Buffer {
	const head = Buffer.alloc(1 + name.length + 4);
	head[0] = name.length;
	head.write(name, 1, 'latin1');
	head.writeUInt32BE(value.length, 1 + name.length);
	return Buffer.concat([head, value]);
}
