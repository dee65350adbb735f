/**
 * Every limit of the front door, named, with its default: what one connection may cost the
 * hub, and how many connections there may be; and those the feed port shares with it (the
 * handshake, heartbeats, connection counts, closing). docs/SECURITY.md quotes these numbers.
 */
import {MAX_FRAME_BYTES, MAX_FRAMES} from '../../protocol/limits.js';

/** The limits of any of the hub's ZMTP ports: one connection's timers, and how many there may be. */
export interface ZmtpLimits {
	/** Greeting and security handshake must be done within this long. @default 3000 ms */
	readonly handshakeMs: number;
	/** A connection quiet this long is sent a PING. @default 2000 ms */
	readonly heartbeatIntervalMs: number;
	/** A connection that sends nothing for this long is closed (a PING's TTL shortens it). @default 6000 ms */
	readonly heartbeatTimeoutMs: number;
	/** The TTL sent in our PINGs: the peer drops us after this long without traffic. @default 6000 ms */
	readonly heartbeatTtlMs: number;
	/** Connections at once; further ones are closed on arrival. @default 10000 */
	readonly maxConnections: number;
	/** Connections at once from one source address (a NAT hides many people behind one). @default 256 */
	readonly maxConnectionsPerAddress: number;
	/** A connection the hub closes has this long to take what was written to it. @default 1000 ms */
	readonly closeGraceMs: number;
}

export const DEFAULT_ZMTP_LIMITS: ZmtpLimits = {
	handshakeMs: 3000,
	heartbeatIntervalMs: 2000,
	heartbeatTimeoutMs: 6000,
	heartbeatTtlMs: 6000,
	maxConnections: 10_000,
	maxConnectionsPerAddress: 256,
	closeGraceMs: 1000,
};

export interface FrontDoorLimits extends ZmtpLimits {
	/**
	 * Frames in one message, the REQ delimiter included; the next frame closes the connection
	 * as its header arrives. @default 16 (MAX_FRAMES)
	 */
	readonly maxFrames: number;
	/** Bytes in one frame; a larger size header closes the connection before its body is read. @default 65536 (MAX_FRAME_BYTES) */
	readonly maxFrameBytes: number;
	/** Bytes of a ZMTP command (READY, PING, a CURVE handshake command) outside a CURVE MESSAGE. @default 4096 */
	readonly maxCommandBytes: number;
	/**
	 * Bytes written to a connection that the kernel has not taken yet (it is not reading its
	 * replies) past which its commands are left unread until it drains. @default 256 KiB
	 */
	readonly pauseAboveBytes: number;
	/** The same, past which the connection is closed as a slow consumer. @default 4 MiB */
	readonly maxUnsentBytes: number;
	/**
	 * The same over all connections: past it, at a flush, the connections with the most unsent
	 * bytes are closed as slow consumers until the rest is under it. @default 64 MiB
	 */
	readonly maxUnsentBytesTotal: number;
	/** Messages one connection may hand the core in one batch; the rest wait for the next. @default 256 */
	readonly maxMessagesPerBatch: number;
	/**
	 * Replies to a DEALER in one flush go out joined into messages of up to this many frames (a
	 * peer reads a flush's acks in one receive; PROTOCOL.md: read every frame of every message).
	 * A REQ gets one message a reply, as REQ must. 1: a message a reply. @default 64
	 */
	readonly replyFramesPerMessage: number;
	/**
	 * As for any port, and: one that leaves its replies unread (reading paused, for want of
	 * drain or by the hub's hold) this long is closed as a slow consumer. @default 6000 ms
	 */
	readonly heartbeatTimeoutMs: number;
}

export const DEFAULT_LIMITS: FrontDoorLimits = {
	maxFrames: MAX_FRAMES,
	maxFrameBytes: MAX_FRAME_BYTES,
	maxCommandBytes: 4096,
	pauseAboveBytes: 256 * 1024,
	maxUnsentBytes: 4 * 1024 * 1024,
	maxUnsentBytesTotal: 64 * 1024 * 1024,
	maxMessagesPerBatch: 256,
	replyFramesPerMessage: 64,
	...DEFAULT_ZMTP_LIMITS,
};
