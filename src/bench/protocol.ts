/**
 * What the bench's orchestrator and its load-generator workers say to each other over the
 * IPC channel of child_process.fork. A worker hosts either senders (DEALERs) or subscribers
 * (SUBs, each optionally with a DEALER holding a zchat session: an idle client).
 */

/** What the bench talks to: a zchat hub, or a bare forwarder that only passes frames on. */
export type TargetKind = 'zchat' | 'forwarder';

export interface Address {
	readonly host: string;
	/** The ROUTER port (commands in). */
	readonly subPort: number;
	/** The PUB port (the feed). */
	readonly pubPort: number;
}

export interface Where {
	readonly kind: TargetKind;
	readonly address: Address;
	readonly room: string;
	/** Nicks are made from this (unique per run) and an index. */
	readonly nickPrefix: string;
}

export type Request =
	/** Connect `count` senders with indexes firstIndex… ; for zchat each says hello and waits for its welcome. */
	| {readonly op: 'senders'; readonly where: Where; readonly count: number; readonly firstIndex: number}
	/** Connect `count` subscribers; with `sessions`, each also holds a zchat session (hello, pings). */
	| {readonly op: 'subscribers'; readonly where: Where; readonly count: number; readonly firstIndex: number; readonly sessions: boolean}
	/** Senders: send a warm-up line every `everyMs` until stopWarmup. */
	| {readonly op: 'warmup'; readonly everyMs: number}
	| {readonly op: 'stopWarmup'}
	/** Subscribers: resolve once every subscriber has received a warm-up line. */
	| {readonly op: 'ready'; readonly timeoutMs: number}
	/** Subscribers: forget what came so far and count from now; keep latency samples if asked. */
	| {readonly op: 'start'; readonly latency: boolean}
	/** Senders: send for durationMs, as fast as allowed (max) or at `rate` msg/s shared among them; then wait for acks. */
	| {
			readonly op: 'send';
			readonly mode: 'max' | 'rate';
			readonly durationMs: number;
			readonly rate: number;
			readonly window: number;
			readonly ackLatency: boolean;
			/**
			 * max mode, zchat: what the window frees goes as one message of up to 16 frames, as the
			 * zchat client sends (`client`), or a message a command, as PROTOCOL.md's bot does (`spec`).
			 */
			readonly style?: SenderStyle;
	  }
	/** Subscribers: wait until all of `expected` arrived (or nothing came for quietMs, or the deadline), then report. */
	| {readonly op: 'collect'; readonly expected: readonly SenderTally[]; readonly quietMs: number; readonly deadlineMs: number}
	| {readonly op: 'close'};

/** How a zchat sender packs its lines: as the zchat client does, or as a bot written from PROTOCOL.md. */
export type SenderStyle = 'client' | 'spec';

/** What one sender sent: the subscribers check they got exactly this. */
export interface SenderTally {
	readonly index: number;
	readonly sent: number;
	readonly acked: number;
	/** Counters sent but never acked (zchat only; the hub may not have stored them). At most 1000 listed. */
	readonly unacked: readonly number[];
	/** Error replies by code. */
	readonly errors: Readonly<Record<string, number>>;
}

export interface SendResult {
	readonly senders: readonly SenderTally[];
	readonly firstSendUs: number;
	readonly lastSendUs: number;
	/** When the last ack came (zchat), else lastSendUs. */
	readonly lastAckUs: number;
	/** say → ack, µs, when asked for. */
	readonly ackLatencyUs: readonly number[];
}

export interface SubscriberTally {
	/** Measured lines received, counting duplicates. */
	readonly received: number;
	readonly unique: number;
	readonly duplicates: number;
	/** Lines this subscriber got from the hub's history after a gap (zchat), as a client repairs one. */
	readonly repaired: number;
	/** Lines a sender sent (and the hub acked) that this subscriber never got, even from history. */
	readonly lost: number;
}

export interface CollectResult {
	readonly subscribers: readonly SubscriberTally[];
	readonly firstRecvUs: number;
	readonly lastRecvUs: number;
	/** Send → receive, µs, one per line per subscriber, when asked for. */
	readonly latencyUs: readonly number[];
	/** Per line (key "sender:counter"), the latency of the last subscriber to get it (when collecting latency). */
	readonly slowestUs: Readonly<Record<string, number>>;
}

export type Reply = {readonly id: number; readonly ok: true; readonly result: unknown} | {readonly id: number; readonly ok: false; readonly error: string};
