/** A front door with an echo core, for the front door's tests: what it read, who left and why. */
import {FrontDoor, type FrontDoorOptions} from '../../src/hub/front-door/front-door.js';
import type {Closed, Inbound} from '../../src/hub/front-door/types.js';
import {waitFor} from './wait.js';

export interface EchoDoor {
	readonly door: FrontDoor;
	readonly endpoint: string;
	readonly messages: Inbound[];
	readonly closed: Closed[];
	/** Wait until a connection that had completed its handshake closed for this reason. */
	waitClosed(reason: Closed['reason'], timeoutMs?: number): Promise<Closed>;
	/** Wait until the door has counted a close for this reason (handshakes that never completed too). */
	waitCounted(reason: Closed['reason'], atLeast?: number, timeoutMs?: number): Promise<void>;
	stop(): Promise<void>;
}

/** Replies to each message with its frames prefixed "echo:", unless `reply` says otherwise. */
export async function echoDoor(options: Partial<FrontDoorOptions> & {reply?: (m: Inbound) => Array<string | Buffer> | undefined} = {}): Promise<EchoDoor> {
	const messages: Inbound[] = [];
	const closed: Closed[] = [];
	const {reply, ...rest} = options;
	const door: FrontDoor = await FrontDoor.listen({
		port: 0,
		...rest,
		onBatch: batch => {
			for (const m of batch.messages) {
				messages.push(m);
				const out = reply ? reply(m) : m.frames.map(f => `echo:${f.toString()}`);
				if (out) door.send(m.peer, m.envelope, out);
			}
			closed.push(...batch.closed);
		},
	});
	return {
		door,
		endpoint: `tcp://127.0.0.1:${door.port}`,
		messages,
		closed,
		waitClosed: (reason, timeoutMs = 5000) =>
			waitFor(() => `a connection closed for ${reason} (closes so far: ${JSON.stringify(door.stats().closed)})`, () => closed.find(c => c.reason === reason), timeoutMs, 2),
		waitCounted: async (reason, atLeast = 1, timeoutMs = 5000) => {
			await waitFor(() => `${atLeast} close(s) for ${reason} (closes so far: ${JSON.stringify(door.stats().closed)})`, () => (door.stats().closed[reason] ?? 0) >= atLeast, timeoutMs, 2);
		},
		stop: () => door.stop(),
	};
}
