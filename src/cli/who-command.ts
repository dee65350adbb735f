import {Command, Option} from '@commander-js/extra-typings';
import {HubAsker} from '../client/ask.js';
import {formatDuration} from '../protocol/durations.js';
import {ZchatError} from '../errors.js';
import {loadConfig} from './config-file.js';
import {clientCurve, keyOptions} from './key-options.js';
import {oneLine, safeJson} from '../protocol/sanitize.js';
import type {MemberInfo} from '../protocol/types.js';
import {applyConfig, hubAddressOptions, parseRoomName, timeoutOption} from './options.js';

/** What `zchat who` prints: who is in a room (or on the hub), idle time and away message. */
export function whoText(room: string | undefined, members: readonly MemberInfo[]): string {
	const where = room === undefined ? 'on the hub' : `in #${room}`;
	if (members.length === 0) return `nobody is ${where}\n`;
	const width = Math.max(...members.map(m => m.nick.length));
	const lines = members.map(m => {
		const away = m.away === undefined ? '' : `, away: ${oneLine(m.away)}`;
		return `  ${oneLine(m.nick).padEnd(width)}  idle ${formatDuration(m.idleMs)}${away}`;
	});
	return `${members.length} ${where}:\n${lines.join('\n')}\n`;
}

export function makeWhoCommand(): Command<[], Record<string, unknown>> {
	const [host, sub, pub] = hubAddressOptions(false);
	const [serverKey, key] = keyOptions();
	const cmd = new Command('who')
		.description('ask a running hub who is in a room, or on the hub (over a REQ socket: no session, nobody sees you)')
		.argument('[room]', 'only this room ("#" optional); everyone on the hub when left out', parseRoomName)
		.addOption(host)
		.addOption(sub)
		.addOption(pub.hideHelp()) // not needed here; accepted so the same address flags work for every command
		.addOption(serverKey)
		.addOption(key)
		.addOption(new Option('--json', 'one JSON object: {"room"?, "members": [{"nick", "idleMs", "away"?}]}'))
		.addOption(timeoutOption(5, 'give up when the hub has not answered in this long'))
		.addHelpText(
			'after',
			`
Examples:
  $ zchat who                          # everyone on the hub at 127.0.0.1:5555
  $ zchat who dev                      # who is in #dev (quote "#dev": a shell reads # as a comment)
  $ zchat who --host 192.168.1.20 --sub 7000
  $ zchat who lobby --json | jq -r '.members[].nick'
  $ zchat who --server-key hub.key.pub             # a hub with keys (or ZCHAT_SERVER_KEY)

Exit codes: 0 answered (an empty room too), 1 no answer within --timeout, 2 a bad flag or value
(a hub with keys and no --server-key, a wrong key, a key the hub refuses).`,
		)
		.action(async (room, _opts, command) => {
			applyConfig(command, loadConfig().config, {host: 'host', sub: 'sub', serverKey: 'serverKey', key: 'key'});
			const opts = command.opts();
			const curve = clientCurve(opts.serverKey, opts.key);
			const asker = new HubAsker({host: opts.host, subPort: opts.sub, timeoutMs: opts.timeout, ...(curve ? {curve} : {})});
			try {
				const reply = await asker.ask(room === undefined ? {type: 'who'} : {type: 'who', room}, 'who');
				let members: readonly MemberInfo[];
				if (reply.type === 'who') members = reply.members;
				else if (reply.code === 'not_in_room') members = []; // the hub's way of saying the room is empty
				else throw new ZchatError(`the hub at ${asker.endpoint} refused: ${oneLine(reply.message)}`);
				if (opts.json) process.stdout.write(safeJson(room === undefined ? {members} : {room, members}) + '\n');
				else process.stdout.write(whoText(room, members));
			} finally {
				asker.close();
			}
		});
	return cmd as unknown as Command<[], Record<string, unknown>>;
}
