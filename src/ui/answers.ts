/**
 * The words for the hub's answers to /who, /whois, /rooms, /bans and /topic: the client
 * gives them as data, the TUI and line mode show them as these sentences.
 */
import type {Answer} from '../client/state.js';
import {assertNever} from '../protocol/exhaustive.js';
import {formatDuration} from '../protocol/durations.js';

/** One answer as a sentence (not sanitised yet: the caller does that); `ts` is when it came. */
export function answerText(answer: Answer, ts: number): string {
	switch (answer.type) {
		case 'who': {
			const where = answer.room ? `#${answer.room}` : 'the hub';
			const list = answer.members.map(m => (m.op ? '@' : '') + m.nick + (m.away ? ` (away: ${m.away})` : m.idleMs > 60_000 ? ` (idle ${formatDuration(m.idleMs)})` : ''));
			return `${answer.members.length} in ${where}: ${list.join(', ')}`;
		}
		case 'whois': {
			const w = answer.whois;
			const parts = [`${w.nick}: in ${w.rooms.map(r => '#' + r).join(' ') || 'no rooms'}`, `idle ${formatDuration(w.idleMs)}`, `connected ${formatDuration(ts - w.since)} ago`];
			if (w.away) parts.push(`away: ${w.away}`);
			if (w.client) parts.push(`using ${w.client}`);
			return parts.join(', ');
		}
		case 'room': {
			const r = answer.room;
			return `#${r.room} (${r.members})${r.topic ? ': ' + r.topic : ''}`;
		}
		case 'no-rooms':
			return 'no rooms have anyone in them';
		case 'ban': {
			const b = answer.ban;
			const until = b.until === undefined ? 'for good' : `for ${formatDuration(b.until - ts)} more`;
			return `${b.kind === 'key' ? 'key ' : ''}${b.target} banned ${until} by ${b.by}${b.reason ? `: ${b.reason}` : ''}`;
		}
		case 'no-bans':
			return 'nobody is banned';
		case 'topic':
			return answer.text ? `topic of #${answer.room}: ${answer.text}` : `#${answer.room} has no topic`;
		default:
			return assertNever(answer, 'answer');
	}
}
