import {createServer} from 'node:net';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {publishedForm} from '../../src/hub/stored-event.js';
import {spawnZchat, type Proc} from './cli.js';
import {waitFor} from './wait.js';

/** Two TCP ports that were free a moment ago (the hub binds them again after a restart). */
export async function freePorts(n = 2): Promise<number[]> {
	const servers = await Promise.all(
		Array.from({length: n}, async () => {
			const s = createServer();
			await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve));
			return s;
		}),
	);
	const ports = servers.map(s => (s.address() as {port: number}).port);
	await Promise.all(servers.map(s => new Promise(resolve => s.close(resolve))));
	return ports;
}

/**
 * A hub process on fixed ports and a data directory, restartable. The first start may move it
 * to other free ports (`startFresh`): a port free a moment ago can be taken by another test's
 * process before the hub binds it. Restarts keep the ports.
 */
export class HubProcess {
	proc: Proc | undefined;
	constructor(
		readonly dataDir: string,
		public sub: number,
		public pub: number,
		readonly extra: readonly string[] = [],
	) {}

	get args(): string[] {
		return ['--host', '127.0.0.1', '--sub', String(this.sub), '--pub', String(this.pub)];
	}

	/** Start it and wait for its banner; fails at once, with its error, if it exits first. */
	async start(timeoutMs = 15_000): Promise<void> {
		// Load tests: no flood limit unless the test sets one.
		const rate = this.extra.includes('--rate-limit') ? [] : ['--rate-limit', 'off'];
		const proc = (this.proc = spawnZchat(['hub', '--data', this.dataDir, ...this.args, ...rate, ...this.extra]));
		await waitFor(
			() => `zchat hub's banner (stdout so far: ${JSON.stringify(proc.stdout().slice(-300))}, stderr: ${JSON.stringify(proc.stderr().slice(-300))})`,
			() => {
				if (proc.lines().some(l => l.includes('join it with'))) return true;
				if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
					throw new Error(`zchat hub exited (${proc.child.exitCode ?? proc.child.signalCode}) before its banner: ${proc.stderr().trim() || 'no error output'}`);
				}
				return undefined;
			},
			timeoutMs,
		);
	}

	/** The first start: on ports another process took since they were picked, pick others (3 tries). */
	async startFresh(timeoutMs = 15_000): Promise<void> {
		for (let attempt = 1; ; attempt++) {
			try {
				await this.start(timeoutMs);
				return;
			} catch (err) {
				if (attempt === 3 || !/port \d+ is in use/.test((err as Error).message)) throw err;
				[this.sub, this.pub] = (await freePorts()) as [number, number];
			}
		}
	}

	async stop(): Promise<number | string> {
		if (!this.proc || this.proc.child.exitCode !== null) return this.proc?.child.exitCode ?? 0;
		this.proc.child.kill('SIGINT');
		return this.proc.exited;
	}
}

export interface JsonEvent {
	type: string;
	room?: string;
	from?: string;
	text?: string;
	seq?: number;
	replay?: boolean;
}

export function jsonEvents(p: Proc): JsonEvent[] {
	return p.lines().flatMap(l => {
		try {
			return [JSON.parse(l) as JsonEvent];
		} catch {
			return [];
		}
	});
}

/** A line-mode client that says `lines` and exits once they are acked. */
export function sender(hub: HubProcess, nick: string, lines: readonly string[], extra: readonly string[] = []): Proc {
	const p = spawnZchat(['join', '--json', '--nick', nick, '--room', 'load', '--history', '0', '--timeout', '90', ...extra, ...hub.args]);
	p.child.stdin.end(lines.map(l => l + '\n').join(''));
	return p;
}

/** A line-mode client that only listens, from before the senders start. */
export async function observer(hub: HubProcess, nick: string): Promise<Proc> {
	const p = spawnZchat(['join', '--json', '--stay', '--nick', nick, '--room', 'load', '--history', '0', '--timeout', '90', ...hub.args]);
	await waitFor(`${nick} to join`, () => jsonEvents(p).some(e => e.type === 'join' && e.from === nick), 15_000);
	return p;
}

/** The messages of a room as the hub stored them: text → how many times. */
export function storedMessages(dataDir: string, room: string): Map<string, number> {
	const db = new Database(join(dataDir, 'zchat.db'), {readonly: true});
	try {
		// The room's events in order: their keys are the room's number and the seq (src/hub/event-log.ts).
		const rows = db
			.prepare('SELECT l.json, l.text, l.id & 1099511627775 FROM log l JOIN rooms r ON l.id >= (r.num << 40) AND l.id < ((r.num + 1) << 40) WHERE r.room = ? ORDER BY l.id')
			.raw()
			.all(room) as Array<[string, string | null, number]>;
		const epoch = db.prepare("SELECT value FROM meta WHERE key = 'epoch'").pluck().get() as string;
		const counts = new Map<string, number>();
		for (const [json, text, seq] of rows) {
			// Free text is kept beside the rest of the event (stored-event.ts).
			const e = JSON.parse(publishedForm(json, text, seq, epoch)) as JsonEvent;
			if (e.type === 'message') counts.set(e.text!, (counts.get(e.text!) ?? 0) + 1);
		}
		return counts;
	} finally {
		db.close();
	}
}

/** What a feed says about delivery of `expected`: delivered once, duplicated, missing, and whether seqs run without gaps. */
export function audit(events: readonly JsonEvent[], expected: readonly string[]) {
	const seqs = events.filter(e => typeof e.seq === 'number').map(e => e.seq!);
	const counts = new Map<string, number>();
	for (const e of events) if (e.type === 'message') counts.set(e.text!, (counts.get(e.text!) ?? 0) + 1);
	const delivered = expected.filter(t => counts.get(t) === 1).length;
	const duplicated = expected.filter(t => (counts.get(t) ?? 0) > 1).length;
	const missing = expected.filter(t => !counts.has(t)).length;
	const inOrder = seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1);
	return {delivered, duplicated, missing, inOrder, firstSeq: seqs[0], lastSeq: seqs[seqs.length - 1]};
}
