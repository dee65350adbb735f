/**
 * `node dist/bench/latency-variants.js`: latency at one fixed rate (1 sender → 1 subscriber,
 * send → subscriber has it), the bare forwarder against the zchat hub as built here and any
 * variants (another build, flags), in interleaved rounds: the p99 target of issue 11 alone.
 *
 *   node dist/bench/latency-variants.js --rounds 7 --variant 'main=bin:/work/main/bin/zchat.js'
 *   node dist/bench/latency-variants.js --rate 100 --duration 3 --variant 'memory=@--memory'
 *
 * Variants are written as for hub-variants.js (bench/hub-target.ts, hubVariant). Each
 * measurement starts a fresh target and warms it with the same load first, as `npm run bench`
 * does. The table gives medians over the rounds, and each round's p99 over the forwarder's
 * of the same round (its median): the machine's noise moves both.
 */
import {Command, Option} from '@commander-js/extra-typings';
import {parseCount, parseSeconds} from '../src/cli/options.js';
import {latency, type LatencyResult} from '../src/bench/scenarios.js';
import {spawnForwarder} from '../src/bench/targets.js';
import {median} from '../src/bench/stats.js';
import {hubVariant, spawnHubTarget, type HubVariant} from './hub-target.js';

const FORWARDER = 'bare forwarder';

const program = new Command('latency-variants')
	.description('latency at a fixed rate: the bare forwarder, this hub and variants, interleaved rounds')
	.addOption(new Option('--variant <label=flags>', 'a hub variant (repeat)').argParser((v, prev: string[] = []) => [...prev, v]))
	.addOption(new Option('--rate <n>', 'messages a second').default(1000).argParser(parseCount(1, 100_000)))
	.addOption(new Option('--duration <seconds>').default(1500, '1.5').argParser(parseSeconds(0.5, 600)))
	.addOption(new Option('--warmup <seconds>', 'an unmeasured run of the same load first (0: cold)').default(1000, '1').argParser(parseSeconds(0, 600)))
	.addOption(new Option('--rounds <n>').default(5).argParser(parseCount(1, 50)))
	.addOption(new Option('--no-shipped', 'leave out the hub as built here (compare variants only)'))
	.action(async opts => {
		const variants: HubVariant[] = [
			{label: FORWARDER, start: () => spawnForwarder(false)},
			...(opts.shipped ? [{label: 'as built here', start: () => spawnHubTarget()}] : []),
			...(opts.variant ?? []).map(hubVariant),
		];
		const results = new Map<string, LatencyResult[]>(variants.map(v => [v.label, []]));
		const ratios = new Map<string, number[]>(variants.map(v => [v.label, []]));
		for (let round = 1; round <= opts.rounds; round++) {
			// Rotated, so that no variant always runs first (or right after the same one).
			const order = variants.map((_, i) => variants[(i + round - 1) % variants.length]!);
			const mine = new Map<string, LatencyResult>();
			for (const v of order) {
				const target = await v.start();
				try {
					const run = (durationMs: number) => latency(target, {nice: 0, rate: opts.rate, durationMs, subscribers: 1, window: 256});
					if (opts.warmup > 0) await run(opts.warmup);
					const r = await run(opts.duration);
					results.get(v.label)!.push(r);
					mine.set(v.label, r);
					process.stderr.write(`round ${round} · ${v.label}: ${describe(r)}\n`);
				} finally {
					await target.stop();
				}
			}
			const base = mine.get(FORWARDER)!.p99Ms;
			for (const [label, r] of mine) ratios.get(label)!.push(r.p99Ms / base);
		}
		process.stdout.write(`latency at ${opts.rate} msg/s, 1 → 1, ${opts.rounds} rounds of ${opts.duration / 1000} s, medians\n`);
		process.stdout.write(
			`${'variant'.padEnd(16)} ${'p50'.padStart(6)} ${'p99'.padStart(6)} ${'p99.9'.padStart(6)} ${'÷fwd'.padStart(6)} ${'ack p99'.padStart(8)} ${'hub %'.padStart(6)} ${'main %'.padStart(6)} ${'wait ms'.padStart(8)} ${'others %'.padStart(8)}  p99 each round (÷fwd)\n`,
		);
		const base = median(results.get(FORWARDER)!.map(r => r.p99Ms));
		for (const [label, rs] of results) {
			const m = (f: (r: LatencyResult) => number) => median(rs.map(f));
			const each = rs.map((r, i) => `${r.p99Ms.toFixed(2)} (${ratios.get(label)![i]!.toFixed(2)})`).join(' · ');
			process.stdout.write(
				`${label.padEnd(16)} ${m(r => r.p50Ms).toFixed(2).padStart(6)} ${m(r => r.p99Ms).toFixed(2).padStart(6)} ${m(r => r.p999Ms).toFixed(2).padStart(6)} ${(m(r => r.p99Ms) / base).toFixed(2).padStart(6)} ${fixed(m(r => r.ackP99Ms)).padStart(8)} ${m(hubPercent).toFixed(1).padStart(6)} ${m(mainPercent).toFixed(1).padStart(6)} ${m(r => r.resources.hub?.waitMs ?? NaN).toFixed(1).padStart(8)} ${m(othersPercent).toFixed(0).padStart(8)}  ${each}\n`,
			);
		}
		process.stdout.write(`(÷fwd: median p99 over the forwarder's median p99; each round's own ratio in brackets)\n`);
	});

/** The hub's CPU (all threads) as a share of one core over the measured part. */
function hubPercent(r: LatencyResult): number {
	const h = r.resources.hub;
	return h ? (100 * h.totalMs) / h.wallMs : NaN;
}

/** The hub's main (JavaScript) thread alone, as a share of one core. */
function mainPercent(r: LatencyResult): number {
	const h = r.resources.hub;
	return h ? (100 * h.mainMs) / h.wallMs : NaN;
}

/** What every other process on the machine used meanwhile, as a share of one core. */
function othersPercent(r: LatencyResult): number {
	const h = r.resources.hub;
	return h ? (100 * r.resources.othersMs) / h.wallMs : NaN;
}

function describe(r: LatencyResult): string {
	const lost = r.lost + r.duplicated > 0 ? `, lost ${r.lost}, duplicated ${r.duplicated}` : '';
	return `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, p99.9 ${r.p999Ms.toFixed(2)} ms, ack p99 ${fixed(r.ackP99Ms)} ms, hub ${hubPercent(r).toFixed(1)}% of a core, others ${othersPercent(r).toFixed(0)}%${lost}`;
}

function fixed(n: number): string {
	return Number.isFinite(n) ? n.toFixed(2) : '–';
}

await program.parseAsync();
