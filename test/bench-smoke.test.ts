import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {checkTargets, formatReport} from '../src/bench/report.js';
import {runSuite, type SuiteResult, type SuiteSettings} from '../src/bench/suite.js';
import {spawnHubTarget} from '../bench/hub-target.js';
import {measureRelayFanout} from '../bench/relay-bench.js';
import {spawnForwarder} from '../src/bench/targets.js';
import {spawnHub, spawnZchat, type Proc} from './helpers/cli.js';
import {freePorts} from './helpers/faults.js';

/**
 * A smoke run of the benchmark, so that it cannot rot: the real suite with a tiny
 * configuration (a few seconds), against a real hub and a real forwarder, checked for sane
 * figures and for nothing lost or duplicated. `npm run bench` is the measurement; this only
 * proves it still works.
 */

const procs: Proc[] = [];
after(() => {
	for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
});

const TINY: SuiteSettings = {
	rounds: 1,
	configs: [{senders: 2, subscribers: 2}],
	botConfigs: [{senders: 2, subscribers: 2}],
	throughputMs: 300,
	warmupMs: 200,
	rates: [500],
	latencyMs: 300,
	clients: 20,
	probes: 3,
	window: 64,
	subscriberProcs: 1,
	nice: 10,
};

function assertSane(result: SuiteResult): void {
	const row = result.throughput[0]!;
	const z = row.cells.zchat?.median;
	const b = row.cells['forwarder-batched']?.median;
	assert.deepEqual(row.cells.zchat?.errors, [], 'the zchat throughput run did not fail');
	assert.ok(z && b, 'both throughput runs produced figures');
	assert.ok(z.messages > 0 && z.msgPerSec > 100, `zchat moved messages (${z.msgPerSec} msg/s)`);
	assert.deepEqual({lost: z.lost, duplicated: z.duplicated, unacked: z.unacked, errors: z.errors}, {lost: 0, duplicated: 0, unacked: 0, errors: {}});
	assert.equal(b.lost + b.duplicated, 0, 'the batched forwarder lost nothing either');
	assert.ok(z.hubCpuUsPerMsg > 0 && z.hubCpuUsPerMsg < 10_000, `hub CPU per message is plausible (${z.hubCpuUsPerMsg} µs)`);
	assert.ok(z.resources.hub!.rssMb > 10 && z.resources.hub!.rssMb < 4096, `hub RSS is plausible (${z.resources.hub!.rssMb} MB)`);
	assert.ok(z.resources.senders.totalMs > 0 && z.resources.subscribers.totalMs > 0, 'the load generator’s CPU was measured');
	const bots = row.cells['zchat-bots']?.median;
	assert.ok(bots && bots.messages > 0, `spec-style bots moved messages (${row.cells['zchat-bots']?.errors.join('; ')})`);
	assert.deepEqual({lost: bots.lost, duplicated: bots.duplicated, unacked: bots.unacked}, {lost: 0, duplicated: 0, unacked: 0});

	const l = result.latency[0]!.cells.zchat?.median;
	assert.ok(l, `the latency run produced figures (${result.latency[0]!.cells.zchat?.errors.join('; ')})`);
	assert.ok(l.samples >= 100, `enough samples (${l.samples})`);
	assert.ok(l.p50Ms > 0 && l.p50Ms <= l.p99Ms && l.p99Ms <= l.p999Ms && l.p999Ms < 5000, `latency percentiles in order (${l.p50Ms} ≤ ${l.p99Ms} ≤ ${l.p999Ms} ms)`);
	assert.ok(l.ackP50Ms > 0 && l.ackP50Ms <= l.ackP99Ms, `ack latency measured (${l.ackP50Ms}, ${l.ackP99Ms} ms)`);
	assert.equal(l.lost + l.duplicated, 0);

	const f = result.fanout!.cells.zchat?.median;
	assert.ok(f, `the fan-out run produced figures (${result.fanout!.cells.zchat?.errors.join('; ')})`);
	assert.equal(f.lost + f.duplicated, 0);
	assert.ok(f.probes >= 1 && f.p99Ms > 0 && f.p99Ms <= f.maxMs, `fan-out latency measured (p99 ${f.p99Ms} ms over ${f.probes} probes)`);
}

describe('bench smoke run', () => {
	test('npm run bench’s suite, tiny: a zchat hub and a batched forwarder give sane figures, nothing lost or duplicated', {timeout: 120_000}, async t => {
		const result = await runSuite(
			{'forwarder-batched': {start: () => spawnForwarder(true)}, zchat: {start: () => spawnHubTarget()}},
			TINY,
			'smoke',
			line => t.diagnostic(line),
		);
		assertSane(result);
		// The relay row, tiny: a hub and 3 relays, twice, with 6 subscribers (a few seconds).
		result.relayFanout = await measureRelayFanout({subscribers: 6, relays: 3, messages: 50, rounds: 1}, line => t.diagnostic(line));
		for (const [way, cell] of Object.entries({direct: result.relayFanout.direct, relayed: result.relayFanout.relayed})) {
			const x = cell.median;
			assert.ok(x, `the relay fan-out run ${way} produced figures (${cell.errors.join('; ')})`);
			assert.equal(x.lost, 0, `${way}: every subscriber got every say`);
			assert.ok(x.deliveriesPerSec > 0 && x.reachAllP50Ms > 0 && x.reachAllP50Ms <= x.reachAllP99Ms, `${way}: deliveries and reach-all measured (${JSON.stringify(x)})`);
			assert.ok(x.hubCpuUsPerMsg >= 0, `${way}: the hub's CPU was read`);
			assert.equal(Number.isFinite(x.relayCpuUsPerMsg), way === 'relayed', `${way}: relays' CPU only when there are relays`);
		}
		const report = formatReport(result);
		assert.match(report, /Throughput/);
		assert.match(report, /^Spec-style bots/m);
		assert.match(report, /^Targets: what zchat aims for/m);
		assert.match(report, /^Fan-out through relays: 1 sender → 6 CURVE subscribers/m);
		assert.match(report, /hub CPU a message over 3 relays < direct \(6 subscribers\), 0 lost/);
		assert.doesNotMatch(report, /issue \d/, 'the report names no issue numbers');
		assert.equal(checkTargets(result).length, 9);
	});

	test('zchat bench --json against a running hub, with its process for CPU and memory', {timeout: 90_000}, async () => {
		const hub = await spawnHub(['--quiet']);
		procs.push(hub.proc);
		const bench = spawnZchat([
			'bench', ...hub.args, '--hub-pid', String(hub.proc.child.pid), '--json',
			'--rounds', '1', '--configs', '2x2', '--duration', '0.3', '--warmup', '0', '--rates', '500', '--clients', '20',
		]);
		procs.push(bench);
		assert.equal(await bench.exited, 0, `zchat bench exits 0 (stderr: ${bench.stderr().slice(-500)})`);
		const result = JSON.parse(bench.stdout()) as SuiteResult;
		assert.equal(result.throughput[0]!.cells.forwarder, undefined, 'no baseline unless asked for');
		const z = result.throughput[0]!.cells.zchat!.median!;
		assert.ok(z.msgPerSec > 100 && z.lost === 0 && z.duplicated === 0, JSON.stringify(z));
		assert.ok(z.resources.hub!.rssMb > 10, 'the hub’s memory was read through --hub-pid');
		hub.proc.child.kill('SIGINT');
		assert.equal(await hub.proc.exited, 0, 'the hub is fine after the bench (its sessions ended with bye)');
	});

	test('zchat bench against a hub with a flood limit (the default): says at once what to do, exits 2', {timeout: 30_000}, async () => {
		// It used to run for minutes, refused at every line, and end "senders process did not answer".
		const hub = await spawnHub(['--quiet', '--rate-limit', '5/5']);
		procs.push(hub.proc);
		const started = Date.now();
		const bench = spawnZchat(['bench', ...hub.args, '--quick', '--clients', '0']);
		procs.push(bench);
		assert.equal(await bench.exited, 2, bench.stderr());
		assert.ok(Date.now() - started < 20_000, `it said so at once, not after minutes of refused runs (${Date.now() - started} ms)`);
		assert.equal(bench.stdout(), '');
		assert.match(bench.stderr(), /^zchat: the hub at tcp:\/\/127\.0\.0\.1:\d+ has a flood limit \(--rate-limit 5\/5: .*\)/);
		assert.match(bench.stderr(), /Start that hub with --rate-limit off to measure it, or run "npm run bench", which starts hubs of its own\n$/);
		assert.equal(bench.stderr().split('\n').length, 2, 'one line');
		hub.proc.child.kill('SIGINT');
		assert.equal(await hub.proc.exited, 0);
	});

	test('zchat bench with no hub there: says what to check, exits 1', {timeout: 30_000}, async () => {
		const [sub, pub] = await freePorts();
		const bench = spawnZchat(['bench', '--sub', String(sub), '--pub', String(pub), '--quick']);
		procs.push(bench);
		assert.equal(await bench.exited, 1);
		assert.match(bench.stderr(), new RegExp(`no zchat hub answered at tcp://127\\.0\\.0\\.1:${sub} within 3 s: start one \\(zchat hub\\), or check --host and --sub`));
	});
});
