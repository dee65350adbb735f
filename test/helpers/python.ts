/** Debian's pyzmq (its own libzmq) run as a child process, for the interop tests of both ports. */
import {spawn} from 'node:child_process';

/** Run Python with Debian's pyzmq; resolves with its stdout (rejects on a non-zero exit or past the deadline). */
export function python(code: string, timeoutMs = 15_000): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn('/usr/bin/python3', ['-u', '-c', code], {stdio: ['ignore', 'pipe', 'pipe']});
		let out = '';
		let err = '';
		child.stdout.on('data', d => (out += d));
		child.stderr.on('data', d => (err += d));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.on('exit', code => {
			clearTimeout(timer);
			if (code === 0) resolve(out);
			else reject(new Error(`python exited ${code}: ${err.slice(-500)}`));
		});
	});
}
