import {MAX_FRAMES} from '../protocol/limits.js';
import {Sender} from './bench-sender.js';
import {Subscriber, SubscriberShared} from './bench-subscriber.js';
import {nowUs, sleep} from './clock.js';
import {sourceAddress} from './loopback.js';
import type {CollectResult, Reply, Request, SendResult} from './protocol.js';

/**
 * A load-generator process of the bench, forked by the orchestrator (loadgen.ts) and driven
 * over IPC. It speaks the zchat protocol with bare sockets rather than through the real
 * Client: the bench measures the hub, so the load generator must cost as little as possible
 * per message (no reducer, no JSON parse of feed events, one byte search per line).
 * The sender and subscriber it drives are in bench-sender.ts and bench-subscriber.ts.
 */

const senders: Sender[] = [];
const subscribers: Subscriber[] = [];
/** Idle clients' sessions: a DEALER per subscriber that said hello. */
const sessions: Sender[] = [];
const shared = new SubscriberShared();
let warmupTimer: NodeJS.Timeout | undefined;
let pingTimer: NodeJS.Timeout | undefined;

async function handle(req: Request): Promise<unknown> {
	switch (req.op) {
		case 'senders': {
			const made = Array.from({length: req.count}, (_, i) => new Sender(req.where, req.firstIndex + i, `${req.where.nickPrefix}s${req.firstIndex + i}`));
			senders.push(...made);
			if (req.where.kind === 'zchat') await Promise.all(made.map(s => s.hello([req.where.room])));
			return null;
		}
		case 'subscribers': {
			if (req.sessions && req.where.kind === 'zchat') {
				// Sessions first, then the feed: a thousand join events need not be fanned out to a thousand subscribers.
				const made = Array.from({length: req.count}, (_, i) => new Sender(req.where, -1, `${req.where.nickPrefix}i${req.firstIndex + i}`, sourceAddress(req.where.address.host, req.firstIndex + i)));
				sessions.push(...made);
				const ttls = await inChunks(made, 100, s => s.hello([req.where.room]));
				const every = Math.max(100, Math.min(...ttls) / 4);
				pingTimer = setInterval(() => sessions.forEach(s => void s.ping().catch(() => {})), every);
			} else if (req.sessions) {
				// A bare forwarder has no sessions; connect a DEALER anyway, so it holds as many connections as a hub would.
				sessions.push(...Array.from({length: req.count}, () => new Sender(req.where, -1, '')));
			}
			// Idle clients' SUBs come from their sessions' addresses: a hub takes at most 256 connections from one address a port.
			const from = (i: number) => (req.sessions ? sourceAddress(req.where.address.host, req.firstIndex + i) : undefined);
			subscribers.push(...Array.from({length: req.count}, (_, i) => new Subscriber(req.where, shared, from(i))));
			return null;
		}
		case 'warmup': {
			const first = senders[0];
			if (!first) throw new Error('warmup: this worker has no senders');
			warmupTimer = setInterval(() => void first.sendWarmup().catch(() => {}), req.everyMs);
			return null;
		}
		case 'stopWarmup':
			clearInterval(warmupTimer);
			return null;
		case 'ready': {
			const deadline = Date.now() + req.timeoutMs;
			while (!subscribers.every(s => s.warmedUp)) {
				if (Date.now() > deadline) {
					const cold = subscribers.filter(s => !s.warmedUp).length;
					throw new Error(`${cold} of ${subscribers.length} subscribers got nothing within ${req.timeoutMs} ms: is the hub's PUB port (--pub) right?`);
				}
				await sleep(5);
			}
			return null;
		}
		case 'start':
			for (const s of subscribers) s.reset();
			shared.firstRecvUs = shared.lastRecvUs = 0;
			shared.latency = req.latency ? [] : undefined;
			shared.slowest = req.latency ? new Map() : undefined;
			return null;
		case 'send':
			return send(req);
		case 'collect':
			return collect(req);
		case 'close':
			clearInterval(warmupTimer);
			clearInterval(pingTimer);
			await Promise.all([...senders, ...sessions].map(s => s.close()));
			await Promise.all(subscribers.map(s => s.close()));
			return null;
	}
}

async function send(req: Extract<Request, {op: 'send'}>): Promise<SendResult> {
	const ackLatency: number[] = [];
	for (const s of senders) s.ackLatency = req.ackLatency ? ackLatency : undefined;
	const start = nowUs();
	const end = start + req.durationMs * 1000;
	const perSender = req.rate / Math.max(1, senders.length);
	let lastSendUs = start;
	await Promise.all(
		senders.map(async s => {
			const zchat = s.where.kind === 'zchat';
			if (req.mode === 'max') {
				for (let now = start; now < end; now = nowUs()) {
					if (!zchat) {
						for (let i = 0; i < 64; i++) await s.sendNext();
						continue;
					}
					while (s.inflight >= req.window) await s.nextReply();
					// What the window allows goes at once: in messages of up to 16 frames, or a message a line.
					if (req.style === 'spec') await s.sendNext();
					else await s.sendBurst(Math.min(MAX_FRAMES, req.window - s.inflight));
				}
			} else {
				for (let now = start; now < end; now = nowUs()) {
					const due = Math.floor(((now - start) / 1e6) * perSender) + 1;
					while (s.sent < due && !(zchat && s.inflight >= req.window)) await s.sendNext();
					const next = start + (s.sent / perSender) * 1e6;
					await sleep(Math.max(0, Math.min(end, next) - nowUs()) / 1000);
				}
			}
			lastSendUs = Math.max(lastSendUs, nowUs());
			if (zchat) {
				const deadline = nowUs() + 15e6;
				while (s.inflight > 0 && nowUs() < deadline) await Promise.race([s.nextReply(), sleep(100)]);
			}
		}),
	);
	for (const s of senders) s.ackLatency = undefined;
	return {
		senders: senders.map(s => s.tally()),
		firstSendUs: start,
		lastSendUs,
		lastAckUs: Math.max(lastSendUs, ...senders.map(s => s.lastAckUs)),
		ackLatencyUs: ackLatency,
	};
}

/** Subscribers behind ask for the rest of the history; true if any got something. */
async function catchUp(behind: readonly Subscriber[]): Promise<boolean> {
	const before = behind.reduce((s, x) => s + x.unique, 0);
	await Promise.all(behind.map(x => x.repair()));
	return behind.reduce((s, x) => s + x.unique, 0) > before;
}


async function collect(req: Extract<Request, {op: 'collect'}>): Promise<CollectResult> {
	const total = req.expected.reduce((s, t) => s + t.sent - t.unacked.length, 0);
	const deadline = Date.now() + req.deadlineMs;
	let lastCount = -1;
	let lastChange = Date.now();
	for (;;) {
		const count = subscribers.reduce((s, x) => s + x.unique, 0);
		if (subscribers.every(x => x.unique >= total)) break;
		if (count !== lastCount) {
			lastCount = count;
			lastChange = Date.now();
		} else if (Date.now() - lastChange > req.quietMs) {
			// A zchat client learns the room's head from its pings and fetches a lost tail.
			const behind = subscribers.filter(x => x.unique < total);
			if (behind.length === 0 || !(await catchUp(behind))) break;
			lastChange = Date.now();
		}
		if (Date.now() > deadline) break;
		await sleep(5);
	}
	return {
		subscribers: subscribers.map(s => s.tally(req.expected)),
		firstRecvUs: shared.firstRecvUs,
		lastRecvUs: shared.lastRecvUs,
		latencyUs: shared.latency ?? [],
		slowestUs: Object.fromEntries(shared.slowest ?? []),
	};
}

async function inChunks<T, R>(items: readonly T[], size: number, f: (item: T) => Promise<R>): Promise<R[]> {
	const out: R[] = [];
	for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(f))));
	return out;
}


process.on('message', (msg: {id: number; req: Request}) => {
	void handle(msg.req).then(
		result => process.send!({id: msg.id, ok: true, result} satisfies Reply),
		(err: unknown) => process.send!({id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err)} satisfies Reply),
	);
});
// The orchestrator went away: nothing left to do.
process.on('disconnect', () => process.exit(0));
