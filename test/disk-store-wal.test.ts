import assert from 'node:assert/strict';
import {statSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {DiskStore} from '../src/hub/disk-store.js';
import {tempDir} from './helpers/hub.js';

/**
 * The disk store's WAL under steady load (real SQLite, real files): PASSIVE checkpoints alone
 * never let it start over, so past its bound the hub's own connection restarts it.
 */

const MiB = 1024 * 1024;
const BOUND = MiB;
/** What may pile up between the checkpointer's look and the restart (measured: 1.5–1.7 MB in all at this rate). */
const MARGIN = 3 * MiB;
/** Commits a second: twice the bench's 1000 msg/s of one-message commits, ~15 KB of WAL each. */
const RATE = 2000;
/** Two seconds of them: ~60 MB of WAL when it never starts over. */
const COMMITS = 4000;

interface Run {
	readonly commits: number;
	readonly maxWal: number;
	readonly restarts: number;
}

/**
 * Commit one message at a time at RATE a second, never pausing longer than a timer's tick (too
 * short for a checkpoint to catch up), watching the WAL's size.
 */
async function writeSteadily(walBound: number, enough: (store: DiskStore, commits: number) => boolean): Promise<Run> {
	const dir = tempDir('zchat-wal-');
	const logged: string[] = [];
	const store = await DiskStore.open({dataDir: dir.path, checkpointEveryMs: 20, walBound, log: line => logged.push(line)});
	const wal = join(dir.path, 'zchat.db-wal');
	let commits = 0;
	let maxWal = 0;
	const start = Date.now();
	const deadline = start + 60_000;
	try {
		while (!enough(store, commits)) {
			assert.ok(Date.now() < deadline, `timed out after 60 s: ${commits} commits, ${store.walRestarts} restarts`);
			// Catch up with the rate, but in runs of at most 20 when the machine is slow.
			const due = Math.min(((Date.now() - start) * RATE) / 1000, commits + 20);
			for (; commits < due; commits++) {
				store.append([{event: {type: 'message', room: 'lobby', ts: commits, from: 'alice', text: `message ${commits}`}, origin: `s:${commits}`}]);
			}
			maxWal = Math.max(maxWal, statSync(wal, {throwIfNoEntry: false})?.size ?? 0);
			await new Promise(resolve => setTimeout(resolve, 1));
		}
		assert.deepEqual(logged, []);
		return {commits, maxWal, restarts: store.walRestarts};
	} finally {
		await store.close();
		dir.remove();
	}
}

test('past its bound the WAL is started over while commits keep coming', async () => {
	const run = await writeSteadily(BOUND, (store, commits) => commits >= COMMITS && store.walRestarts >= 3);
	assert.ok(run.restarts >= 3);
	assert.ok(run.maxWal < BOUND + MARGIN, `the WAL reached ${run.maxWal} bytes (bound ${BOUND}, ${run.restarts} restarts in ${run.commits} commits)`);
});

test('without the restart the same load grows the WAL past that (what the first test would catch)', async () => {
	const run = await writeSteadily(1024 * MiB, (_store, commits) => commits >= COMMITS);
	assert.equal(run.restarts, 0);
	assert.ok(run.maxWal > BOUND + MARGIN, `the WAL stayed at ${run.maxWal} bytes in ${run.commits} commits`);
});
