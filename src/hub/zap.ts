import * as zmq from 'zeromq';
import {z85Encode} from '../protocol/z85.js';
import {SendQueue} from '../zmq/send-queue.js';
import type {Access} from './access.js';

/** The endpoint libzmq sends ZAP requests to (ZeroMQ RFC 27), one per context. */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
/** ZAP domain of the hub's feed (PUB) socket: the command port admits keys itself. */
export const PUB_DOMAIN = 'zchat-pub';

/**
 * The ZAP handler of the hub's feed, for a hub with keys. libzmq asks it about every CURVE
 * handshake on the PUB socket before the connection is let in; the socket has
 * `zapEnforceDomain` set, so with no handler bound (or one that has stopped answering) nobody
 * gets in. It admits a key only when the access list does (the authorized file, bans).
 */
export class ZapHandler {
	private readonly socket: zmq.Router;
	private readonly replies: SendQueue;
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

	private async serve(): Promise<void> {
		try {
			for await (const frames of this.socket) {
				let reply: Buffer[];
				try {
					reply = this.decide(frames);
				} catch (err) {
					// A bug here must not let anyone in: refuse, and say so.
					this.log(`ZAP handler error, connection refused: ${(err as Error).message}`);
					reply = refusal(frames, '500', 'internal error');
				}
				this.replies.push(reply);
			}
		} catch (err) {
			if (!this.closed) this.log(`ZAP handler stopped (${(err as Error).message}): no new connections can authenticate`);
		}
	}

	private decide(frames: Buffer[]): Buffer[] {
		// [routing id, "", version, request id, domain, address, identity, mechanism, credentials…]
		const [, , version, , , address, , mechanism, key] = frames;
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
		return ok(frames, z85);
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
		this.socket.close();
		await this.loop;
	}
}

function header(frames: Buffer[]): Buffer[] {
	return [frames[0] ?? Buffer.alloc(0), Buffer.alloc(0), Buffer.from('1.0'), frames[3] ?? Buffer.alloc(0)];
}

function ok(frames: Buffer[], userId: string): Buffer[] {
	return [...header(frames), Buffer.from('200'), Buffer.from('OK'), Buffer.from(userId), Buffer.alloc(0)];
}

function refusal(frames: Buffer[], status: '400' | '500', text: string): Buffer[] {
	return [...header(frames), Buffer.from(status), Buffer.from(text), Buffer.alloc(0), Buffer.alloc(0)];
}
