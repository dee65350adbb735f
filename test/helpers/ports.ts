/** A TCP port held by this process, for tests of a port in use (or, closed at once, of one nothing listens on). */
import {createServer} from 'node:net';

/** A TCP port that is certainly taken while the returned close() has not been called. */
export async function occupiedPort(): Promise<{port: number; close: () => void}> {
	const server = createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as {port: number}).port;
	return {port, close: () => server.close()};
}
