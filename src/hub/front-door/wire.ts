/**
 * ZMTP 3 on the wire (ZeroMQ RFC 23 and 37): the greeting, frame headers, and the bodies of
 * the commands the front door speaks (READY, ERROR, PING, PONG) with their properties.
 */

/** Frame flag bits. */
export const MORE = 0x01;
export const LONG = 0x02;
export const COMMAND = 0x04;

export const GREETING_BYTES = 64;
export type Mechanism = 'NULL' | 'CURVE';

/**
 * Our greeting: signature (0xFF, padding, 0x7F), version 3.1, the mechanism, as-server.
 * The padding holds 1 as libzmq writes it (its ZMTP 1.0 detection: an empty routing id).
 * as-server is 1 under CURVE as RFC 25 asks; libzmq 4.3.5 sends 0 and reads neither.
 */
export function greeting(mechanism: Mechanism): Buffer {
	const g = Buffer.alloc(GREETING_BYTES);
	g[0] = 0xff;
	g[8] = 1;
	g[9] = 0x7f;
	g[10] = 3;
	g[11] = 1;
	g.write(mechanism, 12, 'latin1');
	g[32] = mechanism === 'CURVE' ? 1 : 0;
	return g;
}

/**
 * Check one byte of a peer's greeting as it arrives (index 0..63); a reason when it is not
 * acceptable. ZMTP 1.0 and 2.0 peers are refused (no current ZeroMQ library needs them, and
 * their framing carries the routing id differently); a higher version than 3.1 is spoken to
 * in 3.1, as the RFC asks. The mechanism is checked whole, once its 20 bytes are in.
 */
export function greetingByteProblem(index: number, byte: number): string | undefined {
	if (index === 0 && byte !== 0xff) return 'not ZMTP 3 (ZMTP 1.0 signature)';
	if (index === 9 && (byte & 0x01) === 0) return 'not ZMTP 3 (ZMTP 1.0 signature)';
	if (index === 10 && byte < 3) return `ZMTP ${byte === 1 ? '2.0' : '1.0'} is not supported`;
	return undefined;
}

/** Whether bytes 12..31 of a greeting name this mechanism, zero padded. */
export function mechanismIs(greetingBytes: Buffer, mechanism: Mechanism): boolean {
	for (let i = 0; i < 20; i++) {
		const want = i < mechanism.length ? mechanism.charCodeAt(i) : 0;
		if (greetingBytes[12 + i] !== want) return false;
	}
	return true;
}

/** Size of a frame header for a body of this many bytes. */
export function headerBytes(size: number): number {
	return size > 255 ? 9 : 2;
}

/** Write a frame header at `at`; returns where the body starts. */
export function writeHeader(out: Buffer, at: number, flags: number, size: number): number {
	if (size > 255) {
		out[at] = flags | LONG;
		out.writeUInt32BE(Math.floor(size / 0x1_0000_0000), at + 1);
		out.writeUInt32BE(size >>> 0, at + 5);
		return at + 9;
	}
	out[at] = flags;
	out[at + 1] = size;
	return at + 2;
}

/** A whole command frame (header and body). */
export function commandFrame(body: Buffer): Buffer {
	const out = Buffer.allocUnsafe(headerBytes(body.length) + body.length);
	body.copy(out, writeHeader(out, 0, COMMAND, body.length));
	return out;
}

/** A command body: name length, name, data. */
export function commandBody(name: string, ...data: Buffer[]): Buffer {
	return Buffer.concat([Buffer.from([name.length]), Buffer.from(name, 'latin1'), ...data]);
}

/** The command name of a body, or undefined when the body is malformed. */
export function commandName(body: Buffer): string | undefined {
	if (body.length === 0 || body[0]! === 0 || body.length < 1 + body[0]!) return undefined;
	return body.toString('latin1', 1, 1 + body[0]!);
}

/** One metadata property: name length (1 byte), name, value length (4 bytes), value. */
export function property(name: string, value: Buffer | string): Buffer {
	const v = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
	const head = Buffer.allocUnsafe(1 + name.length + 4);
	head[0] = name.length;
	head.write(name, 1, 'latin1');
	head.writeUInt32BE(v.length, 1 + name.length);
	return Buffer.concat([head, v]);
}

/**
 * What a ROUTER says of itself in READY, as libzmq's does: its socket type and an empty
 * Identity (a ROUTER has no routing id of its own to announce).
 */
export const ROUTER_PROPERTIES = Buffer.concat([property('Socket-Type', 'ROUTER'), property('Identity', '')]);

/**
 * Parse metadata properties (names are case-insensitive: kept lowercased). Undefined when
 * malformed: a zero-length name, or a length running past the end.
 */
export function parseProperties(data: Buffer): Map<string, Buffer> | undefined {
	const props = new Map<string, Buffer>();
	let at = 0;
	while (at < data.length) {
		const nameLength = data[at]!;
		if (nameLength === 0 || at + 1 + nameLength + 4 > data.length) return undefined;
		const name = data.toString('latin1', at + 1, at + 1 + nameLength).toLowerCase();
		const valueLength = data.readUInt32BE(at + 1 + nameLength);
		const valueAt = at + 1 + nameLength + 4;
		if (valueLength > data.length - valueAt) return undefined;
		props.set(name, data.subarray(valueAt, valueAt + valueLength));
		at = valueAt + valueLength;
	}
	return props;
}

/** The socket types a ROUTER takes that the hub serves. */
export type PeerSocketType = 'DEALER' | 'REQ';

/** The peer's socket type from its metadata, or a reason to refuse it. */
export function peerSocketType(props: Map<string, Buffer>): PeerSocketType | {problem: string} {
	const type = props.get('socket-type')?.toString('latin1');
	if (type === 'DEALER' || type === 'REQ') return type;
	if (type === undefined) return {problem: 'no Socket-Type'};
	return {problem: `Socket-Type ${JSON.stringify(type.slice(0, 16))} cannot talk to this ROUTER: connect a DEALER or REQ socket`};
}

/** ERROR command body: the reason, at most 255 ASCII characters. */
export function errorBody(reason: string): Buffer {
	const r = Buffer.from(reason.slice(0, 255), 'latin1');
	return commandBody('ERROR', Buffer.from([r.length]), r);
}

/** PING body with a TTL (rounded to tenths of a second, as the RFC counts it) and no context. */
export function pingBody(ttlMs: number): Buffer {
	const ttl = Buffer.alloc(2);
	ttl.writeUInt16BE(Math.min(0xffff, Math.round(ttlMs / 100)));
	return commandBody('PING', ttl);
}

/** Longest PING context echoed back (ZMTP 3.1); a longer one is cut, as libzmq does. */
export const MAX_PING_CONTEXT = 16;

/**
 * A PING body parsed: its TTL in ms and the PONG body that answers it (the context echoed),
 * or undefined when it is too short to be a PING.
 */
export function answerPing(body: Buffer): {ttlMs: number; pong: Buffer} | undefined {
	if (body.length < 7) return undefined;
	const ttlMs = body.readUInt16BE(5) * 100;
	return {ttlMs, pong: commandBody('PONG', body.subarray(7, 7 + MAX_PING_CONTEXT))};
}
