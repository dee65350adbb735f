/**
 * What the hub's command handlers share: settings, store, access, sessions, rooms, mutes,
 * flood control, outbox, pending appends, log and counters; and ending a session.
 */
import type {Access} from './access.js';
import {FloodControl} from './flood.js';
import {Membership} from './membership.js';
import {Mutes} from './mutes.js';
import {Outgoing} from './outbox.js';
import type {RateLimit} from './rate-limit.js';
import {SessionTable, type Session} from './sessions.js';
import type {AppendItem, HubStorage, NewEvent} from './storage.js';
import {oneLineReason} from './wording.js';

export interface HubSettings {
	/** A session not heard from for this long is ended. */
	readonly ttlMs: number;
	/** Most sessions at once (`hub_full`). */
	readonly maxSessions: number;
	/** Most rooms the hub keeps (`too_many_rooms`). */
	readonly maxRooms: number;
	/** The version reported in welcome and stats. */
	readonly version: string;
	/** Flood limit per session; undefined for none. */
	readonly rateLimit: RateLimit | undefined;
	/** When the hub started (ms since 1970). */
	readonly started: number;
}

/** An append waiting for the next flush, and who to ack when it is stored. */
export interface Pending {
	readonly item: AppendItem;
	readonly session?: Session;
	readonly id?: string;
}

/** An operator's removal of a session, as its part events record it. */
export interface Removal {
	readonly removed: 'kick' | 'ban';
	readonly by: string;
}

export class HubState {
	readonly sessions = new SessionTable();
	readonly rooms: Membership;
	readonly mutes = new Mutes();
	readonly flood: FloodControl;
	readonly out = new Outgoing();
	/** Counters for stats and the operator. */
	readonly counters = {messages: 0, rejected: 0, duplicates: 0, storageFailures: 0, rateLimited: 0, unauthorized: 0, dropped: 0};
	/** Connections open on the ROUTER and the PUB socket, kept by the transport (from socket events) for stats. */
	readonly connections = {router: 0, pub: 0};
	/** Appends since the last flush, in order. */
	pending: Pending[] = [];

	constructor(
		readonly store: HubStorage,
		readonly access: Access,
		readonly settings: HubSettings,
		readonly log: (line: string) => void,
	) {
		this.rooms = new Membership(store, settings.maxRooms);
		this.flood = new FloodControl(settings.rateLimit, log, this.counters);
	}

	get epoch(): string {
		return this.store.epoch;
	}

	isOp(session: Session): boolean {
		return this.access.isOp(session.nick, session.clientKey);
	}

	/** A feed event to store at the next flush; with a session and a command id, acked to it once stored. */
	append(item: AppendItem, session?: Session, id?: string): void {
		this.pending.push(session && id !== undefined ? {item, session, id} : {item});
	}

	/**
	 * End a session: it leaves every room (announced as a quit, or as a kick or ban by an
	 * operator) and its nick is free again.
	 */
	endSession(session: Session, reason: string | undefined, now: number, removal?: Removal): void {
		for (const room of session.rooms) {
			this.rooms.leave(session, room);
			const event: NewEvent = {type: 'part', room, ts: now, from: session.nick, quit: true, ...(removal ?? {})};
			this.append({event: reason === undefined ? event : {...event, reason}});
		}
		if (!this.sessions.remove(session)) return;
		const how = removal ? ` (${removal.removed === 'kick' ? 'kicked' : 'banned'} by ${removal.by})` : '';
		this.log(`${session.nick} left${how}${reason === undefined ? '' : ` (${oneLineReason(reason)})`}`);
	}
}

