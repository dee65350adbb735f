import {parentPort, workerData} from 'node:worker_threads';
import type {GuardThreadData, GuardThreadMessage} from './guard-thread.js';
import {ZmtpGuard} from './zmtp-guard.js';

/** The guard thread's side (guard-thread.ts): run the guard, report, stop when told. */
const port = parentPort!;
const post = (m: GuardThreadMessage) => port.postMessage(m);

try {
	const guard = await ZmtpGuard.listen({...(workerData as GuardThreadData), log: line => post({op: 'log', line})});
	post({op: 'listening', port: guard.port});
	port.on('message', () => {
		void guard.close().then(() => {
			post({op: 'closed'});
			port.close();
		});
	});
} catch (err) {
	const code = (err as NodeJS.ErrnoException).code;
	post({op: 'failed', message: (err as Error).message, ...(code === undefined ? {} : {code})});
	port.close();
}
