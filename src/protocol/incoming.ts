import {isUtf8} from 'node:buffer';
import {NICK_PATTERN, ROOM_PATTERN} from './limits.js';
import {topicRoom} from './topic.js';
import type {FeedEvent, FeedEventType, Reply, ReplyType} from './types.js';

/**
 * Decoding on the client side: replies from the hub's ROUTER and events from its PUB. The
 * hub is trusted more than a peer, but a frame that is not what the protocol says is
 * dropped, never half-used: every field a client reads is checked for its type here, so
 * the layers above can rely on the types.
 */

type Obj = Record<string, unknown>;

function parseObject(frame: Uint8Array): Obj | undefined {
	if (frame.length === 0 || !isUtf8(frame)) return undefined;
	try {
		const v: unknown = JSON.parse(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('utf8'));
		return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
	} catch {
		return undefined;
	}
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optStr = (v: unknown) => v === undefined || isStr(v);
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
/** Nicks and room names follow rules (ASCII, short): anything else is not from a well-behaved hub. */
const isNick = (v: unknown): v is string => isStr(v) && NICK_PATTERN.test(v);
const isRoom = (v: unknown): v is string => isStr(v) && ROOM_PATTERN.test(v);

const FEED_FIELDS: Readonly<Record<FeedEventType, (o: Obj) => boolean>> = {
	message: o => isStr(o['text']) && (o['action'] === undefined || typeof o['action'] === 'boolean'),
	join: () => true,
	part: o =>
		optStr(o['reason']) &&
		(o['quit'] === undefined || typeof o['quit'] === 'boolean') &&
		(o['removed'] === undefined || o['removed'] === 'kick' || o['removed'] === 'ban') &&
		(o['by'] === undefined || isNick(o['by'])),
	nick: o => isNick(o['to']),
	topic: o => isStr(o['text']) && (o['lock'] === undefined || typeof o['lock'] === 'boolean'),
	away: o => optStr(o['text']),
};

/** A feed event object, checked; undefined when it is not one. */
export function asFeedEvent(o: unknown): FeedEvent | undefined {
	if (typeof o !== 'object' || o === null) return undefined;
	const e = o as Obj;
	const type = e['type'];
	if (!isStr(type) || !Object.hasOwn(FEED_FIELDS, type)) return undefined;
	if (!isRoom(e['room']) || !isNum(e['seq']) || !isStr(e['epoch']) || !isNum(e['ts']) || !isNick(e['from'])) return undefined;
	return FEED_FIELDS[type as FeedEventType](e) ? (e as unknown as FeedEvent) : undefined;
}

/** The events of one PUB message [topic, event, event, …] that belong to the topic's room. */
export function decodeFeedFrames(frames: readonly Uint8Array[]): FeedEvent[] {
	if (frames.length < 2) return [];
	const room = topicRoom(Buffer.from(frames[0]!).toString('utf8'));
	if (room === undefined) return [];
	const events: FeedEvent[] = [];
	for (let i = 1; i < frames.length; i++) {
		const e = asFeedEvent(parseObject(frames[i]!));
		if (e && e.room === room) events.push(e);
	}
	return events;
}

const roomState = (o: unknown) =>
	typeof o === 'object' && o !== null && isStr((o as Obj)['room']) && isNum((o as Obj)['seq']) && isStr((o as Obj)['topic']) && isStrArray((o as Obj)['members']) &&
	((o as Obj)['away'] === undefined || isStrArray((o as Obj)['away']));

const REPLY_FIELDS: Readonly<Record<ReplyType, (o: Obj) => boolean>> = {
	welcome: o =>
		isStr(o['nick']) && isStr(o['epoch']) && Array.isArray(o['rooms']) && (o['rooms'] as unknown[]).every(roomState) && isNum(o['ttlMs']),
	ack: o => isStr(o['re']) && (o['seq'] === undefined || isNum(o['seq'])),
	ok: o => isStr(o['command']),
	joined: o => roomState(o),
	who: o => Array.isArray(o['members']) && (o['members'] as unknown[]).every(m => typeof m === 'object' && m !== null && isStr((m as Obj)['nick'])),
	whois: o => isStr(o['nick']) && isStrArray(o['rooms']) && isNum(o['idleMs']) && isNum(o['since']),
	rooms: o => Array.isArray(o['rooms']) && (o['rooms'] as unknown[]).every(r => typeof r === 'object' && r !== null && isStr((r as Obj)['room'])),
	topic: o => isStr(o['room']) && isStr(o['text']),
	history: o => isStr(o['room']) && isStr(o['epoch']) && isNum(o['head']) && Array.isArray(o['events']),
	pong: o => typeof o['heads'] === 'object' && o['heads'] !== null && isStr(o['epoch']) && typeof o['session'] === 'boolean',
	dm: o => isNick(o['from']) && isNick(o['to']) && isStr(o['text']) && isNum(o['ts']),
	stats: o => isNum(o['sessions']),
	notice: o => isStr(o['code']) && isStr(o['message']) && (o['until'] === undefined || isNum(o['until'])),
	bans: o => Array.isArray(o['bans']) && (o['bans'] as unknown[]).every(b => typeof b === 'object' && b !== null && isStr((b as Obj)['target']) && isStr((b as Obj)['by'])),
	error: o => isStr(o['code']) && isStr(o['message']),
};

/** One reply frame from the hub, checked; undefined when it is not one. History events that fail the check are dropped. */
export function decodeReplyFrame(frame: Uint8Array): Reply | undefined {
	const o = parseObject(frame);
	if (!o) return undefined;
	const type = o['type'];
	if (!isStr(type) || !Object.hasOwn(REPLY_FIELDS, type) || !REPLY_FIELDS[type as ReplyType](o)) return undefined;
	if (type === 'history') {
		o['events'] = (o['events'] as unknown[]).map(asFeedEvent).filter((e): e is FeedEvent => e !== undefined && e.room === o['room']);
	}
	return o as unknown as Reply;
}
