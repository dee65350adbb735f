/**
 * What the hub sends, gathered between flushes (replies batched per peer, feed events in runs
 * per room), and the context each command is answered through.
 */
import type {Envelope} from '../protocol/codec.js';
import type {ErrorCode, Reply} from '../protocol/types.js';
import type {ConnectionInfo} from './identity.js';

/** A reply to one peer: the frames after its routing id. */
export interface PeerOutput {
	readonly peer: Buffer;
	readonly envelope: Envelope;
	readonly frames: string[];
}

/** What a flush gives the transport to send. */
export interface Outbox {
	/** Replies, one entry per peer, frames in order. */
	readonly replies: PeerOutput[];
	/**
	 * Feed events, JSON, in the order they were stored: runs of consecutive events of one
	 * room, so the PUB stream keeps the order across rooms too.
	 */
	readonly publish: Array<{readonly room: string; readonly events: string[]}>;
	/**
	 * Keys lost the right to connect (a ban, a revoked key): connections already open on the
	 * PUB socket should be made to authenticate again.
	 */
	readonly revoked: boolean;
}

/** Where a session's connection is: its routing id, and that id as a map key. */
export interface Addressee {
	readonly peer: Buffer;
	readonly peerKey: string;
}

/** The replies, feed events and revocation of one flush, as they come up. */
export class Outgoing {
	private replies: PeerOutput[] = [];
	/** Per peer, the reply of this batch that further DEALER frames are appended to. */
	private replyIndex = new Map<string, PeerOutput>();
	private publish: Outbox['publish'] = [];
	/** Set when a key lost the right to connect since the last drain. */
	revoked = false;
	/** Bytes (UTF-16 units) of the replies gathered since the last drain. */
	bytes = 0;

	get hasWork(): boolean {
		return this.replies.length > 0 || this.publish.length > 0;
	}

	reply(peer: Buffer, peerKey: string, envelope: Envelope, reply: Reply | string): void {
		const frame = typeof reply === 'string' ? reply : JSON.stringify(reply);
		// JSON.stringify hands back its text in pieces, joined the first time it is read. Joined
		// now (measuring its UTF-8 length does it), while the pieces are young: joined at the
		// write, after the turn's collections had moved them to the old generation, a burst of
		// welcomes left the pieces and the joined copy there (~13 MiB for 1000, issue 12).
		Buffer.byteLength(frame);
		this.bytes += frame.length;
		if (envelope === 'req') {
			// A REQ socket takes exactly one reply per request, in its own envelope.
			this.replies.push({peer, envelope, frames: [frame]});
			return;
		}
		const out = this.replyIndex.get(peerKey);
		if (out) {
			out.frames.push(frame);
			return;
		}
		const fresh: PeerOutput = {peer, envelope, frames: [frame]};
		this.replies.push(fresh);
		this.replyIndex.set(peerKey, fresh);
	}

	/** Tell a session something unasked (an ack, a DM, a notice): sessions speak DEALER. */
	toSession(session: Addressee, reply: Reply): void {
		this.reply(session.peer, session.peerKey, 'dealer', reply);
	}

	/** A stored feed event, JSON, for the PUB socket. */
	published(room: string, json: string): void {
		const run = this.publish[this.publish.length - 1];
		if (run && run.room === room) run.events.push(json);
		else this.publish.push({room, events: [json]});
	}

	/** Everything gathered since the last drain, and start afresh. */
	drain(): Outbox {
		const out: Outbox = {replies: this.replies, publish: this.publish, revoked: this.revoked};
		this.replies = [];
		this.replyIndex = new Map();
		this.publish = [];
		this.revoked = false;
		this.bytes = 0;
		return out;
	}
}

/**
 * One command being handled: who sent it (the connection, and what the transport knows of
 * it), over which envelope, its id, the time it arrived, and how to answer it. One is made
 * per command (in place of the two closures that were).
 */
export class CommandContext {
	constructor(
		private readonly out: Outgoing,
		readonly peer: Buffer,
		readonly peerKey: string,
		readonly envelope: Envelope,
		readonly id: string | undefined,
		readonly now: number,
		/** The connection's key and address, as far as the transport knows them. */
		readonly info: ConnectionInfo,
	) {}

	/** Answer the sender. A string is a reply already encoded. */
	reply(reply: Reply | string): void {
		this.out.reply(this.peer, this.peerKey, this.envelope, reply);
	}

	/** Refuse the command, saying why and what to do. */
	error(code: ErrorCode, message: string, retryAfterMs?: number): void {
		this.reply({type: 'error', ...re(this.id), code, message, ...(retryAfterMs === undefined ? {} : {retryAfterMs})});
	}
}

/** The `re` field of a reply to a command with this id (none without one). */
export function re(id: string | undefined): {re?: string} {
	return id === undefined ? {} : {re: id};
}

/**
 * The JSON of an ack of a stored line, as JSON.stringify writes {type: 'ack', re, room, seq,
 * epoch}: written out, as it goes out for every line said.
 */
export function ackFrame(id: string, room: string, seq: number, epoch: string): string {
	return '{"type":"ack","re":' + JSON.stringify(id) + ',"room":' + JSON.stringify(room) + ',"seq":' + JSON.stringify(seq) + ',"epoch":' + JSON.stringify(epoch) + '}';
}
