/**
 * The hub's per-message work without sockets: a build's HubCore and disk store (its
 * dist/src/hub) in a child process, one session saying lines in batches as the command port
 * hands them over (one frame a command, a flush a batch); the child's CPU a message, all its
 * threads (the checkpointer's too). Builds alternate in each round, so a busy machine weighs
 * on all of them alike; far steadier than the whole hub's bench for A/B of core and storage.
 *
 *   npm run build && node dist/bench/core-store.js [--builds this,/tmp/main] [--batch 55] [--messages 100000] [--rounds 5] [--sessions 1]
 *
 * --sessions N: N sessions in the room take turns, a message each (as N senders' lines
 * interleave in a batch at 4×4). --memory: SQLite in memory (as `zchat hub --memory`), no
 * files and no checkpointer: steadier still for changes outside storage.
 */
import {execFile} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';

const {values} = parseArgs({
	options: {
		child: {type: 'string'},
		builds: {type: 'string', default: 'this'},
		batch: {type: 'string', default: '55'},
		messages: {type: 'string', default: '100000'},
		rounds: {type: 'string', default: '5'},
		sessions: {type: 'string', default: '1'},
		memory: {type: 'boolean', default: false},
	},
});
const THIS = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const batch = Number(values.batch);
const messages = Number(values.messages);
const sessions = Number(values.sessions);

/** In the child: run the load against the build at `root`, print µs of CPU a message. */
async function child(root: string): Promise<void> {
	const {HubCore} = (await import(pathToFileURL(join(root, 'dist/src/hub/core.js')).href)) as typeof import('../src/hub/core.js');
	const {DiskStore} = (await import(pathToFileURL(join(root, 'dist/src/hub/disk-store.js')).href)) as typeof import('../src/hub/disk-store.js');
	const {Store} = (await import(pathToFileURL(join(root, 'dist/src/hub/store.js')).href)) as typeof import('../src/hub/store.js');
	const dir = values.memory ? undefined : mkdtempSync(join(tmpdir(), 'zchat-core-store-'));
	const store = dir === undefined ? new Store({historyLimit: 1_000_000}) : await DiskStore.open({dataDir: dir, historyLimit: 1_000_000});
	let now = Date.now();
	const core = new HubCore(store, now, {ttlMs: 600_000});
	const peers = Array.from({length: sessions}, (_, i) => Buffer.from([0, 0, 0, 0, 0, i + 1]));
	for (const [i, peer] of peers.entries()) {
		const hello = {type: 'hello', id: 'h', v: 1, nick: `bot${i + 1}`, session: `secret-of-the-core-store-bench-${i}`, rooms: ['load'], client: 'bench'};
		core.receive(peer, [Buffer.from(JSON.stringify(hello))], now, 'dealer');
	}
	core.flush();
	const text = 'x'.repeat(90);
	let id = 0;
	const round = () => {
		for (let i = 0; i < batch; i++) {
			id++;
			core.receive(peers[id % sessions]!, [Buffer.from(`{"type":"say","id":"m${id}","room":"load","text":"${text} ${id}"}`)], now, 'dealer');
		}
		core.flush();
	};
	for (let i = 0; i < messages / batch / 2; i++) round(); // warm
	const before = process.cpuUsage();
	for (let i = 0; i < messages / batch; i++) {
		now++;
		round();
	}
	const used = process.cpuUsage(before);
	await store.close();
	if (dir !== undefined) rmSync(dir, {recursive: true, force: true});
	process.stdout.write(JSON.stringify({us: (used.user + used.system) / messages}));
}

function run(root: string): Promise<number> {
	return new Promise((resolve, reject) => {
		execFile(process.execPath, [fileURLToPath(import.meta.url), '--child', root, '--batch', String(batch), '--messages', String(messages), '--sessions', String(sessions), ...(values.memory ? ['--memory'] : [])], (err, stdout) =>
			err ? reject(err) : resolve((JSON.parse(stdout) as {us: number}).us),
		);
	});
}

if (values.child !== undefined) {
	await child(values.child);
} else {
	const builds = values.builds.split(',').map(b => (b === 'this' ? THIS : b));
	const results = new Map<string, number[]>(builds.map(b => [b, []]));
	const load = loadavg()[0]!;
	for (let r = 0; r < Number(values.rounds); r++) {
		for (const b of r % 2 === 0 ? builds : [...builds].reverse()) results.get(b)!.push(await run(b));
	}
	const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
	process.stdout.write(`core + ${values.memory ? 'store in memory' : 'disk store'}, batches of ${batch}, ${sessions} session(s), ${messages} messages, ${values.rounds} rounds (load average ${load.toFixed(2)} before)\n`);
	for (const [b, xs] of results) process.stdout.write(`${median(xs).toFixed(1).padStart(6)} µs/msg (median; ${xs.map(x => x.toFixed(1)).join(' ')})  ${b}\n`);
}
