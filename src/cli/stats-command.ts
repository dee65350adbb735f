import {Command, Option} from '@commander-js/extra-typings';
import {HubAsker} from '../client/ask.js';
import {formatDuration} from '../protocol/durations.js';
import {ZchatError} from '../errors.js';
import {loadConfig} from './config-file.js';
import {clientCurve, keyOptions} from './key-options.js';
import {oneLine, safeJson} from '../protocol/sanitize.js';
import type {RoomsReply, StatsReply} from '../protocol/types.js';
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
	};
}

/** What `zchat stats` prints. */
export function statsText(s: StatsOutput): string {
	const rooms = s.rooms.map(r => `#${oneLine(r.room)} (${r.members})`).join(', ');
	const rows: Array<[string, string]> = [
		['hub', `${s.hub} (zchat ${oneLine(s.version)}, epoch ${oneLine(s.epoch)})`],
		['up', formatDuration(s.uptimeMs)],
		['sessions', String(s.sessions)],
		[
			'connections',
			s.connections === null || s.subscribers === null
				? 'not reported by this hub'
				: `${s.connections} on the command socket, ${s.subscribers} on the feed`,
		],
		['messages', `${s.messages} carried since it started`],
		['rooms', s.rooms.length === 0 ? 'none with anyone in them' : `${s.rooms.length}: ${rooms}`],
	];
	return rows.map(([k, v]) => `${k.padEnd(12)} ${v}`).join('\n') + '\n';
}

export function makeStatsCommand(): Command<[], Record<string, unknown>> {
	const [host, sub, pub] = hubAddressOptions(false);
	const [serverKey, key] = keyOptions();
	const cmd = new Command('stats')
		.description('ask a running hub how it is doing: uptime, sessions, connections, messages, rooms (over a REQ socket)')
		.addOption(host)
		.addOption(sub)
		.addOption(pub.hideHelp()) // not needed here; accepted so the same address flags work for every command
		.addOption(serverKey)
		.addOption(key)
		.addOption(new Option('--json', 'one JSON object (uptimeMs, sessions, connections, subscribers, messages, rooms: [{room, members, topic}], …)'))
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
