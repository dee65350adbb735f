/**
 * PUSH-PULL: a pusher hands out tasks, each to exactly one of its workers.
 *
 * Shows: fair round-robin among the workers that are connected (each gets the same share,
 * whatever it is busy with: a slow worker slows the whole batch); and the high-water mark:
 * with no worker to take them, a PUSH queues up to `sendHighWaterMark` messages, then
 * send() waits (it blocks, where a PUB would drop); nothing queued is lost, the next worker
 * to come gets it all.
 *
 * Run: npm run example -- push-pull
 */
import * as zmq from 'zeromq';
import {delay, errorCode, until} from './util.js';

const WORKERS = 3;
const TASKS = 30;
const SLOW_MS = 20;

// ---------------------------------------------------------------------------------------
console.log(`1. Round-robin: ${TASKS} tasks, ${WORKERS} workers`);
const push = new zmq.Push({linger: 0});
let handshakes = 0;
push.events.on('handshake', () => handshakes++);
await push.bind('tcp://127.0.0.1:*');
console.log(`   pusher bound to ${push.lastEndpoint}`);

interface Worker {
	readonly name: string;
	readonly socket: zmq.Pull;
	readonly tasks: number[];
	/** Milliseconds each task takes. */
	costMs: number;
}

const workers: Worker[] = ['w1', 'w2', 'w3'].map(name => {
	const socket = new zmq.Pull({linger: 0});
	socket.connect(push.lastEndpoint!);
	const worker: Worker = {name, socket, tasks: [], costMs: 0};
	void (async () => {
		for await (const [task] of socket) {
			if (worker.costMs > 0) await delay(worker.costMs); // the work
			worker.tasks.push(Number(task!.toString()));
		}
	})();
	return worker;
});
const total = () => workers.reduce((n, w) => n + w.tasks.length, 0);
// Wait until every worker is connected: a PUSH round-robins only among connected peers, so
// a worker still connecting gets no share of what is sent meanwhile.
await until('all workers to connect', () => handshakes === WORKERS);
for (let task = 1; task <= TASKS; task++) await push.send(String(task));
await until('all tasks to be done', () => total() === TASKS);
for (const w of workers) console.log(`   ${w.name} did ${w.tasks.length} tasks: ${w.tasks.join(' ')}`);
const shares = workers.map(w => w.tasks.length);
console.log(`   fair share: ${Math.max(...shares) - Math.min(...shares) <= 1} (${workers.map(w => w.name).join(', ')}, ${workers[0]!.name}, … in turn)`);

console.log(`\n   the same again with w3 taking ${SLOW_MS} ms per task and the others none:`);
for (const w of workers) w.tasks.length = 0;
workers[2]!.costMs = SLOW_MS;
const started = Date.now();
const fastDone: number[] = [];
for (let task = 1; task <= TASKS; task++) await push.send(String(task));
await until('the fast workers to finish', () => {
	if (workers[0]!.tasks.length + workers[1]!.tasks.length === (TASKS * 2) / WORKERS && fastDone.length === 0) fastDone.push(Date.now() - started);
	return total() === TASKS;
});
const elapsed = Date.now() - started;
console.log(`   w1 and w2 were done after ${fastDone[0]} ms and then idle; w3 still got its ${workers[2]!.tasks.length} tasks, done after ${elapsed} ms`);
console.log('   round-robin is by turn, not by who is free: for that, workers ask for work (ROUTER-based load balancing)');
for (const w of workers) w.socket.close();
push.close();

// ---------------------------------------------------------------------------------------
const HWM = 5;
console.log(`\n2. The high-water mark: a PUSH with sendHighWaterMark ${HWM} and no worker yet`);
// A free port: bind, read it, unbind. The pusher connects there before any worker exists.
const probe = new zmq.Pull({linger: 0});
await probe.bind('tcp://127.0.0.1:*');
const endpoint = probe.lastEndpoint!;
await probe.unbind(endpoint);
probe.close();

const pusher = new zmq.Push({linger: 0, sendHighWaterMark: HWM, sendTimeout: 200});
pusher.connect(endpoint);
let queued = 0;
for (;;) {
	try {
		await pusher.send(`task ${queued + 1}`);
		queued++;
	} catch (err) {
		console.log(`   queued ${queued} tasks, then send() #${queued + 1} waited: ${errorCode(err)} after our sendTimeout of 200 ms`);
		console.log('   (with no sendTimeout it waits for as long as it takes: a PUSH blocks, it does not drop)');
		break;
	}
}
const late = new zmq.Pull({linger: 0});
await late.bind(endpoint);
const got: string[] = [];
void (async () => {
	for await (const [task] of late) got.push(task!.toString());
})();
await until('the late worker to get the queued tasks', () => got.length === queued);
console.log(`   a worker then came up at ${endpoint}: it got all ${got.length} queued tasks (${got.join(', ')}), none lost`);
pusher.close();
late.close();

console.log(`
How zchat does it: chat is fan-out, not task distribution, so zchat has no PUSH-PULL. What
it takes from here is the high-water mark question: the hub's feed goes over PUB, which
drops messages for a subscriber whose queue is full instead of blocking the hub for
everyone; a client notices the gap in sequence numbers and fetches the rest from history.
Commands go over DEALER, which, like PUSH, blocks at the mark: zchat's send queue keeps one
send() pending per socket and the hub acks each message only once it is stored.`);
