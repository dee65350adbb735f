import {Command, Option} from '@commander-js/extra-typings';
import {HubAsker} from '../client/ask.js';
import {formatDuration} from '../protocol/durations.js';
import {ZchatError} from '../errors.js';
import {loadConfig} from './config-file.js';
import {clientCurve, keyOptions} from './key-options.js';
import {oneLine, safeJson} from '../protocol/sanitize.js';
import type {ConnectionStats, PortStats, RelayHop, RelayStats, RoomsReply, StatsReply} from '../protocol/types.js';
import {applyConfig, hubAddressOptions, timeoutOption} from './options.js';

/** What `zchat stats --json` prints: the hub's stats with the room list in place of the room count. */
export interface StatsOutput {
	readonly hub: string;
	readonly version: string;
	readonly epoch: string;
	readonly uptimeMs: number;
	readonly sessions: number;
	readonly connections: number | null;
	readonly subscribers: number | null;
	readonly messages: number;
	readonly rooms: RoomsReply['rooms'];
	/** The command port's figures; null from a hub that does not report them. */
	readonly port: PortStats | null;
	/** Its busiest connections; null unless the hub shows them to us (its own machine, an operator's key). */
	readonly busiest: readonly ConnectionStats[] | null;
	/** The hub's trusted relays connected now (empty when it has none). */
	readonly relays: readonly RelayStats[];
	/** The relays the answer came back through, the hub's side first (empty when asked of the hub itself). */
	readonly via: readonly RelayHop[];
}

export function statsOutput(hub: string, stats: StatsReply, rooms: RoomsReply['rooms']): StatsOutput {
	// A hub older than these two fields leaves them out: null says "not reported".
	const count = (n: unknown) => (typeof n === 'number' ? n : null);
	return {
		hub,
		version: stats.version,
		epoch: stats.epoch,
		uptimeMs: stats.uptimeMs,
		sessions: stats.sessions,
		connections: count(stats.connections),
		subscribers: count(stats.subscribers),
		messages: stats.messages,
		rooms,
		port: stats.port ?? null,
		busiest: stats.busiest ?? null,
		relays: Array.isArray(stats.relays) ? stats.relays : [],
		via: Array.isArray(stats.via) ? stats.via : [],
	};
}

/** What each reason a connection was closed for is called here: the limits an operator can act on. */
const LIMITS_HIT: ReadonlyArray<[string, string]> = [
	['slow-consumer', 'left its replies unread (slow consumer)'],
	['too-many-frames', 'sent over 16 frames in a message'],
	['frame-too-big', 'sent a frame over 64 KiB'],
	['handshake-timeout', 'did not finish its handshake in time'],
	['heartbeat-timeout', 'went silent'],
	['key-refused', 'came with a key the hub refuses'],
	['revoked', 'had its key revoked (ban, SIGHUP)'],
	['protocol', 'broke ZMTP'],
	['crypto', 'failed CURVE'],
	['socket-type', 'was not a DEALER or REQ'],
];

/** A count from the hub's reply, as text: anything but a finite number (a hostile hub's string) shows as "?". */
function num(x: unknown): string {
	return typeof x === 'number' && Number.isFinite(x) ? String(x) : '?';
}

/** The command port's rows of `zchat stats`. */
function portRows(port: PortStats, busiest: readonly ConnectionStats[] | null): Array<[string, string]> {
	const hit = LIMITS_HIT.flatMap(([reason, words]) => {
		const n = port.closed[reason] ?? 0;
		return n > 0 ? [`${num(n)} ${words}`] : [];
	});
	const rows: Array<[string, string]> = [
		['replies', `${formatBytes(port.unsentBytes)} unread in all; ${num(port.held)} connection${port.held === 1 ? '' : 's'} held until they read (${num(port.waiting)} message${port.waiting === 1 ? '' : 's'} waiting)`],
		['closed', hit.length === 0 ? 'none for a limit since it started' : `since it started: ${hit.join(', ')}`],
		...(port.messagesIn !== undefined && port.batches ? [['commands', `${num(port.messagesIn)} messages in ${num(port.batches)} batches (${(port.messagesIn / port.batches).toFixed(1)} a batch)`] as [string, string]] : []),
		['refused', `${num(port.refusedFull)} with the hub full, ${num(port.refusedPerAddress)} over the limit per address (${num(port.accepted)} accepted, ${num(port.handshaking)} in their handshake now)`],
	];
	if (busiest !== null) {
		rows.push(['busiest', busiest.length === 0 ? 'no connections' : busiest.map(connectionLine).join('\n' + ' '.repeat(13))]);
	}
	return rows;
}

function connectionLine(c: ConnectionStats): string {
	const who = [oneLine(c.address), oneLine(c.socketType), c.nick === undefined ? undefined : oneLine(c.nick), c.key === undefined ? undefined : `key ${oneLine(c.key)}`].filter(x => x !== undefined).join(' ');
	return (
		`#${num(c.id)} ${who}: ${formatBytes(c.unsentBytes)} unread${c.held ? ', held' : ''} · in ${num(c.messagesIn)} (${formatBytes(c.bytesIn)}) · ` +
		`out ${num(c.messagesOut)} (${formatBytes(c.bytesOut)}) · ${num(c.stalls)} stall${c.stalls === 1 ? '' : 's'} · ${formatDuration(c.ageMs)}`
	);
}

function formatBytes(n: number): string {
	if (typeof n !== 'number' || !Number.isFinite(n)) return '?';
	if (n < 1024) return `${n} B`;
	if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
	return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The rows of the relays: those the hub trusts, and those this answer came through (the one asked last). */
function relayRows(s: StatsOutput): Array<[string, string]> {
	const rows: Array<[string, string]> = [];
	if (s.relays.length > 0) {
		const lines = s.relays.map(r => `#${num(r.id)} ${oneLine(String(r.address))}${r.key === undefined ? '' : ` key ${oneLine(String(r.key))}`}: ${num(r.clients)} client${r.clients === 1 ? '' : 's'} · ${formatDuration(r.ageMs)}`);
		rows.push(['relays', lines.join('\n' + ' '.repeat(13))]);
	}
	const hops = [...s.via].reverse();
	for (const [i, h] of hops.entries()) {
		const state = h.connected ? 'connected' : 'NOT connected: its clients get no answers until it is back';
		rows.push([
			i === 0 ? 'relay' : 'then relay',
			`zchat ${oneLine(String(h.version))}, up ${formatDuration(h.uptimeMs)}: ${num(h.clients)} client${h.clients === 1 ? '' : 's'}, ${num(h.subscribers)} on its feed; upstream ${oneLine(String(h.upstream))} ${state} (${num(h.topics)} topic${h.topics === 1 ? '' : 's'})`,
		]);
	}
	return rows;
}

/** What `zchat stats` prints. */
export function statsText(s: StatsOutput): string {
	const rooms = s.rooms.map(r => `#${oneLine(String(r.room))} (${num(r.members)})`).join(', ');
	const rows: Array<[string, string]> = [
		['hub', `${s.hub} (zchat ${oneLine(s.version)}, epoch ${oneLine(s.epoch)})`],
		['up', formatDuration(s.uptimeMs)],
		['sessions', num(s.sessions)],
		[
			'connections',
			s.connections === null || s.subscribers === null
				? 'not reported by this hub'
				: `${num(s.connections)} on the command socket, ${num(s.subscribers)} on the feed`,
		],
		['messages', `${num(s.messages)} carried since it started`],
		['rooms', s.rooms.length === 0 ? 'none with anyone in them' : `${s.rooms.length}: ${rooms}`],
		...(s.port === null ? [] : portRows(s.port, s.busiest)),
		...relayRows(s),
	];
	return rows.map(([k, v]) => `${k.padEnd(12)} ${v}`).join('\n') + '\n';
}

export function makeStatsCommand(): Command<[], Record<string, unknown>> {
	const [host, sub, pub] = hubAddressOptions(false);
	const [serverKey, key] = keyOptions();
	const cmd = new Command('stats')
		.description('ask a running hub how it is doing: uptime, sessions, connections, messages, rooms, what its limits did (over a REQ socket)')
		.addOption(host)
		.addOption(sub)
		.addOption(pub.hideHelp()) // not needed here; accepted so the same address flags work for every command
		.addOption(serverKey)
		.addOption(key)
		.addOption(new Option('--json', 'one JSON object (uptimeMs, sessions, connections, subscribers, messages, rooms: [{room, members, topic}], port, busiest, …)'))
		.addOption(timeoutOption(5, 'give up when the hub has not answered in this long'))
		.addHelpText(
			'after',
			`
Examples:
  $ zchat stats                                  # the hub at 127.0.0.1:5555
  $ zchat stats --host 192.168.1.20 --sub 7000
  $ zchat stats --json | jq .sessions
  $ zchat stats --timeout 1 >/dev/null || echo "hub down"   # a health check
  $ zchat stats --server-key hub.key.pub       # a hub with keys (or ZCHAT_SERVER_KEY)
  $ zchat stats --json | jq '.busiest[0]'      # the connection holding the most unread replies

The busiest connections (unread replies, messages, stalls) are shown to a zchat stats run on
the hub's own machine, or with an operator's key (--op).

Exit codes: 0 answered, 1 no answer within --timeout, 2 a bad flag or value (a hub with keys
and no --server-key, a wrong key, a key the hub refuses).`,
		)
		.action(async (_opts, command) => {
			applyConfig(command, loadConfig().config, {host: 'host', sub: 'sub', serverKey: 'serverKey', key: 'key'});
			const opts = command.opts();
			const curve = clientCurve(opts.serverKey, opts.key);
			const asker = new HubAsker({host: opts.host, subPort: opts.sub, timeoutMs: opts.timeout, ...(curve ? {curve} : {})});
			try {
				// Two questions on one REQ: each answer is received before the next is sent.
				const stats = await asker.ask({type: 'stats'}, 'stats');
				if (stats.type === 'error') throw new ZchatError(`the hub at ${asker.endpoint} refused: ${oneLine(stats.message)}`);
				const rooms = await asker.ask({type: 'rooms'}, 'rooms');
				if (rooms.type === 'error') throw new ZchatError(`the hub at ${asker.endpoint} refused: ${oneLine(rooms.message)}`);
				const out = statsOutput(asker.endpoint, stats, rooms.rooms);
				process.stdout.write(opts.json ? safeJson(out) + '\n' : statsText(out));
			} finally {
				asker.close();
			}
		});
	return cmd as unknown as Command<[], Record<string, unknown>>;
}
