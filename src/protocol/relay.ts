/**
 * The relay envelope (docs/PROTOCOL.md, "Relays"): the one frame a trusted relay puts before a
 * client's command frames to name the client, and the frame the hub puts before its replies.
 */
import {Buffer} from 'node:buffer';
import {isZ85Key} from './z85.js';

/** The first byte of an envelope frame: "@". A command frame (a JSON object) never starts with it. */
export const ENVELOPE_MARK = 0x40;

/** A client id: chosen by the relay, 1–32 of these characters. */
const CLIENT_ID = /^[0-9A-Za-z_.-]{1,32}$/;
/** A source address as the relay saw it (IPv4 or IPv6 text). */
const ADDRESS = /^[0-9A-Fa-f.:]{2,45}$/;

/** What a relay says about the client whose commands follow. */
export interface RelayedClient {
	/** The relay's name for the client's connection (unique on that relay while it is open). */
	readonly client: string;
	/** The client's source address, as the relay saw it. */
	readonly address: string;
	/** The public key (Z85) the client authenticated with at the relay; undefined on an open relay. */
	readonly key: string | undefined;
	/** The client's socket is a REQ (its commands carry REQ's rules, its replies the delimiter). */
	readonly req: boolean;
}

/** What the hub says before replies for a relayed client. */
export interface EnvelopeReply {
	readonly client: string;
	/** The replies are for a REQ: the relay answers with the empty delimiter first. */
	readonly req: boolean;
	/** No replies follow: close the client's connection (after what was sent before). */
	readonly close: boolean;
}

/** Whether a frame is an envelope frame (starts with "@"). */
export function isEnvelope(frame: Uint8Array | undefined): boolean {
	return frame !== undefined && frame.length > 0 && frame[0] === ENVELOPE_MARK;
}

/** `@<client> <address> <key or -> <dealer|req>`: the envelope frame a relay sends up. */
export function encodeClientEnvelope(c: RelayedClient): Buffer {
	return Buffer.from(`@${c.client} ${c.address} ${c.key ?? '-'} ${c.req ? 'req' : 'dealer'}`, 'latin1');
}

/** Read an envelope frame from a relay; a string says what is wrong with it. */
export function decodeClientEnvelope(frame: Uint8Array): RelayedClient | string {
	if (frame.length > 128) return 'an envelope frame over 128 bytes';
	const parts = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('latin1').slice(1).split(' ');
	if (parts.length !== 4) return 'an envelope frame that is not "@client address key socket"';
	const [client, address, key, socket] = parts as [string, string, string, string];
	if (!CLIENT_ID.test(client)) return 'an envelope with a bad client id';
	if (!ADDRESS.test(address)) return 'an envelope with a bad address';
	if (key !== '-' && !isZ85Key(key)) return 'an envelope with a bad key';
	if (socket !== 'dealer' && socket !== 'req') return 'an envelope with a socket type other than dealer or req';
	return {client, address, key: key === '-' ? undefined : key, req: socket === 'req'};
}

/** `@<client>`, `@<client> req` or `@<client> close`: the frame the hub puts before replies to a relayed client. */
export function encodeReplyEnvelope(client: string, what: 'dealer' | 'req' | 'close'): Buffer {
	return Buffer.from(what === 'dealer' ? `@${client}` : `@${client} ${what}`, 'latin1');
}

/** Read the hub's envelope frame; a string says what is wrong with it. */
export function decodeReplyEnvelope(frame: Uint8Array): EnvelopeReply | string {
	if (frame.length > 64) return 'an envelope frame over 64 bytes';
	const [client = '', what, ...rest] = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('latin1').slice(1).split(' ');
	if (!CLIENT_ID.test(client) || rest.length > 0 || (what !== undefined && what !== 'req' && what !== 'close')) return 'a malformed reply envelope';
	return {client, req: what === 'req', close: what === 'close'};
}
