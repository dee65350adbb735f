/** A client transport with no network, for the TUI's tests: what the client sends is kept, what it receives is the test's. */
import type {Transport} from '../../src/client/transport.js';
import type {Command, FeedEvent, Reply} from '../../src/protocol/types.js';
import {welcome} from './sim.js';

/** A transport with no network: records what the client sends, delivers what the test says. */
export class FakeTransport implements Transport {
	readonly sent: Command[] = [];
	readonly subscribed = new Set<string>();
	private handlers: {readonly reply: (reply: Reply) => void; readonly feed: (events: FeedEvent[]) => void} | undefined;
	closed = false;

	send(command: Command): void {
		this.sent.push(command);
	}
	subscribe(room: string): void {
		this.subscribed.add(room);
	}
	unsubscribe(room: string): void {
		this.subscribed.delete(room);
	}
	start(handlers: {readonly reply: (reply: Reply) => void; readonly feed: (events: FeedEvent[]) => void}): void {
		this.handlers = handlers;
	}
	async close(): Promise<void> {
		this.closed = true;
	}
	reply(reply: Reply): void {
		this.handlers!.reply(reply);
	}
	feed(...events: FeedEvent[]): void {
		this.handlers!.feed(events);
	}
	/** Answer the hello with a welcome into these rooms. */
	welcome(nick: string, rooms: ReadonlyArray<{room: string; members?: string[]; topic?: string}>): void {
		const hello = this.sent.find((c): c is Extract<Command, {type: 'hello'}> => c.type === 'hello');
		this.reply(welcome(nick, rooms, hello?.id === undefined ? {} : {re: hello.id}));
	}
}
