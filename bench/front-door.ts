/**
 * `npm run bench:front-door`: the hub's own ZMTP server (src/hub/front-door/) against a bare
 * zeromq.js ROUTER echo, in the same run, with the same peers: 100-byte single-frame commands
 * from 1 and 4 zeromq.js DEALERs and from one pyzmq DEALER, NULL and CURVE. Each server runs in
 * a process of its own; the front door both on the main thread and on a worker thread (its
 * batches copied to the main thread, replies copied back). Medians of --rounds, rounds
 * interleaved so the machine's load falls on every server alike.
 *
 *   npm run bench:front-door [-- --rounds 3 --seconds 2 --json]
 */
import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';
import type {Readable} from 'node:stream';
import {fileURLToPath} from 'node:url';

const args = process.argv.slice(2);
const value = (flag: string, fallback: number) => {
	const i = args.indexOf(flag);
	return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROUNDS = value('--rounds', 3);
const SECONDS = value('--seconds', 2);
const WINDOW = value('--window', 500);
const TARGET = fileURLToPath(new URL('./front-door-target.js', import.meta.url));
const PEER = fileURLToPath(new URL('./front-door-peer.js', import.meta.url));

type Kind = 'bare' | 'door' | 'door-worker';
const KINDS: Kind[] = ['bare', 'door', 'door-worker'];
const LOADS = [
	{name: '1 zeromq.js DEALER', js: 1, py: 0},
	{name: '4 zeromq.js DEALERs', js: 4, py: 0},
	{name: '1 pyzmq DEALER', js: 0, py: 1},
] as const;

interface Figure {
	rate: number;
	/** Process CPU (every thread) per message. */
	cpuUsPerMessage: number;
	/** The main thread's own CPU per message (where the core would run). */
	mainUsPerMessage: number;
}

function lines(child: {readonly stdout: Readable}): () => Promise<string> {
	const queue: string[] = [];
	const waiting: Array<(line: string) => void> = [];
	createInterface({input: child.stdout}).on('line', line => {
		const w = waiting.shift();
		if (w) w(line);
		else queue.push(line);
	});
	return () => new Promise(resolve => (queue.length > 0 ? resolve(queue.shift()!) : waiting.push(resolve)));
}

function run(command: string, argv: string[]): Promise<{replies: number; seconds: number}> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, argv, {stdio: ['ignore', 'pipe', 'pipe']});
		let out = '';
		let err = '';
		child.stdout.on('data', d => (out += d));
		child.stderr.on('data', d => (err += d));
		const timer = setTimeout(() => child.kill('SIGKILL'), (SECONDS + 20) * 1000);
		child.on('exit', code => {
			clearTimeout(timer);
			try {
				resolve(JSON.parse(out.trim().split('\n').pop()!));
			} catch {
				reject(new Error(`${command} ${argv.join(' ')} exited ${code}: ${err.slice(-500)}`));
			}
		});
	});
}

const PYTHON_PEER = `
import json, sys, time, zmq
port, key, seconds, window = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER)
s.sndhwm = 100000; s.rcvhwm = 100000; s.linger = 0
if key != "-":
    pub, sec = zmq.curve_keypair()
    s.curve_serverkey = key.encode(); s.curve_publickey = pub; s.curve_secretkey = sec
s.connect("tcp://127.0.0.1:%d" % port)
payload = json.dumps({"type": "say", "id": "x" * 20, "room": "bench", "text": "y" * 40}).ljust(100).encode()
s.send(payload); s.recv()
poller = zmq.Poller(); poller.register(s, zmq.POLLIN)
start = time.time() + 0.3; end = start + seconds
inflight = 0; replies = 0
while True:
    now = time.time()
    if now >= end: break
    while inflight < window:
        s.send(payload); inflight += 1
    if poller.poll(50):
        while True:
            try: s.recv(zmq.NOBLOCK)
            except zmq.Again: break
            inflight -= 1
            if now >= start: replies += 1
print(json.dumps({"replies": replies, "seconds": seconds}))
`;

async function measure(kind: Kind, curve: boolean, load: (typeof LOADS)[number]): Promise<Figure> {
	const target = spawn(process.execPath, [TARGET, kind, ...(curve ? ['--curve'] : [])], {stdio: ['pipe', 'pipe', 'inherit']});
	const next = lines(target);
	const {port, serverKey} = JSON.parse(await next()) as {port: number; serverKey?: string};
	const peers = [
		...Array.from({length: load.js}, () => run(process.execPath, [PEER, '--port', String(port), ...(serverKey ? ['--server-key', serverKey] : []), '--seconds', String(SECONDS), '--window', String(WINDOW)])),
		...Array.from({length: load.py}, () => run('/usr/bin/python3', ['-c', PYTHON_PEER, String(port), serverKey ?? '-', String(SECONDS), String(WINDOW)])),
	];
	const results = await Promise.all(peers);
	target.stdin.write('stop\n');
	const {cpuUs, mainUs, messages} = JSON.parse(await next()) as {cpuUs: number; mainUs: number; messages: number};
	const n = Math.max(1, messages);
	return {rate: results.reduce((sum, r) => sum + r.replies / r.seconds, 0), cpuUsPerMessage: cpuUs / n, mainUsPerMessage: mainUs / n};
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const table: Array<{mechanism: string; load: string} & Record<Kind, Figure>> = [];
for (const curve of [false, true]) {
	for (const load of LOADS) {
		const samples: Record<Kind, Figure[]> = {bare: [], door: [], 'door-worker': []};
		for (let round = 0; round < ROUNDS; round++) {
			for (const kind of KINDS) {
				samples[kind].push(await measure(kind, curve, load));
				process.stderr.write('.');
			}
		}
		const row = {mechanism: curve ? 'CURVE' : 'NULL', load: load.name} as (typeof table)[number];
		for (const kind of KINDS) {
			const of = (pick: (f: Figure) => number) => median(samples[kind].map(pick));
			row[kind] = {rate: of(f => f.rate), cpuUsPerMessage: of(f => f.cpuUsPerMessage), mainUsPerMessage: of(f => f.mainUsPerMessage)};
		}
		table.push(row);
	}
}
process.stderr.write('\n');

if (args.includes('--json')) {
	process.stdout.write(JSON.stringify({rounds: ROUNDS, seconds: SECONDS, window: WINDOW, table}, null, 2) + '\n');
} else {
	const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
	const out = [
		`front door vs bare zeromq.js ROUTER echo: 100-byte one-frame commands, ${WINDOW} in flight per peer, medians of ${ROUNDS} × ${SECONDS} s`,
		'',
		'| mechanism | peers | bare msg/s | door (main) msg/s | × bare | door (worker) msg/s | × bare | process CPU µs/msg: bare / main / worker | main-thread CPU µs/msg: bare / main / worker |',
		'| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
		...table.map(r =>
			`| ${r.mechanism} | ${r.load} | ${k(r.bare.rate)} | ${k(r.door.rate)} | ${(r.door.rate / r.bare.rate).toFixed(2)} | ${k(r['door-worker'].rate)} | ${(r['door-worker'].rate / r.bare.rate).toFixed(2)} | ${[r.bare, r.door, r['door-worker']].map(f => f.cpuUsPerMessage.toFixed(1)).join(' / ')} | ${[r.bare, r.door, r['door-worker']].map(f => f.mainUsPerMessage.toFixed(1)).join(' / ')} |`,
		),
	];
	process.stdout.write(out.join('\n') + '\n');
}
