/**
 * The builder one step of the reducer writes into: the next state, the effects so far, and
 * the time of the input, so each handler reads as a sequence of changes.
 */
import type {DistributiveOmit} from '../protocol/exhaustive.js';
import type {Command} from '../protocol/types.js';
import {spendFor} from './rate-mirror.js';
import {
	DEFAULT_FEED_LIMIT,
	RETRIED_KINDS,
	backlog,
	dmView,
	newDmView,
	roomView,
	type Answer,
	type ClientState,
	type DmView,
	type Effect,
	type FeedItem,
	type OptionalField,
	type Outgoing,
	type Pending,
	type Request,
	type RoomView,
} from './state.js';

export class Draft {
	effects: Effect[] = [];
	private state: ClientState;
	/** Feeds made in this step, not yet seen outside it (see ownFeed). */
	private readonly ownFeeds = new WeakSet<readonly FeedItem[]>();

	constructor(
		state: ClientState,
		/** The time of the input being applied. */
		readonly now: number,
	) {
		this.state = state;
	}

	/** The state as changed so far (read only: change it through `set` and the helpers below). */
	get s(): ClientState {
		return this.state;
	}

	set(patch: Partial<ClientState>): void {
		this.state = {...this.state, ...patch};
	}

	/** Take optional fields away (`away` on /back, the mirrored rate when the hub drops its limit). */
	unset(...fields: OptionalField[]): void {
		const next: Partial<Record<keyof ClientState, unknown>> = {...this.state};
		for (const f of fields) delete next[f];
		this.state = next as ClientState;
	}

	id(prefix = 'c'): string {
		const id = `${prefix}${this.state.nextId}`;
		this.set({nextId: this.state.nextId + 1});
		return id;
	}

	send(command: Command): void {
		this.effects.push({type: 'send', command});
		this.set({lastSent: this.now});
	}

	/** Send a command and remember it until its answer comes: returns its id. */
	request(kind: Request['kind'], command: DistributiveOmit<Command, 'id'>, room?: string, seq?: number): string {
		const id = this.id('q');
		const full = {...command, id} as Command;
		const record: Request = {
			kind,
			at: this.now,
			...(room === undefined ? {} : {room}),
			...(seq === undefined ? {} : {seq}),
			...(RETRIED_KINDS.has(kind) ? {command: full} : {}),
		};
		this.set({requests: {...this.state.requests, [id]: record}});
		this.send(full);
		spendFor(this, command);
		return id;
	}

	/** Forget a request (answered): returns what it was, if it was known. */
	answered(id: string): Request | undefined {
		const req = this.state.requests[id];
		if (!req) return undefined;
		const {[id]: _done, ...rest} = this.state.requests;
		this.set({requests: rest});
		return req;
	}

	/**
	 * A command the user gave: sent now, or — when lines typed before it are not sent yet, or
	 * there is no connection — queued behind them, so a script's lines take effect in order.
	 */
	userRequest(kind: Request['kind'], command: DistributiveOmit<Command, 'id'>, room?: string): void {
		if (this.state.connection === 'connected' && backlog(this.state) === 0) {
			this.request(kind, command, room);
			return;
		}
		this.enqueue(room === undefined ? {type: 'command', kind, command} : {type: 'command', kind, command, room});
	}

	enqueue(item: Outgoing): void {
		this.set({queue: [...this.state.queue.slice(this.state.queueHead), item], queueHead: 0});
	}

	/** Change the pending lines that match. */
	updatePending(which: (p: Pending) => boolean, change: Partial<Pending> | ((p: Pending) => Partial<Pending>)): void {
		this.set({pending: this.state.pending.map(p => (which(p) ? {...p, ...(typeof change === 'function' ? change(p) : change)} : p))});
	}

	/** Change one pending line, by id. */
	updateLine(id: string, change: Partial<Pending>): void {
		this.updatePending(p => p.id === id, change);
	}

	/** Lines that are done (seen on the feed, delivered, or gone with their room). */
	dropPending(which: (p: Pending) => boolean): void {
		this.set({pending: this.state.pending.filter(p => !which(p))});
	}

	room(name: string): RoomView | undefined {
		return roomView(this.state, name);
	}

	putView(view: RoomView | DmView): void {
		const known = view.id in this.state.views;
		this.set({views: {...this.state.views, [view.id]: view}, ...(known ? {} : {order: [...this.state.order, view.id]})});
	}

	updateRoom(name: string, patch: Partial<RoomView>): void {
		const v = this.room(name);
		if (v) this.putView({...v, ...patch});
	}

	/** The conversation with a nick, opened if it is not: returns its view id. */
	openDm(nick: string): string {
		const existing = dmView(this.state, nick);
		if (existing) return existing.id;
		const view = newDmView(nick);
		this.putView(view);
		return view.id;
	}

	/** Make a view the one on screen: its unread count, mention mark and read marker go. */
	activate(viewId: string): void {
		const v = this.state.views[viewId];
		if (!v) return;
		const {readMarker: _marker, ...seen} = v;
		this.putView({...seen, unread: 0, mentioned: false} as RoomView | DmView);
		this.set({active: viewId});
	}

	/**
	 * Append an item to a view's feed (bounded), counting it unread when the view is not
	 * active. The "read up to here" line goes above the first unread item, unless nothing was
	 * there before it (a new conversation: everything in it is unread). `announce` false keeps it to the view: line mode,
	 * which prints every item shown once, does not print this copy.
	 */
	show(viewId: string, item: FeedItem, counts = true, announce = true): void {
		const v = this.state.views[viewId];
		if (!v) return;
		const limit = this.state.options.feedLimit ?? DEFAULT_FEED_LIMIT;
		const before = v.feed.length;
		const feed = this.ownFeed(v.feed);
		if (feed.length >= limit) feed.splice(0, feed.length - limit + 1);
		feed.push(item);
		const inactive = this.state.active !== viewId && counts;
		const marker = v.readMarker ?? (before > 0 && v.unread === 0 ? item.key : undefined);
		const seen = {
			...(inactive ? {unread: v.unread + 1, ...(marker === undefined ? {} : {readMarker: marker})} : {}),
			...(inactive && item.kind === 'event' && item.mention ? {mentioned: true} : {}),
		};
		// Items fell off the top: the hub has them, for scrolling back.
		const trimmed = feed.length <= before;
		this.putView('room' in v ? {...v, feed, ...seen, ...(trimmed ? {hasOlder: true} : {})} : {...v, feed, ...seen});
		if (announce) this.effects.push({type: 'show', view: viewId, item});
	}

	/**
	 * A feed this step may change in place: the first change of a step copies the feed it was
	 * given (which the state before the step still holds), the next ones in the same step add
	 * to that copy. A batch of 64 events in a room copied its 2000 items 64 times.
	 */
	private ownFeed(feed: readonly FeedItem[]): FeedItem[] {
		if (this.ownFeeds.has(feed)) return feed as FeedItem[];
		const copy = feed.slice();
		this.ownFeeds.add(copy);
		return copy;
	}

	/** A line for the user, in the active view (or the one named), not counted as unread; `announce` as for `show`. */
	notice(text: string, level: 'info' | 'error' = 'info', viewId = this.state.active, announce = true): void {
		this.post({kind: 'notice', key: this.id('n'), ts: this.now, text, level}, viewId, announce);
	}

	/** The hub's answer to a question, in the active view; the view words it. */
	answer(answer: Answer): void {
		this.post({kind: 'answer', key: this.id('n'), ts: this.now, answer}, this.state.active);
	}

	private post(item: FeedItem, viewId: string, announce = true): void {
		const target = this.state.views[viewId] ? viewId : this.state.order[0];
		if (target === undefined) {
			if (announce) this.effects.push({type: 'show', view: viewId, item});
			return;
		}
		this.show(target, item, false, announce);
	}

	exit(code: number, message?: string): void {
		if (this.state.exit) return;
		this.set({exit: message === undefined ? {code} : {code, message}, connection: 'closed'});
		this.effects.push(message === undefined ? {type: 'exit', code} : {type: 'exit', code, message});
	}
}
