import type {DistributiveOmit} from '../../src/protocol/exhaustive.js';
import type {Transport} from '../../src/client/transport.js';
import {initialState, step, type ClientOptions, type ClientState, type Input} from '../../src/client/session.js';
import type {Command, FeedEvent, Reply, WelcomeReply} from '../../src/protocol/types.js';


export const EPOCH = 'E1';

/** A feed event of a room, stamped like the hub does. */
export function event(room: string, seq: number, from: string, text: string, ts = Date.UTC(2025, 10, 26, 12, 0, seq)): FeedEvent {
	return {type: 'message', room, seq, epoch: EPOCH, ts, from, text};
}

export function welcome(nick: string, rooms: ReadonlyArray<{room: string; seq?: number; members?: string[]; topic?: string}>, re?: string): WelcomeReply {
	return {
		type: 'welcome',
		...(re === undefined ? {} : {re}),
		v: 1,
		nick,
		epoch: EPOCH,
		resumed: false,
		rooms: rooms.map(r => ({room: r.room, seq: r.seq ?? 0, topic: r.topic ?? '', members: r.members ?? [nick]})),
		ttlMs: 10_000,
		limits: {textBytes: 4096, frames: 16, frameBytes: 65536, roomsPerSession: 32, historyLimit: 500},
		hub: {name: 'zchat', version: 'test'},
	};
}

/** The client reducer driven by hand: a real ClientState to render and key against. */
export class Sim {
	now = 1_000_000;
	state: ClientState;
	constructor(options: Partial<ClientOptions> = {}) {
		this.state = initialState({nick: 'alice', nickExplicit: false, rooms: ['lobby'], session: 's'.repeat(24), history: 50, ...options}, this.now);
	}
	do(input: DistributiveOmit<Input, 'now'>): this {
		this.state = step(this.state, {...input, now: this.now} as Input).state;
		return this;
	}
	/** Start and get welcomed into the rooms with these members. */
	connect(members: Record<string, string[]> = {}, topics: Record<string, string> = {}): this {
		this.do({type: 'start'});
		const hello = Object.entries(this.state.requests).find(([, r]) => r.kind === 'hello')?.[0];
		const rooms = this.state.wanted.map(room => ({room, members: members[room] ?? [this.state.nick], ...(topics[room] ? {topic: topics[room]} : {})}));
		return this.do({type: 'reply', reply: welcome(this.state.nick, rooms, hello)});
	}
	feed(...events: FeedEvent[]): this {
		return this.do({type: 'feed', events});
	}
	/** Messages seq from..to in a room, one second apart. */
	messages(room: string, from: number, to: number, nick = 'bob', text = (i: number) => `message ${i}`): this {
		const events: FeedEvent[] = [];
		for (let i = from; i <= to; i++) events.push(event(room, i, nick, text(i)));
		return this.feed(...events);
	}
}

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
		this.reply(welcome(nick, rooms, hello?.id));
	}
}
