/**
 * Where the bench's many clients connect from: loopback addresses of their own, so that a hub
 * or relay on this machine sees them as it would see people on many machines.
 */
import {tcpEndpoint} from '../zmq/endpoint.js';

/**
 * Client `index`'s source address for a hub on `host`: on this machine (127.x), one of
 * 127.0.1.1, 127.0.1.2 … (250 addresses a /24), since a hub or relay takes at most 256
 * connections from one source address on each port; elsewhere undefined (this machine's).
 */
export function sourceAddress(host: string, index: number): string | undefined {
	if (!host.startsWith('127.')) return undefined;
	return `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;
}

/** A TCP endpoint to connect to, from source address `from` if given (libzmq's `tcp://from:0;host:port`). */
export function endpointFrom(host: string, port: number, from: string | undefined): string {
	const endpoint = tcpEndpoint(host, port);
	return from === undefined ? endpoint : endpoint.replace('tcp://', `tcp://${from}:0;`);
}
