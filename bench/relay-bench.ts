/**
 * The relay fan-out measurement (`npm run bench`'s relay row, and bench/relay-fanout.ts alone):
 * a real `zchat hub` with keys, one sender, N CURVE subscribers connected to it directly, then
 * the same N spread over R real `zchat relay` processes, in the same run.
 */
import {fork, type ChildProcess} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import * as zmq from 'zeromq';
import {spawnHub, spawnRelay, type Proc} from '../dev/zchat.js';
import {waitFor} from '../dev/wait.js';
import {nowUs} from '../src/bench/clock.js';
import {sourceAddress} from '../src/bench/loopback.js';
import type {RelayFanoutFigures, RelayFanoutRun, RelayFanoutSettings} from '../src/bench/relay-report.js';
import {combine, type Cell} from '../src/bench/suite.js';
import {generateKeyPair, writeKeyPair, type KeyPair} from '../src/keys.js';
import type {FromSubscribers, SubscriberSpec, ToSubscribers} from './relay-subscribers.js';

const SUBSCRIBERS = fileURLToPath(new URL('./relay-subscribers.js', import.meta.url));
/**
 * Says in flight: at most this many unacked, and at most this many not yet at every subscriber.
 * The sender goes as fast as the slowest subscriber takes them, and no queue on the way (the
 * hub's, a relay's) grows past what it keeps for a slow subscriber: what is measured is
 * delivery, not a queue dropping what it cannot hold.
 */
const WINDOW = 64;
/** Processes the subscribers are spread over. */
const CHILDREN = 2;
/** How long nothing may move (no ack, no delivery) before the says not yet everywhere count as lost. */
const QUIET_MS = 10_000;

interface Key {
	readonly file: string;
	readonly pair: KeyPair;
}

/** Every round measures both ways (the order alternating); figures are medians over the rounds. */
export async function measureRelayFanout(settings: RelayFanoutSettings, log: (line: string) => void = () => {}): Promise<RelayFanoutFigures> {
	const dir = mkdtempSync(join(tmpdir(), 'zchat-relay-bench-'));
	const key = (name: string): Key => {
		const pair = generateKeyPair();
		const file = join(dir, `${name}.key`);
		writeKeyPair(file, pair, {force: true});
		return {file, pair};
	};
	const hubKey = key('hub');
	const relayKeys = Array.from({length: settings.relays}, (_, i) => key(`relay-${i}`));
	const direct: Cell<RelayFanoutRun> = {rounds: [], errors: []};
	const relayed: Cell<RelayFanoutRun> = {rounds: [], errors: []};
	try {
		for (let round = 0; round < settings.rounds; round++) {
			const order = round % 2 === 0 ? [direct, relayed] : [relayed, direct];
			for (const cell of order) {
				const relays = cell === direct ? [] : relayKeys;
				const label = `relay fan-out, round ${round + 1}/${settings.rounds} · ${settings.subscribers} subscribers ${relays.length === 0 ? 'direct' : `over ${relays.length} relays`}`;
				try {
					const r = await run(settings, hubKey, relays);
					cell.rounds.push(r);
					log(`${label}: hub ${r.hubCpuUsPerMsg.toFixed(0)} µs/msg, ${Math.round(r.deliveriesPerSec)} deliveries/s, reach-all p50 ${r.reachAllP50Ms.toFixed(1)} ms, p99 ${r.reachAllP99Ms.toFixed(1)} ms, lost ${r.lost}`);
				} catch (err) {
					cell.errors.push(err instanceof Error ? err.message : String(err));
					log(`${label}: failed: ${cell.errors.at(-1)}`);
				}
			}
		}
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
	for (const cell of [direct, relayed]) if (cell.rounds.length > 0) cell.median = combine(cell.rounds);
	return {...settings, direct, relayed};
}

/** CPU time (user + system, all threads) of a process so far, in ms, from /proc. */
function cpuMs(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function run(settings: RelayFanoutSettings, hubKey: Key, relays: readonly Key[]): Promise<RelayFanoutRun> {
	const {subscribers: count, messages} = settings;
	const procs: Proc[] = [];
	const children: ChildProcess[] = [];
	let closing = false;
	const me = generateKeyPair();
	const sender = new zmq.Dealer({linger: 0, receiveHighWaterMark: 0, curveServerKey: hubKey.pair.publicKey, curvePublicKey: me.publicKey, curveSecretKey: me.secretKey});
	try {
		const hub = await spawnHub(['--quiet', '--key', hubKey.file, ...relays.flatMap(r => ['--relay', r.pair.publicKey])], {echoStderr: '[zchat hub] '});
		procs.push(hub.proc);
		const wheres: Array<{pub: number; serverKey: string}> = [];
		for (const r of relays) {
			const relay = await spawnRelay(['--upstream', `127.0.0.1:${hub.sub}:${hub.pub}`, '--server-key', hubKey.pair.publicKey, '--key', r.file, '--quiet'], {echoStderr: '[zchat relay] '});
			procs.push(relay.proc);
			wheres.push({pub: relay.pub, serverKey: r.pair.publicKey});
		}
		if (wheres.length === 0) wheres.push({pub: hub.pub, serverKey: hubKey.pair.publicKey});

		// Subscriber i on server i mod R, from loopback address i: no port sees more than one connection from an address.
		const specs: SubscriberSpec[][] = Array.from({length: CHILDREN}, () => []);
		for (let i = 0; i < count; i++) specs[i % CHILDREN]!.push({...wheres[i % wheres.length]!, from: sourceAddress('127.0.0.1', i)});
		const delivered = new Array<number>(CHILDREN).fill(0);
		const complete = new Array<number>(CHILDREN).fill(0);
		// Something moved (an ack, a subscriber process's progress): the sender looks again.
		let woken = false;
		let resolveWake: (() => void) | undefined;
		let childFailed: string | undefined;
		const wake = () => {
			woken = true;
			resolveWake?.();
		};
		let ready = 0;
		const collected: Array<Promise<{latest: number[]; counts: number[]}>> = [];
		const collectors: Array<(r: {latest: number[]; counts: number[]}) => void> = [];
		specs.forEach((spec, c) => {
			const child = fork(SUBSCRIBERS, [], {stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
			children.push(child);
			collected.push(new Promise(resolve => collectors.push(resolve)));
			child.on('exit', code => {
				if (!closing) childFailed = `a subscriber process exited (${code}) in the middle of the run`;
				wake();
			});
			child.on('message', (m: FromSubscribers) => {
				if (m.op === 'ready') ready++;
				else if (m.op === 'progress') {
					delivered[c] = m.delivered;
					complete[c] = m.complete;
					wake();
				}
				else collectors[c]!(m);
			});
			child.send({op: 'connect', subscribers: spec, messages} satisfies ToSubscribers);
		});

		sender.connect(`tcp://127.0.0.1:${hub.sub}`);
		await sender.send(JSON.stringify({type: 'hello', id: 'h', v: 1, nick: 'sender', session: 'bench-sender-session-secret', rooms: ['lobby']}));
		const replies = (async function* () {
			for await (const frames of sender) for (const f of frames) yield JSON.parse(f.toString()) as {type: string};
		})();
		const next = async (type: string) => {
			for (;;) if ((await replies.next()).value!.type === type) return;
		};
		await next('welcome');
		// Probes until every subscriber has one: all connected, and subscribed all the way up.
		let probe = 0;
		await waitFor(`every one of ${count} subscribers to get a probe`, async () => {
			await sender.send(JSON.stringify({type: 'say', id: `p${probe++}`, room: 'lobby', text: 'probe'}));
			await next('ack');
			if (childFailed) throw new Error(childFailed);
			return ready === CHILDREN;
		}, 180_000, 200);

		const cpu0 = procs.map(p => cpuMs(p.child.pid!));
		const sentAt = new Float64Array(messages);
		const t0 = nowUs() / 1000;
		let acked = 0;
		let sent = 0;
		void (async () => {
			try {
				for (let r = await replies.next(); !r.done; r = await replies.next()) {
					if (r.value.type === 'ack') acked++;
					wake();
				}
			} catch {
				// the sender closed
			}
		})();
		const reachedAll = () => Math.min(...complete);
		let lastChange = Date.now();
		let lastState = '';
		while (acked < messages || reachedAll() < messages) {
			while (sent < messages && sent - acked < WINDOW && sent - reachedAll() < WINDOW) {
				sentAt[sent] = nowUs() / 1000;
				await sender.send(JSON.stringify({type: 'say', id: `m${sent}`, room: 'lobby', text: `m${sent}`}));
				sent++;
			}
			if (childFailed) throw new Error(childFailed);
			const state = `${acked}/${reachedAll()}/${delivered.join()}`;
			if (state !== lastState) [lastState, lastChange] = [state, Date.now()];
			else if (Date.now() - lastChange > QUIET_MS) break;
			// An ack, a subscriber process's progress, or a second: whichever comes first.
			if (!woken) {
				await new Promise<void>(resolve => {
					const timer = setTimeout(resolve, 1000);
					resolveWake = () => {
						clearTimeout(timer);
						resolve();
					};
				});
			}
			woken = false;
			resolveWake = undefined;
		}
		const expected = count * messages;
		if (acked < messages) throw new Error(`the hub acked ${acked} of ${messages} says and then nothing for ${QUIET_MS / 1000} s`);
		const cpu = procs.map((p, i) => cpuMs(p.child.pid!) - cpu0[i]!);
		closing = true;
		for (const child of children) child.send({op: 'collect'} satisfies ToSubscribers);
		const parts = await Promise.all(collected);
		const latest = parts.reduce((a, b) => a.map((x, i) => Math.max(x, b.latest[i]!)), new Array<number>(messages).fill(0));
		const counts = parts.reduce((a, b) => a.map((x, i) => x + b.counts[i]!), new Array<number>(messages).fill(0));
		const got = counts.reduce((a, b) => a + b, 0);
		const reach = latest.flatMap((t, i) => (counts[i] === count ? [t - sentAt[i]!] : [])).sort((a, b) => a - b);
		const pct = (p: number) => (reach.length === 0 ? NaN : reach[Math.min(reach.length - 1, Math.floor(reach.length * p))]!);
		const relayCpu = cpu.slice(1).map(ms => (ms * 1000) / messages);
		return {
			hubCpuUsPerMsg: (cpu[0]! * 1000) / messages,
			deliveriesPerSec: got / ((Math.max(...latest) - t0) / 1000),
			reachAllP50Ms: pct(0.5),
			reachAllP99Ms: pct(0.99),
			lost: expected - got,
			relayCpuUsPerMsg: relayCpu.length === 0 ? NaN : relayCpu.reduce((a, b) => a + b, 0) / relayCpu.length,
			relayCpuMaxUsPerMsg: relayCpu.length === 0 ? NaN : Math.max(...relayCpu),
		};
	} finally {
		closing = true;
		sender.close();
		for (const c of children) c.kill('SIGKILL');
		for (const p of procs.reverse()) {
			p.child.kill('SIGTERM');
			await p.exited;
		}
	}
}
