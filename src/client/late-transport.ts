/**
 * A Transport whose connection comes later: what the client does before then (start, sends,
 * subscriptions) is kept in order and handed to it. `zchat join`'s TUI opens its ZeroMQ
 * connection once its first frame is drawn (loading zeromq and opening sockets is main-thread
 * work the frame would wait for: docs/PERFORMANCE.md, issue 16).
 */
import type {Command} from '../protocol/types.js';
import type {Transport, TransportHandlers} from './transport.js';

export class LateTransport implements Transport {
	private real: Transport | undefined;
	private handlers: TransportHandlers | undefined;
	private calls: Array<(real: Transport) => void> = [];
	private closed = false;

	send(command: Command): void {
		this.call(real => real.send(command));
	}

	subscribe(room: string): void {
		this.call(real => real.subscribe(room));
	}

	unsubscribe(room: string): void {
		this.call(real => real.unsubscribe(room));
	}

	start(handlers: TransportHandlers): void {
		this.handlers = handlers;
		this.call(real => real.start(handlers));
	}

	/** Before the connection there is nothing to drop: it will be a new one. */
	reconnect(): void {
		this.real?.reconnect?.();
	}

	async close(lingerMs?: number): Promise<void> {
		this.closed = true;
		this.calls = [];
		// Closed before it came: nothing was sent, and the connection is never made.
		if (this.real) await this.real.close(lingerMs);
	}

	/** Make the connection (unless closed already) and hand it what was done so far, in order. */
	connect(make: () => Transport): void {
		if (this.closed || this.real) return;
		let real: Transport;
		try {
			real = make();
		} catch (err) {
			this.fail(err);
			return;
		}
		this.real = real;
		for (const call of this.calls.splice(0)) call(real);
	}

	/** The connection could not be made: the client is told as of a connection that cannot work. */
	fail(err: unknown): void {
		if (this.closed || this.real) return;
		this.handlers?.problem?.(1, `could not open a connection to the hub: ${err instanceof Error ? err.message : String(err)}`);
	}

	private call(action: (real: Transport) => void): void {
		if (this.closed) return;
		if (this.real) action(this.real);
		else this.calls.push(action);
	}
}
