/**
 * Who sends a command beyond its session: what the transport knows of the connection (the
 * public key it authenticated with, its source address), and the names limits bind to.
 */

/** What the transport knows of a connection. */
export interface ConnectionInfo {
	/** The public key (Z85) the connection authenticated with, on a hub with keys. */
	readonly key?: string;
	/** The connection's source address (an IP address), when the transport knows it. */
	readonly address?: string;
}

/** A connection the transport says nothing about (an open hub behind libzmq's ROUTER). */
export const NO_INFO: ConnectionInfo = Object.freeze({});

/**
 * The names a sender's limits bind to, beyond its session: its key on a hub with keys ("key:…");
 * on an open hub its connection ("conn:…", the routing id) and, when known, its source
 * address ("addr:…"). A limit charged to a sender is charged to each; the last is the widest.
 */
export function senderIds(info: ConnectionInfo, peerKey: string): string[] {
	if (info.key !== undefined) return ['key:' + info.key];
	const conn = 'conn:' + peerKey;
	return info.address === undefined ? [conn] : [conn, 'addr:' + addressId(info.address)];
}

/** The widest name of a sender: its key, else its address, else its connection. */
export function senderId(info: ConnectionInfo, peerKey: string): string {
	if (info.key !== undefined) return 'key:' + info.key;
	return info.address === undefined ? 'conn:' + peerKey : 'addr:' + addressId(info.address);
}

/**
 * Whether a sender id means the same sender after a restart: a key or an address does; a
 * connection's routing id does not (libzmq hands out the same ones again in a new process).
 */
export function lasting(id: string): boolean {
	return !id.startsWith('conn:');
}

/** A bucket id in words for the operator's log. */
export function senderLabel(id: string): string {
	if (id.startsWith('key:')) return `key ${id.slice(4)}`;
	if (id.startsWith('addr:')) return `address ${id.slice(5)}`;
	return 'a connection';
}

/**
 * The part of a source address that stands for one party: an IPv4 address as it is (also one
 * written as IPv4-mapped IPv6); for IPv6 its /64, since a host picks any address inside its
 * prefix at will ("2001:db8:1:2::/64").
 */
export function addressId(address: string): string {
	const a = address.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
	const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
	if (v4) return v4[1]!;
	if (!a.includes(':')) return a;
	let groups: string[];
	if (a.includes('::')) {
		const [head = '', tail = ''] = a.split('::');
		const h = head === '' ? [] : head.split(':');
		const t = tail === '' ? [] : tail.split(':');
		groups = [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
	} else {
		groups = a.split(':');
	}
	return groups.slice(0, 4).map(g => (Number.parseInt(g, 16) || 0).toString(16)).join(':') + '::/64';
}
