/** What a person is told when a port of the hub cannot be listened on: the flag to change, exit code 2. */
import {ZchatError} from '../errors.js';
import {tcpEndpoint} from '../zmq/endpoint.js';

/** The error to throw for a failed listen on `host`:`port`, naming `flag` (--sub, --pub) or --host. */
export function listenError(err: unknown, host: string, port: number, flag: string): ZchatError {
	const code = (err as NodeJS.ErrnoException).code;
	if (code === 'EADDRINUSE') return new ZchatError(`port ${port} is in use: pass ${flag} to pick another`, 2);
	if (code === 'EACCES') return new ZchatError(`port ${port} needs privileges to bind: pass ${flag} with a port above 1023`, 2);
	if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EINVAL') {
		return new ZchatError(`cannot listen on host "${host}" (not an address of this machine): pass --host with one, e.g. 127.0.0.1 or 0.0.0.0`, 2);
	}
	return new ZchatError(`cannot listen on ${tcpEndpoint(host, port)}: ${(err as Error).message}`, 2);
}
