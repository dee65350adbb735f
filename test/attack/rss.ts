/**
 * What a process holds and what a directory weighs: RSS and peak RSS from /proc/<pid>/status,
 * and the bytes of every file under a data directory (database, WAL, shared memory).
 */
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
	try {
		const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) / 1024 : undefined;
	} catch {
		return undefined; // the process is gone
	}
}

/** Resident memory of `pid` in MiB, or undefined when it is gone. */
export function rssMb(pid: number): number | undefined {
	return statusField(pid, 'VmRSS');
}

/** The most resident memory `pid` ever had, in MiB (the kernel's high-water mark). */
export function peakRssMb(pid: number): number | undefined {
	return statusField(pid, 'VmHWM');
}

/** Total size of the files under `dir` (0 when it does not exist). */
export function dirBytes(dir: string | undefined): number {
	if (dir === undefined) return 0;
	let total = 0;
	let entries: string[];
	try {
		entries = readdirSync(dir);
	} catch {
		return 0;
	}
	for (const name of entries) {
		const path = join(dir, name);
		try {
			const s = statSync(path);
			total += s.isDirectory() ? dirBytes(path) : s.size;
		} catch {
			// removed meanwhile (a WAL checkpoint)
		}
	}
	return total;
}

/** The median of a few readings taken `everyMs` apart: one reading can catch the GC mid-way. */
export async function settledRssMb(pid: number, readings = 5, everyMs = 40): Promise<number | undefined> {
	const values: number[] = [];
	for (let i = 0; i < readings; i++) {
		const v = rssMb(pid);
		if (v === undefined) return undefined;
		values.push(v);
		if (i < readings - 1) await new Promise(resolve => setTimeout(resolve, everyMs));
	}
	values.sort((a, b) => a - b);
	return values[Math.floor(values.length / 2)];
}
