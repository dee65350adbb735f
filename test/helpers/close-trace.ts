/**
 * A flight recorder for test processes: which test is running and every zeromq close step,
 * kept where a native abort cannot lose it, and printed only if the process dies without
 * exiting (SIGABRT from libzmq, a segfault). Imported for its effect by the socket helpers.
 *
 * Nothing in a process that libzmq aborts runs after the abort: no 'exit' handler, no signal
 * listener, no buffered write. So each step is written synchronously to a file before it is
 * taken, and a small shell process started beside the test holds the read end of a pipe whose
 * write end only this process has: when the process is gone (however it went) the shell reads
 * end-of-file, and if the file is still there (a clean exit removes it) prints its last lines
 * to the stderr both share, which the test runner shows with the failure.
 */
import {spawn} from 'node:child_process';
import {closeSync, openSync, unlinkSync, writeSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {afterEach, beforeEach} from 'node:test';
import {setCloseTracer} from '../../src/zmq/close.js';

const TAIL_LINES = 40;

let current = '(loading the test file)';

/** Install the recorder once per test process; outside `node --test` it does nothing. */
function install(): void {
	if (!process.env['NODE_TEST_CONTEXT'] || process.env['ZCHAT_NO_FLIGHT_RECORDER']) return;
	const file = join(tmpdir(), `zchat-close-trace-${process.pid}.log`);
	let fd: number;
	try {
		fd = openSync(file, 'w');
	} catch {
		return;
	}
	const script = [
		'cat >/dev/null',
		'[ -f "$1" ] || exit 0',
		`{ echo "zchat: the test process $2 ($3) died without exiting; what it was doing last (test, then zeromq close steps):"; tail -n ${TAIL_LINES} "$1"; } >&2`,
		'rm -f "$1"',
	].join('; ');
	const test = basename(process.argv[1] ?? 'a test file');
	const watcher = spawn('sh', ['-c', script, 'sh', file, String(process.pid), test], {stdio: ['pipe', 'inherit', 'inherit']});
	watcher.on('error', () => {});
	watcher.unref();
	(watcher.stdin as unknown as {unref?: () => void}).unref?.();
	const record = (line: string) => {
		try {
			writeSync(fd, `${new Date().toISOString().slice(11, 23)} [${current}] ${line}\n`);
		} catch {
			// the recorder must never be what fails a test
		}
	};
	setCloseTracer(record);
	// One parameter only: a hook taking two is waited on for its callback.
	beforeEach(t => {
		current = t.name;
		record('test starts');
	});
	afterEach(() => {
		current = `after "${current}"`;
	});
	process.on('exit', () => {
		try {
			closeSync(fd);
			unlinkSync(file);
		} catch {
			// already gone
		}
	});
}

install();
