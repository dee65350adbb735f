/**
 * Closing zeromq sockets in the order libzmq 4.3.5 (as zeromq.js 6 ships it) survived in every
 * stress run, knowing when a closed socket has let go of its port, and a trace of every close.
 *
 * Why: zeromq.js runs `bind()` and `unbind()` on a libuv worker thread, while the main thread
 * goes on using the same socket (a pending receive or send makes the poller ask libzmq for
 * ZMQ_EVENTS, which runs the socket's commands). libzmq sockets are not thread-safe: both
 * threads then drive the same pipes' termination handshake, and libzmq aborts the process
 * ("_state == term_ack_sent || _state == term_req_sent2", pipe.cpp:355) or it segfaults.
 * `unbindSync()` is no way out either: zeromq.js 6.8 wires it to bindSync. So: never unbind,
 * bind only a socket that nothing is using yet, and close on the main thread (close() hands
 * the socket to libzmq's reaper at once); the socket monitor's `end` event says when libzmq
 * has destroyed it, and with it its listening ports.
 */
import {writeSync} from 'node:fs';
import type * as zmq from 'zeromq';

/** What closeSocket needs of a zeromq socket. */
export interface ClosableSocket {
	readonly closed: boolean;
	linger: number;
	readonly lastEndpoint: string | null;
	readonly events: zmq.Observer;
	close(): void;
}

/**
 * The least linger a socket is closed with, in ms. At linger 0 libzmq drops the rest of a
 * message of several frames that a connection is half-way through writing, and if that peer
 * disconnects at the same moment it aborts (session_base.cpp:233, libzmq#3442): a client
 * quitting as its hub stopped did it 25 times in 177 rounds of the close stress test. With a
 * linger the connection finishes the message first. It costs nothing unless messages cannot
 * be delivered; then libzmq holds them this long in the background (and a process exiting
 * waits for that).
 */
export const MIN_LINGER_MS = 100;

export interface CloseOptions {
	/**
	 * ZMQ_LINGER to close with, in ms: how long unsent messages may keep the socket alive.
	 * Unset: the socket's own. Never less than MIN_LINGER_MS.
	 */
	readonly linger?: number;
	/** Whose socket this is, for the trace ("hub feed", "client commands"). */
	readonly label?: string;
	/**
	 * What the promise waits for: `gone`, libzmq destroyed the socket (after its linger);
	 * `unbound`, its listening port is free to bind again (sooner, while it may still linger).
	 * @default "gone"
	 */
	readonly until?: 'gone' | 'unbound';
	/** Resolve after this long even if libzmq has not said so. @default linger + 2000 */
	readonly waitMs?: number;
}

/** Receives one line per close step, written before the step is taken. */
export type CloseTracer = (line: string) => void;

let tracer: CloseTracer | undefined = process.env['ZCHAT_ZMQ_TRACE'] ? line => writeSync(2, `zchat zmq: ${line}\n`) : undefined;

/**
 * Send the close trace somewhere (test helpers keep it where an abort cannot lose it). By
 * default it goes to stderr when ZCHAT_ZMQ_TRACE is set, and nowhere otherwise.
 */
export function setCloseTracer(next: CloseTracer | undefined): void {
	tracer = next;
}

/** Write a line to the close trace (for steps of our own around a close: a feed replaced, a hub stopping). */
export function traceClose(line: string): void {
	tracer?.(line);
}

/** Sockets closed that libzmq has not let go of yet, and the promise that says when it has. */
const closing = new Map<ClosableSocket, Promise<void>>();

/**
 * Close a socket now, on this thread: set its linger (at least MIN_LINGER_MS), close it.
 * Never throws, never unbinds; a socket already closed is left alone. The promise resolves
 * when libzmq has destroyed the socket or freed its port (`until`), or after `waitMs`; nothing
 * needs to wait for it.
 */
export function closeSocket(socket: ClosableSocket, options: CloseOptions = {}): Promise<void> {
	const already = closing.get(socket);
	if (already) return already;
	if (socket.closed) return Promise.resolve();
	const name = describe(socket, options.label);
	const endpoint = readEndpoint(socket);
	let done = () => {};
	const finished = new Promise<void>(resolve => (done = resolve));
	try {
		// Listen before closing: a closed socket has no monitor to ask.
		const events = socket.events;
		events.on('end', () => done());
		if (options.until === 'unbound') events.on('close', e => e.address === endpoint && done());
	} catch {
		done();
	}
	const asked = options.linger ?? readLinger(socket);
	const linger = asked < 0 ? asked : Math.max(asked, MIN_LINGER_MS);
	tracer?.(`close ${name} (linger ${linger} ms)`);
	try {
		if (linger !== readLinger(socket)) socket.linger = linger;
		socket.close();
	} catch (err) {
		tracer?.(`close ${name} failed: ${(err as Error).message}`);
	}
	const timer = setTimeout(done, options.waitMs ?? (linger < 0 ? 30_000 : linger) + 2000);
	const released = finished.then(() => {
		clearTimeout(timer);
		closing.delete(socket);
		tracer?.(`${options.until === 'unbound' ? 'unbound' : 'gone'}: ${name}`);
	});
	closing.set(socket, released);
	return released;
}

const TYPE_NAMES: Record<string, string> = {Publisher: 'PUB', Subscriber: 'SUB', Request: 'REQ', Reply: 'REP', XPublisher: 'XPUB', XSubscriber: 'XSUB'};

function describe(socket: ClosableSocket, label: string | undefined): string {
	const type = socket.constructor.name;
	return [label, TYPE_NAMES[type] ?? type.toUpperCase(), readEndpoint(socket)].filter(Boolean).join(' ');
}

function readEndpoint(socket: ClosableSocket): string {
	try {
		return socket.lastEndpoint ?? '';
	} catch {
		return '';
	}
}

function readLinger(socket: ClosableSocket): number {
	try {
		return socket.linger;
	} catch {
		return 0;
	}
}
