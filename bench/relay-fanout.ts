/**
 * `node dist/bench/relay-fanout.js`: one hub (a real `zchat hub` process, with keys) and N
 * subscribers, connected to it directly against spread over R relays (real `zchat relay`
 * processes), in the same run: the hub's CPU a message, deliveries a second, reach-all p50/p99.
 *
 *   node dist/bench/relay-fanout.js [--subscribers 240] [--relays 3] [--messages 2000] [--children 2]
 *
 * (240 by default: the hub takes 256 connections from one address, and every subscriber here
 * is on 127.0.0.1.)
 */
import {fork} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import * as zmq from 'zeromq';
import {spawnHub, spawnRelay, type Proc} from '../dev/zchat.js';
import {waitFor} from '../dev/wait.js';
import {generateKeyPair, writeKeyPair, type KeyPair} from '../src/keys.js';

const args = process.argv.slice(2);
const value = (flag: string, fallback: number) => {
	const i = args.indexOf(flag);
	return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SUBSCRIBERS = value('--subscribers', 240);
const RELAYS = value('--relays', 3);
const MESSAGES = value('--messages', 2000);
const CHILDREN = value('--children', 2);
const WINDOW = 64;
const now = () => performance.timeOrigin + performance.now();

interface Where {
	readonly pub: number;
	readonly serverKey: string;
}

if (process.argv[2] === '--subscribers-child') {
	// Subscribers to the endpoints given: the latest arrival of each message index over all of them.
	const [spec, total] = [JSON.parse(process.argv[3]!) as Where[], Number(process.argv[4])];
	const latest = new Float64Array(total).fill(0);
	const firstProbe = new Set<number>();
	let got = 0;
	const subs = spec.map((w, i) => {
		const me = generateKeyPair();
		const s = new zmq.Subscriber({linger: 0, receiveHighWaterMark: 0, curveServerKey: w.serverKey, curvePublicKey: me.publicKey, curveSecretKey: me.secretKey});
		s.connect(`tcp://127.0.0.1:${w.pub}`);
		s.subscribe('#lobby:');
		void (async () => {
			for await (const frames of s) {
				const at = now();
				for (const f of frames.slice(1)) {
					const m = /"text":"(probe|m(\d+))"/.exec(f.toString('latin1'));
					if (!m) continue;
					if (m[1] === 'probe') {
						if (!firstProbe.has(i)) {
							firstProbe.add(i);
							if (firstProbe.size === spec.length) process.send!({ready: true});
						}
						continue;
					}
					const n = Number(m[2]);
					if (at > latest[n]!) latest[n] = at;
					if (++got === total * spec.length) process.send!({done: Array.from(latest)});
				}
			}
		})();
		return s;
	});
	process.on('message', m => {
		if (m === 'close') {
			for (const s of subs) s.close();
			process.exit(0);
		}
	});
} else {
	await main();
}

async function main(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), 'zchat-relay-bench-'));
	const key = (name: string): {file: string; pair: KeyPair} => {
		const pair = generateKeyPair();
		const file = join(dir, `${name}.key`);
		writeKeyPair(file, pair, {force: true});
		return {file, pair};
	};
	const hubKey = key('hub');
	const relayKeys = Array.from({length: RELAYS}, (_, i) => key(`relay-${i}`));
	console.log(`relay fan-out: 1 sender → ${SUBSCRIBERS} subscribers (CURVE, in ${CHILDREN} processes), ${MESSAGES} says of ~110 bytes, a window of ${WINDOW}`);
	try {
		for (const spread of [0, RELAYS]) {
			const r = await run(hubKey, relayKeys.slice(0, spread));
			const label = spread === 0 ? 'direct to the hub     ' : `over ${spread} relays          `;
			console.log(
				`  ${label} hub CPU ${r.hubCpuUs.toFixed(0).padStart(6)} µs a message · ${Math.round(r.deliveries).toLocaleString('en').padStart(9)} deliveries/s · reach-all p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms` +
					(r.relayCpuUs === undefined ? '' : ` · each relay ${r.relayCpuUs.toFixed(0)} µs a message`),
			);
		}
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

/** CPU time (user + system) of a process so far, in ms, from /proc. */
function cpuMs(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function run(hubKey: {file: string; pair: KeyPair}, relays: Array<{file: string; pair: KeyPair}>) {
	const procs: Proc[] = [];
	const hub = await spawnHub(['--key', hubKey.file, ...relays.flatMap(r => ['--relay', r.pair.publicKey])]);
	procs.push(hub.proc);
	const children: ReturnType<typeof fork>[] = [];
	const sender = new zmq.Dealer({linger: 0, receiveHighWaterMark: 0, ...curveTo(hubKey.pair.publicKey)});
	try {
		const wheres: Where[] = [];
		for (const r of relays) {
			const relay = await spawnRelay(['--upstream', `127.0.0.1:${hub.sub}:${hub.pub}`, '--server-key', hubKey.pair.publicKey, '--key', r.file, '-q']);
			procs.push(relay.proc);
			wheres.push({pub: relay.pub, serverKey: r.pair.publicKey});
		}
		if (wheres.length === 0) wheres.push({pub: hub.pub, serverKey: hubKey.pair.publicKey});
		const specs: Where[][] = Array.from({length: CHILDREN}, () => []);
		for (let i = 0; i < SUBSCRIBERS; i++) specs[i % CHILDREN]!.push(wheres[i % wheres.length]!);
		const ready: Promise<void>[] = [];
		const done: Promise<number[]>[] = [];
		for (const spec of specs) {
			const child = fork(fileURLToPath(import.meta.url), ['--subscribers-child', JSON.stringify(spec), String(MESSAGES)]);
			children.push(child);
			ready.push(new Promise(resolve => child.on('message', (m: {ready?: boolean}) => m.ready && resolve())));
			done.push(new Promise(resolve => child.on('message', (m: {done?: number[]}) => m.done && resolve(m.done))));
		}
		sender.connect(`tcp://127.0.0.1:${hub.sub}`);
		await sender.send(JSON.stringify({type: 'hello', id: 'h', v: 1, nick: 'sender', session: 'bench-sender-session-secret', rooms: ['lobby']}));
		const replies = (async function* () {
			for await (const frames of sender) for (const f of frames) yield JSON.parse(f.toString()) as {type: string; re?: string};
		})();
		const next = async (type: string) => {
			for (;;) {
				const r = (await replies.next()).value!;
				if (r.type === type) return r;
			}
		};
		await next('welcome');
		// Probes until every subscriber has one: all connected and subscribed all the way up.
		let allReady = false;
		void Promise.all(ready).then(() => (allReady = true));
		let probe = 0;
		await waitFor('every subscriber to get a probe', async () => {
			await sender.send(JSON.stringify({type: 'say', id: `p${probe++}`, room: 'lobby', text: 'probe'}));
			await next('ack');
			return allReady;
		}, 120_000, 200);
		const cpu0 = cpuMs(hub.proc.child.pid!);
		const relayCpu0 = procs.slice(1).map(p => cpuMs(p.child.pid!));
		const sentAt = new Float64Array(MESSAGES);
		const t0 = now();
		let acked = 0;
		let sent = 0;
		while (acked < MESSAGES) {
			while (sent < MESSAGES && sent - acked < WINDOW) {
				sentAt[sent] = now();
				await sender.send(JSON.stringify({type: 'say', id: `m${sent}`, room: 'lobby', text: `m${sent}`}));
				sent++;
			}
			await next('ack');
			acked++;
		}
		const latest = (await Promise.all(done)).reduce((a, b) => a.map((x, i) => Math.max(x, b[i]!)));
		const t1 = Math.max(...latest);
		const hubCpu = cpuMs(hub.proc.child.pid!) - cpu0;
		const relayCpu = procs.slice(1).map((p, i) => cpuMs(p.child.pid!) - relayCpu0[i]!);
		const reach = latest.map((t, i) => t - sentAt[i]!).sort((a, b) => a - b);
		return {
			hubCpuUs: (hubCpu * 1000) / MESSAGES,
			relayCpuUs: relayCpu.length === 0 ? undefined : (relayCpu.reduce((a, b) => a + b, 0) * 1000) / relayCpu.length / MESSAGES,
			deliveries: (SUBSCRIBERS * MESSAGES) / ((t1 - t0) / 1000),
			p50: reach[Math.floor(reach.length * 0.5)]!,
			p99: reach[Math.floor(reach.length * 0.99)]!,
		};
	} finally {
		sender.close();
		for (const c of children) c.kill('SIGKILL');
		for (const p of procs.reverse()) {
			p.child.kill('SIGTERM');
			await p.exited;
		}
	}
}

function curveTo(serverKey: string): {curveServerKey: string; curvePublicKey: string; curveSecretKey: string} {
	const me = generateKeyPair();
	return {curveServerKey: serverKey, curvePublicKey: me.publicKey, curveSecretKey: me.secretKey};
}
