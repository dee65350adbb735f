/**
 * Every attack of the report by name, with the issue row it tries and a one-line summary of
 * what it got (the table in run.ts and README.md).
 */
import type {Outcome} from './children.js';
import type {Measurement} from './measure.js';
import {endless, revoked, specBot, subscriptions, unreadHistory, type EndlessResult, type ScenarioOptions} from './scenarios-11.js';
import {roomGrab, sessionCycle, sessionMemory, stalledFeed, type CycleOptions} from './scenarios-12.js';
import {banReturn, lookalikes, muted} from './scenarios-moderation.js';
import {forgedRow, hostileHubOutputs, lineModeBanReason, tuiKickReason, type Shown} from './scenarios-terminal.js';

export interface Row {
	readonly issue: 11 | 12;
	readonly what: string;
	run(o: ScenarioOptions): Promise<{measurement?: Measurement<unknown>; summary: string}>;
}

function outcome<R>(o: Outcome<R>, say: (r: R) => string): string {
	if (o.done) return say(o);
	return `attacker stopped (${o.exit})${o.events.length > 0 ? `; last: ${JSON.stringify(o.events.at(-1))}` : ''}`;
}

const mib = (bytes: number) => `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;

function endlessRow(keys: boolean, port: 'command' | 'feed'): Row {
	return {
		issue: 11,
		what: `never-ending message, ${keys ? 'hub with keys (pyzmq, CURVE, a member key)' : 'open hub (raw ZMTP)'}, ${port} port`,
		run: async o => {
			const m = await endless(o, keys, port);
			const summary = outcome(m.attack, (r: EndlessResult) =>
				`${r.partsSent} parts (${mib(r.partsSent * 2)} of frames); ${r.closedByPeer ? `closed by the hub after ${r.closedAfterParts ?? '?'} parts` : 'never closed'}${r.ended ? ', then ended' : ''}`,
			);
			return {measurement: m, summary};
		},
	};
}

function cycleRow(what: string, c: CycleOptions): Row {
	return {
		issue: 12,
		what,
		run: async o => {
			const m = await sessionCycle(o, c);
			const summary = outcome(m.attack, r =>
				[
					`${r.stored} ${r.kind} stored in ${r.seconds} s (${r.storedPerSecond}/s) over ${r.welcomes} sessions`,
					`refusals ${JSON.stringify(r.refused)}`,
					`hub log +${m.logLines} lines`,
					...(m.data ? [`--data +${mib(m.data.afterBytes - m.data.beforeBytes)} (${mib(m.data.bytesPerSecond)}/s)`] : []),
				].join('; '),
			);
			return {measurement: m, summary};
		},
	};
}

function shownText(list: readonly Shown[]): string {
	return list.map(s => `${s.what}: ${s.raw.length === 0 ? 'clean' : `${s.raw.length} raw`}${s.reached ? '' : ' (text not shown)'}`).join('; ');
}

export const ROWS: Record<string, Row> = {
	'endless-open-cmd': endlessRow(false, 'command'),
	'endless-keyed-cmd': endlessRow(true, 'command'),
	'endless-open-feed': endlessRow(false, 'feed'),
	'endless-keyed-feed': endlessRow(true, 'feed'),
	'unread-history': {
		issue: 11,
		what: 'a DEALER asks history (500 × 4 KB pages) 2000 times and never reads',
		run: async o => {
			const m = await unreadHistory(o);
			return {measurement: m, summary: outcome(m.attack, r => `${r.requestsSent} questions sent; ${r.closedByPeer ? 'closed by the hub' : 'never closed'}`)};
		},
	},
	subscriptions: {
		issue: 11,
		what: '8,000 distinct 4 KB subscriptions on the feed port, then leaving',
		run: async o => {
			const m = await subscriptions(o);
			return {measurement: m, summary: outcome(m.attack, r => `${r.subscriptionsSent} subscriptions taken; ${r.closedByPeer ? 'closed by the hub' : 'never closed'}; after = once it left`)};
		},
	},
	...Object.fromEntries(
		(['sighup', 'ban'] as const).map(how => [
			`revoked-${how}`,
			{
				issue: 11,
				what: how === 'sighup' ? 'a member removed from --authorized (SIGHUP) keeps its connections' : 'a banned key keeps its connections',
				run: async (o: ScenarioOptions) => {
					const m = await revoked(o, how);
					const r = m.attack;
					return {
						measurement: m,
						summary: `served after: ${r.bob.served.length === 0 ? 'nothing' : r.bob.served.join(', ')}; what was said after reached it: ${r.secretReachedBob ? 'yes' : 'no'}; others got its words: ${r.othersSaw.length}`,
					};
				},
			} satisfies Row,
		]),
	),
	specbot: {
		issue: 11,
		what: 'speed: 4 spec-style bots (one command a message) × 4 subscribers, --data (load only; the bench owns the row)',
		run: async o => {
			const m = await specBot(o);
			return {measurement: m, summary: outcome(m.attack, r => `${r.ackedPerSecond} lines acked a second; lost per subscriber ${r.lost.join('/')}`)};
		},
	},
	'cycle-say': cycleRow('hello with a fresh session every 5 says, open hub, default limit', {kind: 'say'}),
	'cycle-msg': cycleRow('the same with DMs to one person', {kind: 'msg'}),
	'cycle-nick': cycleRow('the same with nick changes', {kind: 'nick'}),
	'cycle-topic': cycleRow('the same with topic changes', {kind: 'topic'}),
	'cycle-say-keyed': cycleRow('the same, --authorized hub, one key', {kind: 'say', keyed: true}),
	'cycle-ctrl-data': cycleRow('the same with 4 KB of control characters a line, --data', {kind: 'say', ctrl: true, data: true}),
	'cycle-ctrl-memory': cycleRow('the same with 4 KB of control characters a line, --memory', {kind: 'say', ctrl: true}),
	'room-grab': {
		issue: 12,
		what: 'hello naming 32 new rooms, repeated (--data, then a restart)',
		run: async o => {
			const m = await roomGrab(o);
			const r = m.attack;
			return {measurement: m, summary: `${outcome(r.grab, g => `${g.roomsTaken} rooms taken, refusals ${JSON.stringify(g.refused)}`)}; another user's new room: ${r.createAfter}; after a restart: ${r.createAfterRestart}`};
		},
	},
	muted: {
		issue: 12,
		what: 'a muted member talks through part/bye reasons, away, and as bob_',
		run: async o => {
			const m = await muted(o);
			const where = [...new Set(m.attack.leaks.map(l => l.split(':')[0]))];
			return {measurement: m, summary: `${m.attack.leaks.length} of its words reached others (${where.join(', ') || 'none'}); nick changed: ${m.attack.nickChanged ? 'yes' : 'no'}`};
		},
	},
	...Object.fromEntries(
		(['offline', 'kick-then-ban'] as const).map(variant => [
			`ban-${variant}`,
			{
				issue: 12,
				what: variant === 'offline' ? '/ban bob while offline, his key back as bob2' : '/kick carol, /ban carol 10m, her key back as dave',
				run: async (o: ScenarioOptions) => {
					const m = await banReturn(o, variant);
					return {measurement: m, summary: outcome(m.attack, r => `${r.welcomed ? 'got in' : 'kept out'} (${r.answer}${r.said ? `, its line: ${r.said}` : ''})`)};
				},
			} satisfies Row,
		]),
	),
	...Object.fromEntries(
		(['reserved', 'inuse'] as const).map(mode => [
			`lookalike-${mode}`,
			{
				issue: 12,
				what: mode === 'reserved' ? 'look-alikes of reserved nicks, hello and /nick' : 'look-alikes of nicks in use, both ways',
				run: async (o: ScenarioOptions) => {
					const m = await lookalikes(o, mode);
					return {
						measurement: m,
						summary: outcome(m.attack, r => `${r.allowed.length} of ${r.tries.filter(t => t.lookalike).length} look-alike tries let in; other names refused: ${r.controlsRefused.length}`),
					};
				},
			} satisfies Row,
		]),
	),
	'tui-kick-reason': {issue: 12, what: "kick reason with OSC 0/52/8, ESC[2J, C1: the TUI's exit message", run: async () => ({summary: shownText([await tuiKickReason()])})},
	'line-ban-reason': {issue: 12, what: 'ban reason with escapes: line mode', run: async () => ({summary: shownText([await lineModeBanReason()])})},
	'hostile-hub': {issue: 12, what: "a hostile hub's texts: zchat send, who, stats, line mode", run: async () => ({summary: shownText(await hostileHubOutputs())})},
	'forged-row': {
		issue: 12,
		what: 'a message padded with spaces, line mode on an 80-column terminal',
		run: async () => {
			const r = await forgedRow();
			return {summary: r.forgedRows.length === 0 ? 'no forged row' : `forged row shown: "${r.forgedRows[0]}"`};
		},
	},
	'sessions-1000': {
		issue: 12,
		what: '1000 connections, each from an address of its own, then a session on each',
		run: async o => {
			const m = await sessionMemory(o);
			const s = m.attack;
			return {measurement: m, summary: `${s.welcomed} sessions; a session ${s.perSessionKiB} KiB, a connection ${s.perConnectionKiB} KiB`};
		},
	},
	'stalled-feed': {
		issue: 12,
		what: 'subscribers that never read while 24 KB events flow (--history-limit 100)',
		run: async o => {
			const m = await stalledFeed(o);
			return {measurement: m, summary: outcome(m.attack, r => `${r.acked} events (~${mib(r.eventBytesApprox)} of feed) to ${r.subscribers} stalled subscribers; closed by the hub: ${r.closedByPeer}`)};
		},
	},
};
