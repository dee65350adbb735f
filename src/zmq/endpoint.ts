import {ZchatError} from '../errors.js';

/** A TCP endpoint string for zeromq; port 0 asks for a free port. */
export function tcpEndpoint(host: string, port: number): string {
	const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
	return `tcp://${h}:${port === 0 ? '*' : port}`;
}

/** The port a bound endpoint ended up on ("tcp://127.0.0.1:40123" → 40123). */
export function endpointPort(endpoint: string): number {
	const m = /:(\d+)$/.exec(endpoint);
	if (!m) throw new Error(`no port in endpoint ${endpoint}`);
	return Number(m[1]);
}

/**
 * Bind a socket, turning zeromq's errors into one line that names the flag to change.
 */
export async function bindOrExplain(
	socket: {bind(address: string): Promise<void>},
	host: string,
	port: number,
	flag: string,
	hostFlag = '--host',
): Promise<void> {
	try {
		await socket.bind(tcpEndpoint(host, port));
	} catch (err) {
		const code = (err as {code?: string}).code;
		if (code === 'EADDRINUSE') throw new ZchatError(`port ${port} is in use: pass ${flag} to pick another`, 2);
		if (code === 'EACCES') throw new ZchatError(`port ${port} needs privileges to bind: pass ${flag} with a port above 1023`, 2);
		if (code === 'EADDRNOTAVAIL' || code === 'ENODEV' || code === 'EINVAL' || code === 'ENOENT') {
			throw new ZchatError(`cannot listen on host "${host}" (not an address of this machine): pass ${hostFlag} with one, e.g. 127.0.0.1 or 0.0.0.0`, 2);
		}
		throw new ZchatError(`cannot bind ${tcpEndpoint(host, port)}: ${(err as Error).message}`, 2);
	}
}
