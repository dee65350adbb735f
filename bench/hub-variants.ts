/**
 * `node dist/bench/hub-variants.js`: the zchat hub run with different node flags (or `zchat hub`
 * flags) against the batched bare forwarder, in interleaved rounds of the same throughput run:
 * how much a flag costs or saves, in msg/s and hub CPU a message, split by thread.
 *
 *   node dist/bench/hub-variants.js --variant 'v8 defaults=--semi-space-growth-factor=2 --no-optimize-for-size'
 *   node dist/bench/hub-variants.js --bots --senders 4 --subscribers 4 --rounds 5 --variant 'memory=@--memory'
 *   node dist/bench/hub-variants.js --bots --rounds 5 --variant 'main=bin:/work/main/bin/zchat.js'
 *   node dist/bench/hub-variants.js --bots --rounds 5 --variant 'null=bin:dist/bench/null-hub.js'  (the ceiling: bench/null-hub.ts)
 *
 * Each round warms every target with an unmeasured run of the same load first (--warmup).
 * A variant is `label=flags` (bench/hub-target.ts, hubVariant): node flags, after `@` the hub's own
 * flags, after `env:` one NAME=value for the hub's environment, or after `bin:` another
 * checkout's built bin/zchat.js (`main=bin:/work/main/bin/zchat.js`). The hub as it ships
 * is always measured too ("as shipped"), and the forwarder as the baseline of the ratios.
 */
import {Command, Option} from '@commander-js/extra-typings';
import {parseCount, parseSeconds} from '../src/cli/options.js';
import {throughput, type ThroughputResult} from '../src/bench/scenarios.js';
import {spawnForwarder} from '../src/bench/targets.js';
import {median} from '../src/bench/stats.js';
import {hubVariant, spawnHubTarget, type HubVariant} from './hub-target.js';

const program = new Command('hub-variants')
	.description('the zchat hub with different flags against the batched bare forwarder, interleaved rounds')
	.addOption(new Option('--variant <label=flags>', 'a hub variant (repeat)').argParser((v, prev: string[] = []) => [...prev, v]))
	.addOption(new Option('--senders <n>').default(1).argParser(parseCount(1, 64)))
	.addOption(new Option('--subscribers <n>').default(1).argParser(parseCount(1, 256)))
	.addOption(new Option('--duration <seconds>').default(2000, '2').argParser(parseSeconds(0.5, 600)))
	.addOption(new Option('--warmup <seconds>', 'an unmeasured run of the same load first (0: cold)').default(1000, '1').argParser(parseSeconds(0, 600)))
	.addOption(new Option('--rounds <n>').default(3).argParser(parseCount(1, 50)))
	.addOption(new Option('--window <n>').default(256).argParser(parseCount(1, 100_000)))
	.addOption(new Option('--bots', 'spec-style senders: a message a line'))
	.action(async opts => {
		const variants: HubVariant[] = [
			{label: 'batched forwarder', start: () => spawnForwarder(true)},
			{label: 'as shipped', start: () => spawnHubTarget()},
			...(opts.variant ?? []).map(hubVariant),
		];
		const results = new Map<string, ThroughputResult[]>(variants.map(v => [v.label, []]));
		for (let round = 1; round <= opts.rounds; round++) {
			for (const v of variants) {
				const target = await v.start();
				try {
					const run = (durationMs: number) =>
						throughput(target, {
							senders: opts.senders,
							subscribers: opts.subscribers,
							durationMs,
							window: opts.window,
							subscriberProcs: Math.min(2, opts.subscribers),
							nice: 10,
							...(opts.bots && v.label !== 'batched forwarder' ? {style: 'spec' as const} : {}),
						});
					if (opts.warmup > 0) await run(opts.warmup);
					const r = await run(opts.duration);
					results.get(v.label)!.push(r);
					const us = (ms: number) => ((ms * 1000) / r.messages).toFixed(1);
					process.stderr.write(
						`round ${round} · ${v.label}: ${Math.round(r.msgPerSec)} msg/s, ${r.hubCpuUsPerMsg.toFixed(1)} µs/msg, ${r.messages} messages, lost ${r.lost}, dup ${r.duplicated}, repaired ${r.repaired}, unacked ${r.unacked}` +
							` · senders ${us(r.resources.senders.totalMs)} µs/msg, subscribers ${us(r.resources.subscribers.totalMs)}, others ${us(r.resources.othersMs)}\n`,
					);
				} finally {
					await target.stop();
				}
			}
		}
		const base = median(results.get('batched forwarder')!.map(r => r.msgPerSec));
		const baseCpu = median(results.get('batched forwarder')!.map(r => r.hubCpuUsPerMsg));
		process.stdout.write(`${opts.senders}×${opts.subscribers}, ${opts.bots ? 'spec-style bots' : "zchat's batching sender"}, ${opts.rounds} rounds, medians\n`);
		process.stdout.write(`${'variant'.padEnd(22)} ${'msg/s'.padStart(9)} ${'÷fwd'.padStart(6)} ${'µs/msg'.padStart(7)} ${'÷fwd'.padStart(6)} ${'main'.padStart(6)} ${'other'.padStart(6)}\n`);
		for (const [label, rs] of results) {
			const n = (r: ThroughputResult) => r.messages;
			const rate = median(rs.map(r => r.msgPerSec));
			const cpu = median(rs.map(r => r.hubCpuUsPerMsg));
			const main = median(rs.map(r => ((r.resources.hub?.mainMs ?? NaN) * 1000) / n(r)));
			const other = median(rs.map(r => (((r.resources.hub?.otherMs ?? NaN) + (r.resources.hub?.zmqMs ?? 0)) * 1000) / n(r)));
			process.stdout.write(
				`${label.padEnd(22)} ${Math.round(rate).toString().padStart(9)} ${(rate / base).toFixed(2).padStart(6)} ${cpu.toFixed(1).padStart(7)} ${(cpu / baseCpu).toFixed(2).padStart(6)} ${main.toFixed(1).padStart(6)} ${other.toFixed(1).padStart(6)}\n`,
			);
		}
		// Each round's ratio to the forwarder of the same round: only these mean anything on a noisy machine.
		const fwd = results.get('batched forwarder')!;
		for (const [label, rs] of results) {
			if (label === 'batched forwarder') continue;
			const ratios = rs.map((r, i) => (fwd[i] ? (r.msgPerSec / fwd[i]!.msgPerSec).toFixed(2) : '-'));
			process.stdout.write(`${label} ÷fwd by round: ${ratios.join(' ')}\n`);
		}
	});

await program.parseAsync();
