import {networkInterfaces, homedir} from 'node:os';
import {join} from 'node:path';
import {resolve} from 'node:path';
import {Command, InvalidArgumentError, Option} from '@commander-js/extra-typings';
import {ZchatError} from '../errors.js';
import {Access, type AuthorizedEntry} from '../hub/access.js';
import {readAuthorized} from '../hub/authorized.js';
import {DEFAULT_BYTES_PER_MINUTE, parseByteLimit, parseRateLimit, type RateLimit} from '../hub/rate-limit.js';
import {DEFAULT_FEED_HWM, FEED_MESSAGE_BYTES} from '../hub/feed-messages.js';
import {DEFAULT_FEED_LIMITS} from '../hub/feed/limits.js';
import type {HubServer} from '../hub/server.js';
import {DEFAULT_HISTORY_RETENTION} from '../hub/storage.js';
import {readKeyPair, readPublicKey} from '../keys.js';
import {formatSeconds, parseDuration} from '../protocol/durations.js';
import {DEFAULT_RATE_BURST, DEFAULT_RATE_SECONDS, DEFAULT_ROOM_IDLE_MS, MAX_ROOMS_PER_SENDER} from '../protocol/limits.js';
import {nickProblem} from '../protocol/names.js';
import {isZ85Key} from '../protocol/z85.js';
import {VERSION} from '../version.js';
import {followHubLoad, tuneHubHeap} from './hub-heap.js';
import {stopOnSignals} from './stop-on-signals.js';
import {hubAddressOptions, parseCount, parseSeconds} from './options.js';

function parseRate(value: string): RateLimit | 'off' {
	const r = parseRateLimit(value);
	if (typeof r === 'object' && 'error' in r) throw new InvalidArgumentError(`${r.error}.`);
	return r;
}

function parseBytes(value: string): number | 'off' {
	const r = parseByteLimit(value);
	if (typeof r === 'object') throw new InvalidArgumentError(`${r.error}.`);
	return r;
}

function parseIdle(value: string): number | 'off' {
	if (/^(off|never)$/i.test(value.trim())) return 'off';
	const ms = parseDuration(value);
	if (ms === undefined || ms < 60_000) throw new InvalidArgumentError('must be a duration of a minute or more (e.g. 12h, 7d, 4w) or "off".');
	return ms;
}

function collectOp(value: string, previous: string[] | undefined): string[] {
	if (!isZ85Key(value)) {
		const problem = nickProblem(value);
		if (problem) throw new InvalidArgumentError(`"${value.slice(0, 40)}" is neither a nick nor a public key (${problem}).`);
	}
	return [...(previous ?? []), value];
}

/** --relay (repeatable) and ZCHAT_RELAY (keys or key files, separated by spaces or commas). */
export function collectRelay(value: string, previous: string[] | undefined): string[] {
	const keys = value
		.split(/[\s,]+/)
		.filter(v => v !== '')
		.map(v => readPublicKey(v, '--relay'));
	return [...(previous ?? []), ...keys];
}

/** Where history lives unless --data says otherwise: $XDG_DATA_HOME/zchat, else ~/.local/share/zchat. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
	const base = env['XDG_DATA_HOME'] && env['XDG_DATA_HOME'].startsWith('/') ? env['XDG_DATA_HOME'] : join(homedir(), '.local', 'share');
	return join(base, 'zchat');
}

/**
 * The line `zchat hub --ready-json` prints on stdout once it listens, after its banner, for
 * programs that start a hub (tests, the bench, the demo, a supervisor): where it is, without
 * the banner's wording.
 */
export interface HubReady {
	readonly zchat: 'hub';
	readonly version: string;
	readonly host: string;
	/** The ROUTER port clients send commands to (`--sub`). */
	readonly sub: number;
	/** The PUB port of the feed (`--pub`). */
	readonly pub: number;
	/** The hub's public key (Z85) with --key, else null. */
	readonly serverKey: string | null;
	readonly pid: number;
	/** The data directory, or null with --memory. */
	readonly data: string | null;
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
			new Option('--feed-hwm <n>', `feed messages (each at most ${FEED_MESSAGE_BYTES / 1024} KiB) queued per slow subscriber, and at most ${DEFAULT_FEED_LIMITS.maxQueuedBytes / (1024 * 1024)} MiB, before it must catch up from history`)
				.default(DEFAULT_FEED_HWM)
				.argParser(parseCount(1, 1_000_000)),
		)
		.addOption(
			new Option('--room-idle <duration>', 'forget an empty room (its history and topic) once nothing has happened in it for this long; "off" keeps every room')
				.default(DEFAULT_ROOM_IDLE_MS as number | 'off', formatSeconds(DEFAULT_ROOM_IDLE_MS).replace(' ', ''))
				.argParser(parseIdle),
		)
		.addOption(
			new Option('--rooms-per-person <n>', 'most rooms one key (or, on an open hub, one address or connection) may have made that the hub still keeps; operators are not counted')
				.default(MAX_ROOMS_PER_SENDER)
				.argParser(parseCount(1, 1_000_000)),
		)
		.addOption(new Option('--key <file>', 'encrypt and authenticate with this CURVE key pair (make one with "zchat keygen")').env('ZCHAT_HUB_KEY'))
		.addOption(new Option('--authorized <file>', 'admit only these members: one "<public key> <nick> [comment]" per line; re-read on SIGHUP (needs --key)'))
		.addOption(
			new Option('--relay <key|file>', 'trust the relay with this public key to carry its clients\' commands ("zchat relay"); repeat for several (needs --key)')
				.env('ZCHAT_RELAY')
				.argParser(collectRelay),
		)
		.addOption(new Option('--op <nick|key>', 'an operator (kick, ban, mute, lock topics); repeat for several').argParser(collectOp))
		.addOption(
			new Option(
				'--rate-limit <burst/seconds>',
				'flood limit per person (key; on an open hub connection and address) and per session: BURST commands at once, BURST more every SECONDS; "off" (no limit at all) for trusted bots',
			)
				.default({burst: DEFAULT_RATE_BURST, seconds: DEFAULT_RATE_SECONDS} as RateLimit | 'off', `${DEFAULT_RATE_BURST}/${DEFAULT_RATE_SECONDS}`)
				.argParser(parseRate),
		)
		.addOption(
			new Option('--byte-limit <bytes>', 'bytes of text one person may send a minute, on top of the flood limit (e.g. 64k, 1m); "off" for none')
				.default(DEFAULT_BYTES_PER_MINUTE as number | 'off', `${DEFAULT_BYTES_PER_MINUTE / 1024}k`)
				.argParser(parseBytes),
		)
		.addOption(new Option('-q, --quiet', 'print only the listening banner and errors'))
		.addOption(new Option('--ready-json', 'once listening, print one JSON line after the banner (host, sub, pub, serverKey, pid, data) for programs that start a hub'))
		.addHelpText(
			'after',
			`
Examples:
  $ zchat hub                              # 127.0.0.1, ports 5555 and 5556, history on disk
  $ zchat hub --host 0.0.0.0 --key hub.key # reachable from the LAN, encrypted
  $ zchat hub --key hub.key --authorized members --op alice
  $ zchat hub --sub 7000 --pub 7001 --memory --rate-limit off
  $ ZCHAT_DATA=/var/lib/zchat zchat hub
  $ zchat hub --sub 0 --pub 0 --ready-json  # free ports; a JSON line after the banner says which

Running a hub on a network: docs/SECURITY.md.`,
		)
		.action(async opts => {
			const heapFlags = tuneHubHeap();
			const log = opts.quiet ? () => {} : (line: string) => process.stdout.write(`${timeNow()} ${line}\n`);
			const dataDir = opts.memory ? undefined : (opts.data ?? defaultDataDir());
			if (opts.authorized !== undefined && opts.key === undefined) {
				throw new ZchatError('--authorized needs --key: only a hub with a key can tell its members apart (make one with "zchat keygen --out hub.key")', 2);
			}
			const curve = opts.key === undefined ? undefined : readKeyPair(opts.key, '--key');
			const authorizedFile = opts.authorized === undefined ? undefined : resolve(opts.authorized);
			let authorized: AuthorizedEntry[] | undefined = authorizedFile === undefined ? undefined : readAuthorized(authorizedFile);
			const ops = opts.op ?? [];
			const opKeys = ops.filter(isZ85Key);
			const opNicks = ops.filter(o => !isZ85Key(o));
			if (opKeys.length > 0 && !curve) {
				throw new ZchatError('--op with a key needs --key: an open hub cannot tell who holds which key (or name the operator by nick)', 2);
			}
			const relayKeys = opts.relay ?? [];
			if (relayKeys.length > 0 && !curve) {
				throw new ZchatError('--relay needs --key: the hub knows a relay by the key it connects with (make one with "zchat keygen --out hub.key")', 2);
			}
			const rateLimit = opts.rateLimit === 'off' ? undefined : {...opts.rateLimit, ...(opts.byteLimit === 'off' ? {} : {bytesPerMinute: opts.byteLimit})};
			// Loaded here, not with the CLI: every other command (the TUI's first frame above all)
			// would pay for the hub's modules and native addons at start.
			const {HubServer} = await import('../hub/server.js');
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
				...(curve === undefined ? {} : {curve}),
				...(rateLimit === undefined ? {} : {rateLimit}),
				roomIdleMs: opts.roomIdle === 'off' ? undefined : opts.roomIdle,
				roomsPerSender: opts.roomsPerPerson,
				access: store => new Access(store, {...(authorized === undefined ? {} : {authorized}), opNicks, opKeys, relayKeys}),
			});
			const stopFollowing = followHubLoad({owned: heapFlags, messages: () => hub.core.counters.messages, log});
			// Signals first (before the banner).
			const stopped = stopOnSignals(() => {
				stopFollowing();
				return hub.stop();
			}, log);
			process.stdout.write(banner(hub, dataDir, curve?.publicKey, authorizedFile, authorized?.length));
			if (relayKeys.length > 0) process.stdout.write(`  relays             ${relayKeys.length} trusted: ${relayKeys.join(', ')}\n`);
			if (!curve && !isLoopback(opts.host)) {
				const where = opts.host === '0.0.0.0' || opts.host === '::' ? 'on every interface' : `on ${opts.host}`;
				process.stderr.write(
					`zchat: warning: the hub listens ${where} with no encryption: anyone who can reach these ports can read and post. Run it with --key (docs/SECURITY.md)\n`,
				);
			}
			for (const nick of opNicks) {
				const owner = authorized?.find(e => e.nick.toLowerCase() === nick.toLowerCase());
				if (!owner) {
					process.stderr.write(
						`zchat: warning: operator "${nick}" is named by nick only: whoever takes that nick is an operator. List the nick with its key in --authorized, or pass --op with the key\n`,
					);
				}
			}
			process.on('SIGHUP', () => {
				if (authorizedFile === undefined) return log('SIGHUP: no --authorized file to re-read');
				try {
					const next = readAuthorized(authorizedFile);
					const removed = (authorized ?? []).filter(e => !next.some(n => n.key === e.key)).length;
					authorized = next;
					hub.access.setAuthorized(next);
					const ended = hub.accessChanged();
					log(`SIGHUP: re-read ${authorizedFile}: ${next.length} member${next.length === 1 ? '' : 's'} (${removed} removed, ${ended} session${ended === 1 ? '' : 's'} ended)`);
				} catch (err) {
					log(`SIGHUP: ${(err as Error).message}; keeping the previous list`);
				}
			});
			// Last: the banner and the warnings are written, every signal has its handler.
			if (opts.readyJson) {
				const ready: HubReady = {
					zchat: 'hub',
					version: VERSION,
					host: hub.host,
					sub: hub.subPort,
					pub: hub.pubPort,
					serverKey: curve?.publicKey ?? null,
					pid: process.pid,
					data: dataDir === undefined ? null : resolve(dataDir),
				};
				process.stdout.write(JSON.stringify(ready) + '\n');
			}
			await stopped;
		});
	return cmd as unknown as Command<[], Record<string, unknown>>;
}

function banner(hub: HubServer, dataDir: string | undefined, publicKey: string | undefined, authorizedFile: string | undefined, members: number | undefined): string {
	const history = dataDir === undefined ? 'in memory (gone when the hub stops)' : `${hub.store.path}`;
	const hosts = hub.host === '0.0.0.0' || hub.host === '::' ? lanAddresses() : [hub.host];
	const security =
		publicKey === undefined
			? 'open: no encryption, anyone who can reach the ports can join'
			: `encrypted (CURVE), hub key ${publicKey}; ${authorizedFile === undefined ? 'any key may join' : `${members} member key${members === 1 ? '' : 's'} from ${authorizedFile}`}`;
	const lines = [
		`zchat hub ${VERSION} listening on ${hub.host}`,
		`  commands (ROUTER)  ${hub.routerEndpoint}`,
		`  feed (PUB)         ${hub.pubEndpoint}`,
		`  history            ${history}, epoch ${hub.store.epoch}`,
		`  security           ${security}`,
		'join it with:',
		...hosts.map(h => `  npx zchat join --host ${h} --sub ${hub.subPort} --pub ${hub.pubPort}${publicKey === undefined ? '' : ` --server-key '${publicKey}' --key YOUR_KEY_FILE`}`),
		'',
	];
	return lines.join('\n');
}

function isLoopback(host: string): boolean {
	return host === 'localhost' || host === '::1' || host.startsWith('127.');
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
