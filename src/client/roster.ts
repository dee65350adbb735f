/**
 * A room's members and topic as of a seq: the hub's snapshots (welcome, joined) and the
 * join/part/nick/topic events, combined so that the order they arrive in does not matter.
 *
 * A snapshot at seq S is the room as the hub had it when it answered: every event up to S
 * is in it (and any the hub had taken in but not yet stored, which are harmless to apply
 * again). Events up to S therefore never change a list taken from it; events after S do,
 * in order, on top of it, even those that arrived before the snapshot did.
 */
import {assertNever} from '../protocol/exhaustive.js';
import {compareNicks} from '../protocol/names.js';
import type {FeedEvent, RoomState} from '../protocol/types.js';
import type {RoomChange, RoomView} from './state.js';

/** Changes kept to place a late snapshot among (a snapshot older than all of them asks for a newer one). */
const CHANGES_KEPT = 256;

/** The fields of a room view this file owns. */
export type Roster = Pick<RoomView, 'members' | 'away' | 'topic' | 'stateSeq' | 'changes' | 'changesFrom'>;

/** What a change acts on: who is in, who of them is away, the topic. */
interface Room {
	readonly members: readonly string[];
	readonly away: readonly string[];
	readonly topic: string;
}

/**
 * The room as a snapshot says, with the changes applied since it was taken put back on
 * top. Undefined when the snapshot is older than the changes kept reach back: the room
 * as it is stays, and a newer snapshot should be asked for.
 */
export function placeSnapshot(v: RoomView, rs: RoomState): Roster | undefined {
	const base: Room = {members: [...rs.members], away: (rs.away ?? []).filter(m => rs.members.includes(m)), topic: rs.topic};
	if (rs.seq >= v.stateSeq) return {...base, stateSeq: rs.seq, changes: [], changesFrom: rs.seq};
	if (rs.seq < v.changesFrom) return undefined;
	const later = v.changes.filter(c => c.seq > rs.seq);
	return {...later.reduce(change, base), stateSeq: v.stateSeq, changes: later, changesFrom: rs.seq};
}

/** An event applied in order: the room's new members and topic, when it changes them and is newer than what they are as of. */
export function applyChange(v: RoomView, e: FeedEvent): Roster | undefined {
	if (e.type === 'message' || e.seq <= v.stateSeq) return undefined;
	let changes = [...v.changes, e];
	let changesFrom = v.changesFrom;
	if (changes.length > CHANGES_KEPT) {
		changesFrom = changes[0]!.seq;
		changes = changes.slice(1);
	}
	return {...change(v, e), stateSeq: e.seq, changes, changesFrom};
}

function change(r: Room, e: RoomChange): Room {
	const without = (list: readonly string[], nick: string) => list.filter(m => m !== nick);
	switch (e.type) {
		case 'join':
			// Someone joining is here; an away event right after says when they are not.
			return {...r, members: r.members.includes(e.from) ? r.members : [...r.members, e.from].sort(compareNicks), away: without(r.away, e.from)};
		case 'part':
			return {...r, members: without(r.members, e.from), away: without(r.away, e.from)};
		case 'nick': {
			// Deduplicated: a snapshot that has the new nick already, or someone else who took the old one since.
			const rename = (list: readonly string[]) => [...new Set(list.map(m => (m === e.from ? e.to : m)))].sort(compareNicks);
			return {...r, members: rename(r.members), away: rename(r.away)};
		}
		case 'topic':
			return {...r, topic: e.text};
		case 'away':
			if (!r.members.includes(e.from)) return r;
			return {...r, away: e.text === undefined ? without(r.away, e.from) : r.away.includes(e.from) ? r.away : [...r.away, e.from].sort(compareNicks)};
		default:
			return assertNever(e, 'room change');
	}
}
