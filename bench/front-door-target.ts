/**
 * One echo server for bench/front-door.ts, in a process of its own: the front door on the main
 * thread, the front door on a worker thread (batches copied to the main thread and replies
 * back, as the hub would run it), or a bare zeromq.js ROUTER echo (the baseline).
 *
 *   node dist/bench/front-door-target.js door|door-worker|bare [--curve]
 *
 * Prints {"port":…,"serverKey":…}; on "stop" (stdin) prints {"cpuUs":…,"mainUs":…,"messages":…}
 * (process CPU, and the main thread's own CPU) and exits.
 */
import {readFileSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {Worker, isMainThread, parentPort, workerData} from 'node:worker_threads';
import * as zmq from 'zeromq';
import {FrontDoor} from '../src/hub/front-door/front-door.js';
import type {Envelope} from '../src/hub/front-door/types.js';
import {SendQueue} from '../src/zmq/send-queue.js';

type Kind = 'door' | 'door-worker' | 'bare';
/** What crosses between the worker and the main thread: [peer id, envelope, frames] per message. */
type Wire = Array<[number, Envelope, Uint8Array[]]>;

async function door(curve: {publicKey: string; secretKey: string} | undefined, onMessages: (batch: Wire, reply: (out: Wire) => void) => void): Promise<number> {
	const d: FrontDoor = await FrontDoor.listen({
		port: 0,
		...(curve ? {curve} : {}),
		onBatch: batch => onMessages(batch.messages.map(m => [m.peer.id, m.envelope, m.frames]), reply),
	});
	const reply = (out: Wire) => {
		for (const [id, envelope, frames] of out) d.send(id, envelope, frames);
		d.flush();
	};
	return d.port;
}

/**
 * CPU time of the main thread alone, in µs, from Linux's /proc (utime + stime of the task whose
 * id is the process id, in clock ticks of 10 ms): Node 20 has no per-thread CPU clock.
 */
function mainThreadCpuUs(): number {
	const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

if (!isMainThread) {
	// The worker: the door, its batches posted to the main thread (a copy), replies posted back.
	const port = parentPort!;
	let pending: ((out: Wire) => void) | undefined;
	const listening = await door(workerData as {publicKey: string; secretKey: string} | undefined, (batch, reply) => {
		pending = reply;
		port.postMessage(batch);
	});
	port.on('message', (out: Wire) => pending?.(out));
	port.postMessage({port: listening});
} else {
	const kind = process.argv[2] as Kind;
	const curve = process.argv.includes('--curve') ? zmq.curveKeyPair() : undefined;
	let messages = 0;
	let port: number;
	if (kind === 'door') {
		port = await door(curve, (batch, reply) => {
			messages += batch.length;
			reply(batch);
		});
	} else if (kind === 'door-worker') {
		const worker = new Worker(new URL(import.meta.url), {workerData: curve});
		port = await new Promise<number>(resolve => {
			worker.on('message', (m: Wire | {port: number}) => {
				if (!Array.isArray(m)) return resolve(m.port);
				messages += m.length;
				worker.postMessage(m);
			});
		});
		worker.unref();
	} else {
		const router = new zmq.Router({sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000, linger: 0, ...(curve ? {curveServer: true, curveSecretKey: curve.secretKey, curvePublicKey: curve.publicKey} : {})});
		await router.bind('tcp://127.0.0.1:0');
		port = Number(/:(\d+)$/.exec(router.lastEndpoint!)![1]);
		const queue = new SendQueue(router);
		void (async () => {
			try {
				for await (const msg of router) {
					messages++;
					queue.push(msg);
				}
			} catch {
				// closed
			}
		})();
	}
	const cpu0 = process.cpuUsage();
	const main0 = mainThreadCpuUs();
	process.stdout.write(JSON.stringify({port, serverKey: curve?.publicKey}) + '\n');
	createInterface({input: process.stdin}).on('line', () => {
		const cpu = process.cpuUsage(cpu0);
		// The main thread's CPU alone: where the hub core runs, the scarce resource.
		const mainUs = mainThreadCpuUs() - main0;
		process.stdout.write(JSON.stringify({cpuUs: cpu.user + cpu.system, mainUs, messages}) + '\n');
		process.exit(0);
	});
}
