/** What the front door tells the hub core: peers, the messages they send, why they left. */
import type {PeerSocketType} from './wire.js';

export type {PeerSocketType} from './wire.js';

/** How a message reached the ROUTER: as sent (DEALER), or after an empty delimiter frame (REQ, or a DEALER speaking like one). */
export type Envelope = 'dealer' | 'req';

/** Per-connection counters, for `zchat stats`. */
export interface PeerCounters {
	bytesIn: number;
	bytesOut: number;
	messagesIn: number;
	/** Replies written (one per send()). */
	messagesOut: number;
	/** Times its commands were left unread because its replies were not being read. */
	stalls: number;
	pingsSent: number;
}

/** One connection, as the core sees it. The object stays valid (and `open` false) after it closes. */
export interface Peer {
	/** Ours, never reused while the process lives; a peer's claimed Identity plays no part. */
	readonly id: number;
	/** Source address (IPv4-mapped IPv6 written as plain IPv4) and port. */
	readonly address: string;
	readonly port: number;
	/** DEALER or REQ: a REQ's messages all come with the 'req' envelope. */
	readonly socketType: PeerSocketType;
	/** CURVE: the client's long-term public key (Z85), proven by its vouch and admitted. */
	readonly key: string | undefined;
	/** A relay the hub trusts: its messages may start with an envelope frame naming a client (one frame more allowed). */
	readonly relay: boolean;
	/** ZMTP minor version the peer spoke (3.0 peers get no PINGs). */
	readonly zmtpMinor: number;
	readonly open: boolean;
	readonly counters: Readonly<PeerCounters>;
	/** Bytes written to it and not yet taken by the kernel (the queued replies it has not read). */
	readonly unsentBytes: number;
	/** When its connection was accepted (ms since 1970). */
	readonly since: number;
	/** Whether its commands are left unread for now: its replies are not drained, or the hub holds it. */
	readonly held: boolean;
}

/** A whole message from a peer: its command frames (REQ delimiter removed), views of the bytes read. */
export interface Inbound {
	readonly peer: Peer;
	readonly envelope: Envelope;
	readonly frames: Buffer[];
}

/** Why a connection to any of the hub's ZMTP ports ended (the feed port adds its own). */
export type ZmtpCloseReason =
	| 'peer-closed'
	| 'peer-error'
	| 'protocol'
	| 'too-many-frames'
	| 'frame-too-big'
	| 'crypto'
	| 'key-refused'
	| 'socket-type'
	| 'handshake-timeout'
	| 'heartbeat-timeout'
	| 'slow-consumer'
	| 'revoked'
	| 'shutdown'
	| 'socket-error';

export type CloseReason = ZmtpCloseReason | 'closed-by-hub';

export interface Closed {
	readonly peer: Peer;
	readonly reason: CloseReason;
	/** What exactly, for a log line (never shown to other users). */
	readonly detail: string;
}

/** What the core gets once per turn of the event loop: every message read since, then who left. */
export interface Batch {
	readonly messages: readonly Inbound[];
	/** Connections that ended (only those whose handshake had completed); after their last message above. */
	readonly closed: readonly Closed[];
	readonly now: number;
}
