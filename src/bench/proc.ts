import {readdirSync, readFileSync} from 'node:fs';

/**
 * CPU and memory of a process on this machine, from /proc (Linux). CPU time comes from each
 * thread's schedstat, in nanoseconds, split by thread: the JavaScript main thread, libzmq's
 * background threads (ZMQbg/IO, ZMQbg/Reaper) and the rest (V8's GC helpers, libuv's pool).
 * schedstat also says how long each thread was ready to run but waited for a core, which is
 * how the bench shows that the load generator took CPU the hub wanted.
 */
export interface ProcSample {
	readonly pid: number;
	/** nowUs() when taken. */
	readonly atUs: number;
	readonly threads: ReadonlyMap<number, ThreadSample>;
	/** Resident memory now, and at its peak so far (VmHWM), in KiB. */
	readonly rssKb: number;
	readonly peakRssKb: number;
}

interface ThreadSample {
	readonly group: ThreadGroup;
	readonly cpuNs: number;
	readonly waitNs: number;
}

export type ThreadGroup = 'main' | 'zmq' | 'other';

/** CPU used between two samples of one process, in milliseconds, by thread group. */
export interface CpuUse {
	readonly wallMs: number;
	readonly totalMs: number;
	readonly mainMs: number;
	readonly zmqMs: number;
	readonly otherMs: number;
	/** Time threads were runnable but had no core. */
	readonly waitMs: number;
}

/** Sample a process; undefined when it is gone or /proc cannot tell (not Linux). */
export function sampleProc(pid: number, atUs: number): ProcSample | undefined {
	try {
		const threads = new Map<number, ThreadSample>();
		for (const name of readdirSync(`/proc/${pid}/task`)) {
			const tid = Number(name);
			try {
				const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
				const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
				const group: ThreadGroup = tid === pid ? 'main' : comm.startsWith('ZMQbg') ? 'zmq' : 'other';
				threads.set(tid, {group, cpuNs: Number(cpu), waitNs: Number(wait)});
			} catch {
				// the thread ended while we looked
			}
		}
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		return {pid, atUs, threads, rssKb: statusKb(status, 'VmRSS'), peakRssKb: statusKb(status, 'VmHWM')};
	} catch {
		return undefined;
	}
}

export function cpuBetween(a: ProcSample, b: ProcSample): CpuUse {
	const by = {main: 0, zmq: 0, other: 0};
	let wait = 0;
	for (const [tid, t] of b.threads) {
		const before = a.threads.get(tid);
		by[t.group] += t.cpuNs - (before?.cpuNs ?? 0);
		wait += t.waitNs - (before?.waitNs ?? 0);
	}
	const ms = (ns: number) => ns / 1e6;
	return {
		wallMs: (b.atUs - a.atUs) / 1000,
		totalMs: ms(by.main + by.zmq + by.other),
		mainMs: ms(by.main),
		zmqMs: ms(by.zmq),
		otherMs: ms(by.other),
		waitMs: ms(wait),
	};
}

/** Add CPU uses of several processes (the load generator's workers). */
export function sumCpu(uses: readonly CpuUse[]): CpuUse {
	const sum = (k: keyof CpuUse) => uses.reduce((s, u) => s + u[k], 0);
	return {
		wallMs: Math.max(0, ...uses.map(u => u.wallMs)),
		totalMs: sum('totalMs'),
		mainMs: sum('mainMs'),
		zmqMs: sum('zmqMs'),
		otherMs: sum('otherMs'),
		waitMs: sum('waitMs'),
	};
}

/** The whole machine's CPU time so far (every core, every process), from /proc/stat. */
export interface MachineSample {
	readonly busyMs: number;
	readonly totalMs: number;
}

/** Clock ticks per second of /proc/stat (USER_HZ: 100 on every Linux this runs on). */
const USER_HZ = 100;

export function sampleMachine(): MachineSample | undefined {
	try {
		const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
		const ticks = first.trim().split(/\s+/).slice(1).map(Number);
		// user nice system idle iowait irq softirq steal …
		const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
		const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
		return {busyMs: ((total - idle) * 1000) / USER_HZ, totalMs: (total * 1000) / USER_HZ};
	} catch {
		return undefined;
	}
}

function statusKb(status: string, key: string): number {
	const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
	return m ? Number(m[1]) : NaN;
}
