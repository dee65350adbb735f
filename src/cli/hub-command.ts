import {networkInterfaces, homedir} from 'node:os';
import {join} from 'node:path';
import {Command, Option} from '@commander-js/extra-typings';
import {HubServer} from '../hub/server.js';
import {DEFAULT_HISTORY_RETENTION} from '../hub/store.js';
import {VERSION} from '../version.js';
import {hubAddressOptions, parseCount, parseSeconds} from './options.js';

/** Where history lives unless --data says otherwise: $XDG_DATA_HOME/zchat, else ~/.local/share/zchat. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
	const base = env['XDG_DATA_HOME'] && env['XDG_DATA_HOME'].startsWith('/') ? env['XDG_DATA_HOME'] : join(homedir(), '.local', 'share');
	return join(base, 'zchat');
}

export function makeHubCommand(): Command<[], Record<string, unknown>> {
	const [host, sub, pub] = hubAddressOptions(true);
	const cmd = new Command('hub')
		.description('run a hub: the room server that everyone joins')
		.addOption(host)
		.addOption(sub)
		.addOption(pub)
		.addOption(new Option('--data <dir>', 'directory for the history database (default: $XDG_DATA_HOME/zchat)').env('ZCHAT_DATA'))
		.addOption(new Option('--memory', 'keep history in memory only (gone when the hub stops)').conflicts('data'))
		.addOption(
			new Option('--history-limit <n>', 'events kept per room').default(DEFAULT_HISTORY_RETENTION).argParser(parseCount(1, 100_000_000)),
		)
		.addOption(
			new Option('--ttl <seconds>', 'end a session when its client has been silent this long').default(10_000, '10').argParser(parseSeconds(0.5, 3600)),
		)
		.addOption(new Option('--max-clients <n>', 'most sessions at once').default(10_000).argParser(parseCount(1, 1_000_000)))
		.addOption(
			new Option('--feed-hwm <n>', 'feed messages queued per slow subscriber before it must catch up from history').default(1000).argParser(parseCount(1, 1_000_000)),
		)
		.addOption(new Option('-q, --quiet', 'print only the listening banner and errors'))
		.addHelpText(
			'after',
			`
Examples:
  $ zchat hub                              # 127.0.0.1, ports 5555 and 5556, history on disk
  $ zchat hub --host 0.0.0.0               # reachable from the LAN
  $ zchat hub --sub 7000 --pub 7001 --memory
  $ ZCHAT_DATA=/var/lib/zchat zchat hub`,
		)
		.action(async opts => {
			const log = opts.quiet ? () => {} : (line: string) => process.stdout.write(`${timeNow()} ${line}\n`);
			const dataDir = opts.memory ? undefined : (opts.data ?? defaultDataDir());
			const hub = await HubServer.start({
				host: opts.host,
				subPort: opts.sub,
				pubPort: opts.pub,
				historyLimit: opts.historyLimit,
				ttlMs: opts.ttl,
				maxSessions: opts.maxClients,
				feedHwm: opts.feedHwm,
				version: VERSION,
				log,
				...(dataDir === undefined ? {} : {dataDir}),
			});
			process.stdout.write(banner(hub, dataDir));
			if (opts.host === '0.0.0.0' || opts.host === '::') {
				process.stderr.write('zchat: warning: the hub listens on every interface with no encryption: anyone who can reach these ports can read and post\n');
			}
			await new Promise<void>(resolve => {
				let stopping = false;
				const stop = (signal: string) => {
					if (stopping) process.exit(130);
					stopping = true;
					log(`${signal}: shutting down`);
					void hub.stop().then(resolve);
				};
				process.on('SIGINT', () => stop('SIGINT'));
				process.on('SIGTERM', () => stop('SIGTERM'));
			});
		});
	return cmd as unknown as Command<[], Record<string, unknown>>;
}

function banner(hub: HubServer, dataDir: string | undefined): string {
	const history = dataDir === undefined ? 'in memory (gone when the hub stops)' : `${hub.store.path}`;
	const hosts = hub.host === '0.0.0.0' || hub.host === '::' ? lanAddresses() : [hub.host];
	const lines = [
		`zchat hub ${VERSION} listening on ${hub.host}`,
		`  commands (ROUTER)  ${hub.routerEndpoint}`,
		`  feed (PUB)         ${hub.pubEndpoint}`,
		`  history            ${history}, epoch ${hub.store.epoch}`,
		'join it with:',
		...hosts.map(h => `  npx zchat join --host ${h} --sub ${hub.subPort} --pub ${hub.pubPort}`),
		'',
	];
	return lines.join('\n');
}

/** This machine's IPv4 addresses other than loopback, for the "join it with" lines. */
function lanAddresses(): string[] {
	const out: string[] = [];
	for (const list of Object.values(networkInterfaces())) {
		for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
	}
	return out.length > 0 ? out : ['<this machine’s address>'];
}

function timeNow(): string {
	return new Date().toTimeString().slice(0, 8);
}
