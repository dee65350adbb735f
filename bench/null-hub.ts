/**
 * A bench-only "null hub": the hub's own front door and feed port with no core behind them, to
 * measure how fast the bench's zchat senders and subscribers could go through a hub that costs
 * next to nothing (the ceiling our transport and the load generator set on this machine).
 *
 *   node dist/bench/hub-variants.js --bots --variant 'null=bin:dist/bench/null-hub.js'
 *
 * It starts like `zchat hub` (`hub --host H --sub P --pub P --ready-json`, other flags ignored)
 * and answers only what the bench sends: `hello` (welcome), `say` (an ack, and the event on the
 * room's feed with the next seq, as the hub publishes it), sessionless `history` (an empty page),
 * `ping`, `bye`. No storage, no sessions, no checks; never part of the product.
 *
 * `--burn-us N` spends N µs of CPU a `say` more (a busy loop once a batch): a hub that costs
 * that much more than the null one, to see how the ratio falls with the hub's cost.
 */
import {FrontDoor} from '../src/hub/front-door/front-door.js';
import type {Batch} from '../src/hub/front-door/types.js';
import {FeedServer} from '../src/hub/feed/feed-server.js';
import {feedMessages} from '../src/hub/feed-messages.js';
import {ackFrame} from '../src/hub/outbox.js';
import {storedForm} from '../src/hub/stored-event.js';
import {roomTopic} from '../src/protocol/topic.js';

/** An epoch as long as the real hub's (6 random bytes in base64url). */
const EPOCH = 'nullhub0';
const TTL_MS = 10_000;

interface Command {
	readonly type?: unknown;
	readonly id?: unknown;
	readonly room?: unknown;
	readonly text?: unknown;
	readonly nick?: unknown;
}

function flag(name: string, fallback: string): string {
	const at = process.argv.indexOf(name);
	return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1]! : fallback;
}

const host = flag('--host', '127.0.0.1');
const burnUs = Number(flag('--burn-us', '0'));
/** Each room's last seq. */
const seqs = new Map<string, number>();
/** The nick each connection said hello with, by the door's connection id. */
const nicks = new Map<number, string>();
/** This batch's feed events, by room. */
const events = new Map<string, string[]>();

const q = (v: unknown): string => JSON.stringify(v ?? null);

/** The reply to one command frame, or undefined for none; a `say` adds its event to `events`. */
function answer(peer: number, frame: Buffer, now: number): string | undefined {
	let cmd: Command;
	try {
		cmd = JSON.parse(frame.toString('utf8')) as Command;
	} catch {
		return undefined;
	}
	switch (cmd.type) {
		case 'say': {
			const room = typeof cmd.room === 'string' ? cmd.room : '';
			const seq = (seqs.get(room) ?? 0) + 1;
			seqs.set(room, seq);
			// The event and the ack as the hub makes them (stored-event.ts, outbox.ts).
			const text = typeof cmd.text === 'string' ? cmd.text : '';
			const event = storedForm({type: 'message', room, ts: now, from: nicks.get(peer) ?? '?', text}, seq, EPOCH).published;
			const list = events.get(room);
			if (list) list.push(event);
			else events.set(room, [event]);
			return ackFrame(typeof cmd.id === 'string' ? cmd.id : '', room, seq, EPOCH);
		}
		case 'hello':
			nicks.set(peer, typeof cmd.nick === 'string' ? cmd.nick : '?');
			return '{"type":"welcome","re":' + q(cmd.id) + ',"v":1,"nick":' + q(cmd.nick) + ',"epoch":"' + EPOCH + '","resumed":false,"rooms":[],"ttlMs":' + TTL_MS + '}';
		case 'history':
			return '{"type":"history","re":' + q(cmd.id) + ',"room":' + q(cmd.room) + ',"events":[],"more":false}';
		case 'ping':
			return '{"type":"pong","re":' + q(cmd.id) + ',"ts":' + now + ',"epoch":"' + EPOCH + '"}';
		case 'bye':
			nicks.delete(peer);
			return '{"type":"ok","re":' + q(cmd.id) + ',"command":"bye"}';
		default:
			return undefined;
	}
}

/** Spin for `us` µs of CPU. */
function burn(us: number): void {
	const until = performance.now() + us / 1000;
	while (performance.now() < until);
}

function onBatch(batch: Batch): void {
	let says = 0;
	for (const m of batch.messages) {
		const replies: string[] = [];
		for (const f of m.frames) {
			const r = answer(m.peer.id, f, batch.now);
			if (r !== undefined) replies.push(r);
		}
		if (replies.length > 0) door.send(m.peer, m.envelope, replies);
	}
	for (const [room, list] of events) {
		says += list.length;
		const topic = roomTopic(room);
		for (const chunk of feedMessages(list)) feed.queue(topic, chunk);
	}
	events.clear();
	if (burnUs > 0) burn(says * burnUs);
	feed.flush();
	for (const c of batch.closed) nicks.delete(c.peer.id);
	// The door writes the replies itself once this returns.
}

const door = await FrontDoor.listen({host, port: Number(flag('--sub', '0')), onBatch, log: line => process.stderr.write(`${line}\n`)});
const feed = await FeedServer.listen({host, port: Number(flag('--pub', '0')), limits: {maxQueuedMessages: 256}, log: line => process.stderr.write(`${line}\n`)});

if (process.argv.includes('--ready-json')) {
	process.stdout.write(JSON.stringify({zchat: 'hub', version: 'null', host, sub: door.port, pub: feed.port, serverKey: null, pid: process.pid, data: null}) + '\n');
}

let stopping = false;
const stop = () => {
	if (stopping) return;
	stopping = true;
	// How big its batches were (warm-up and measured runs together): small batches cost more a message.
	const s = door.stats();
	process.stderr.write(`null hub: ${s.messagesIn} messages in ${s.batches} batches (${(s.messagesIn / Math.max(1, s.batches)).toFixed(1)} a batch), feed dropped ${feed.stats().dropped}\n`);
	void Promise.all([door.stop(), feed.stop()]).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
