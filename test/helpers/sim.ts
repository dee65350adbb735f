/**
 * The client reducer driven by hand, the way the Client drives it: a clock the test moves,
 * the state, and every effect so far. Shared by the reducer's tests and the TUI's.
 */
import type {DistributiveOmit} from '../../src/protocol/exhaustive.js';
import {step} from '../../src/client/session.js';
import {initialState, type ClientOptions, type ClientState, type Effect, type FeedItem, type Input, type RoomView} from '../../src/client/state.js';
import type {Command, FeedEvent, Reply, WelcomeReply} from '../../src/protocol/types.js';

export const EPOCH = 'E1';

/** A feed event of a room, stamped like the hub does. */
export function event(room: string, seq: number, from: string, text: string, ts = Date.UTC(2025, 10, 26, 12, 0, seq)): FeedEvent {
	return {type: 'message', room, seq, epoch: EPOCH, ts, from, text};
}

export interface WelcomeOptions {
	/** The id of the hello it answers. */
	readonly re?: string;
	/** @default EPOCH */
	readonly epoch?: string;
	/** The hub's flood limit, when it announces one. */
	readonly rate?: {readonly burst: number; readonly seconds: number};
}

export type WelcomeRoom = {readonly room: string; readonly seq?: number; readonly members?: string[]; readonly away?: string[]; readonly topic?: string};

/** The hub's welcome into these rooms (members default to the nick alone). */
export function welcome(nick: string, rooms: readonly WelcomeRoom[], options: WelcomeOptions = {}): WelcomeReply {
	return {
		type: 'welcome',
		...(options.re === undefined ? {} : {re: options.re}),
		v: 1,
		nick,
		epoch: options.epoch ?? EPOCH,
		resumed: false,
		rooms: rooms.map(r => ({room: r.room, seq: r.seq ?? 0, topic: r.topic ?? '', members: r.members ?? [nick], ...(r.away ? {away: r.away} : {})})),
		ttlMs: 10_000,
		limits: {textBytes: 4096, frames: 16, frameBytes: 65536, roomsPerSession: 32, historyLimit: 500, historyKept: 10_000, ...(options.rate ? {rate: options.rate} : {})},
		hub: {name: 'zchat', version: 'test'},
	};
}

/** What a shown item is, in short: "message:4" for a feed event, "notice:text" for a notice. */
export function label(item: FeedItem): string {
	if (item.kind === 'event') return `${item.event.type}:${item.event.seq}`;
	return `${item.kind}:${'text' in item ? item.text : ''}`;
}

export class Sim {
	state: ClientState;
	/** Every effect so far, oldest first (`sent()` takes the sends out). */
	effects: Effect[] = [];

	constructor(
		options: Partial<ClientOptions> = {},
		public now = 1000,
	) {
		this.state = initialState({nick: 'alice', nickExplicit: false, rooms: ['lobby'], session: 's'.repeat(24), history: 50, ...options}, now);
	}

	/** Apply one input at `now`: returns its effects. */
	do(input: DistributiveOmit<Input, 'now'>): Effect[] {
		const r = step(this.state, {...input, now: this.now} as Input);
		this.state = r.state;
		this.effects.push(...r.effects);
		return [...r.effects];
	}

	/** Commands sent since the last call. */
	sent(): Command[] {
		const out = this.effects.flatMap(e => (e.type === 'send' ? [e.command] : []));
		this.effects = this.effects.filter(e => e.type !== 'send');
		return out;
	}

	/** Labels of the items shown so far. */
	shown(): string[] {
		return this.effects.flatMap(e => (e.type === 'show' ? [label(e.item)] : []));
	}

	reply(reply: Reply): Effect[] {
		return this.do({type: 'reply', reply});
	}

	feed(...events: FeedEvent[]): Effect[] {
		return this.do({type: 'feed', events});
	}

	room(name = 'lobby'): RoomView {
		return this.state.views['#' + name] as RoomView;
	}

	/** Answer the hello sent (taking the commands sent so far) with a welcome into these rooms. */
	welcome(rooms: readonly WelcomeRoom[] = [{room: 'lobby', seq: 0}], options: Omit<WelcomeOptions, 're'> & {readonly nick?: string} = {}): void {
		const hello = this.sent().find(c => c.type === 'hello');
		this.reply(welcome(options.nick ?? this.state.nick, rooms, {...options, ...(hello?.id ? {re: hello.id} : {})}));
	}

	/** Start and get welcomed into the wanted rooms, with these members and topics. */
	connect(members: Record<string, string[]> = {}, topics: Record<string, string> = {}): this {
		this.do({type: 'start'});
		this.welcome(this.state.wanted.map(room => ({room, members: members[room] ?? [this.state.nick], ...(topics[room] ? {topic: topics[room]} : {})})));
		return this;
	}

	/** Messages seq from..to in a room, one second apart. */
	messages(room: string, from: number, to: number, nick = 'bob', text = (i: number) => `message ${i}`): this {
		const events: FeedEvent[] = [];
		for (let i = from; i <= to; i++) events.push(event(room, i, nick, text(i)));
		this.feed(...events);
		return this;
	}
}
