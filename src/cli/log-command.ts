/**
 * `zchat log`: a room's history on stdout, oldest first, page by page over a REQ socket (no
 * session, nobody sees you), for people who keep or grep their logs.
 */
import {once} from 'node:events';
import {Command, InvalidArgumentError, Option} from '@commander-js/extra-typings';
import {HubAsker} from '../client/ask.js';
import {ZchatError} from '../errors.js';
import {parseDuration} from '../protocol/durations.js';
import {MAX_HISTORY_LIMIT} from '../protocol/limits.js';
import {oneLine, safeJson} from '../protocol/sanitize.js';
import type {FeedEvent, HistoryReply} from '../protocol/types.js';
import {jsonObject, plainLine} from '../ui/format.js';
import {loadConfig} from './config-file.js';
import {clientCurve, keyOptions} from './key-options.js';
import {applyConfig, hubAddressOptions, parseRoomName, timeoutOption} from './options.js';

/**
 * --since: a duration back from `now` ("90s", "30m", "2h", "7d") or a time: ISO 8601
 * ("2026-12-01T09:30", local time unless it ends in Z or an offset; a date alone is its
 * local midnight). Returns ms since 1970.
 */
export function parseSince(value: string, now = Date.now()): number {
	const text = value.trim();
	const back = parseDuration(text);
	if (back !== undefined && !/^\d{4}-/.test(text)) return now - back;
	const m = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
	const ts = m ? Date.parse(text.length === 10 ? `${text}T00:00` : text.replace(' ', 'T')) : NaN;
	if (!Number.isFinite(ts)) {
		throw new InvalidArgumentError('must be a duration back from now (30m, 2h, 7d) or a time (2026-12-01, 2026-12-01T09:30, …Z for UTC).');
	}
	return ts;
}

function pad(n: number): string {
	return String(n).padStart(2, '0');
}

/** One line of the plain log: the local date and time, then the event as line mode prints it (escaped the same way). */
export function logLine(e: FeedEvent): string {
	const d = new Date(e.ts);
	const when = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
	return `${when} ${plainLine({kind: 'event', key: String(e.seq), event: e}, {timestamps: false})}`;
}

/** One page of a room's history, checked: the hub's refusal or a change of epoch end the log. */
async function page(asker: HubAsker, question: {after?: number; before?: number}, room: string, epoch: string | undefined): Promise<HistoryReply> {
	const reply = await asker.ask({type: 'history', room, limit: MAX_HISTORY_LIMIT, ...question}, 'history');
	if (reply.type === 'error') throw new ZchatError(`the hub at ${asker.endpoint} refused: ${oneLine(reply.message)}`);
	if (epoch !== undefined && reply.epoch !== epoch) {
		throw new ZchatError(`the hub at ${asker.endpoint} started on new data while the log was read (its epoch changed): run zchat log again`);
	}
	return reply;
}

/**
 * The seq the log starts after: the last event before `since`, found by paging back from the
 * newest (only seq and time are looked at, so memory stays one page however far back).
 */
async function startAfter(asker: HubAsker, room: string, since: number): Promise<{after: number; epoch: string}> {
	let before: number | undefined;
	let epoch: string | undefined;
	for (;;) {
		const reply = await page(asker, before === undefined ? {} : {before}, room, epoch);
		epoch = reply.epoch;
		const older = reply.events.filter(e => e.ts < since);
		if (older.length > 0) return {after: older[older.length - 1]!.seq, epoch};
		const first = reply.events[0];
		if (!reply.more || first === undefined) return {after: 0, epoch};
		before = first.seq;
	}
}

async function write(line: string): Promise<void> {
	if (!process.stdout.write(line + '\n')) await once(process.stdout, 'drain');
}

export function makeLogCommand(): Command<[], Record<string, unknown>> {
	const [host, sub, pub] = hubAddressOptions(false);
	const [serverKey, key] = keyOptions();
	const cmd = new Command('log')
		.description("print a room's history, oldest first, and exit (over a REQ socket: no session, nobody sees you)")
		.addOption(host)
		.addOption(sub)
		.addOption(pub.hideHelp()) // not needed here; accepted so the same address flags work for every command
		.addOption(serverKey)
		.addOption(key)
		.addOption(new Option('--room <room>', 'the room ("#" optional)').default('lobby').argParser(parseRoomName))
		.addOption(new Option('--since <when>', 'only what happened since: a duration back from now (30m, 2h, 7d) or a time (2026-12-01T09:30)').argParser(v => parseSince(v)))
		.addOption(new Option('--json', 'one JSON object per event, as "zchat join --json" prints them'))
		.addOption(timeoutOption(5, 'give up when the hub has not answered a page in this long'))
		.addHelpText(
			'after',
			`
Examples:
  $ zchat log                                  # all that #lobby's hub keeps, oldest first
  $ zchat log --room dev --since 2h            # the last two hours of #dev
  $ zchat log --room ops --since 2026-12-01 > ops.log
  $ zchat log --json | jq -r 'select(.type == "message") | .text'

The hub keeps the last --history-limit events of each room (10,000 by default); older ones
are gone. Text from others is shown with control characters escaped, as in "zchat join".
Exit codes: 0 done (an empty room too), 1 no answer within --timeout, 2 a bad flag or value.`,
		)
		.action(async (_opts, command) => {
			const {config} = loadConfig();
			applyConfig(command, config, {host: 'host', sub: 'sub', serverKey: 'serverKey', key: 'key'});
			if (config.rooms?.[0] !== undefined && command.getOptionValueSource('room') === 'default') command.setOptionValueWithSource('room', config.rooms[0], 'config');
			const opts = command.opts();
			const curve = clientCurve(opts.serverKey, opts.key);
			const asker = new HubAsker({host: opts.host, subPort: opts.sub, timeoutMs: opts.timeout, perQuestion: true, ...(curve ? {curve} : {})});
			let closed = false;
			process.stdout.on('error', () => (closed = true)); // a closed pipe (| head) ends the log, it is not a crash
			try {
				let {after, epoch} = opts.since === undefined ? {after: 0, epoch: undefined as string | undefined} : await startAfter(asker, opts.room, opts.since);
				let end: number | undefined;
				while (!closed) {
					const reply = await page(asker, {after}, opts.room, epoch);
					epoch = reply.epoch;
					// The room's head when the log began is where it ends: a busy room does not keep it running.
					end ??= reply.head;
					for (const e of reply.events) {
						if (e.seq > end || closed) break;
						await write(opts.json ? safeJson(jsonObject({kind: 'event', key: String(e.seq), event: e})) : logLine(e));
					}
					const last = reply.events[reply.events.length - 1];
					if (!reply.more || last === undefined || last.seq >= end) break;
					after = last.seq;
				}
			} finally {
				asker.close();
			}
		});
	return cmd as unknown as Command<[], Record<string, unknown>>;
}
