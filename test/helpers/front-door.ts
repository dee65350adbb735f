import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {createServer} from 'node:net';
import {Client} from '../../src/client/client.js';
import type {FeedItem} from '../../src/client/state.js';
import {ZmqTransport} from '../../src/client/transport.js';
import {ZCHAT_BIN} from './cli.js';
import {waitFor} from './wait.js';

/** Helpers for the tests of the one-shot commands (who, stats, send). */

export interface Run {
	readonly code: number | string;
	readonly stdout: string;
	readonly stderr: string;
	readonly ms: number;
}

/** Run the zchat binary to its end (stdout and stderr complete), with `input` on stdin. */
export function zchat(args: readonly string[], input = '', timeoutMs = 20_000): Promise<Run> {
	const started = Date.now();
	// No settings file: the settings of whoever runs the tests stay out of them.
	const child = spawn(process.execPath, [ZCHAT_BIN, ...args], {stdio: ['pipe', 'pipe', 'pipe'], env: {...process.env, ZCHAT_CONFIG: ''}});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	child.stdin.end(input);
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`zchat ${args.join(' ')} did not end within ${timeoutMs} ms; stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`));
		}, timeoutMs);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({code: code ?? signal ?? -1, stdout, stderr, ms: Date.now() - started});
		});
	});
}

/** A real client in this process, collecting the chat messages it is shown as "nick: text". */
export interface Member {
	readonly client: Client;
	readonly messages: string[];
	close(): Promise<void>;
}

export async function join(hub: {subPort: number; pubPort: number}, nick: string, rooms: string[]): Promise<Member> {
	const client = new Client(new ZmqTransport({host: '127.0.0.1', subPort: hub.subPort, pubPort: hub.pubPort}), {
		nick,
		nickExplicit: true,
		rooms,
		session: randomBytes(18).toString('base64url'),
		history: 0,
	});
	const messages: string[] = [];
	client.on('show', (_view: string, item: FeedItem) => {
		if (item.kind === 'event' && item.event.type === 'message') messages.push(`${item.event.from}: ${item.event.text}`);
	});
	client.start(50);
	await waitFor(`${nick} to be in ${rooms.join(', ')}`, () => {
		const s = client.state;
		return s.connection === 'connected' && rooms.every(r => {
			const v = s.views['#' + r];
			return v !== undefined && 'synced' in v && v.synced;
		});
	});
	return {client, messages, close: () => client.close()};
}

/** A TCP port nothing listens on (it was free a moment ago). */
export async function deadPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as {port: number}).port;
	await new Promise(resolve => server.close(resolve));
	return port;
}

