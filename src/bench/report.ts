import type {FanoutResult, LatencyResult, ThroughputResult} from './scenarios.js';
import {fmtInt, type Cell, type SuiteResult} from './suite.js';
import {ratio} from './stats.js';
import {table} from './table.js';
import {relayLines, relayTarget} from './relay-report.js';

/** The suite's result as the table `npm run bench` and `zchat bench` print. */

/** One of the hub's performance targets, checked against a result. */
export interface TargetCheck {
	readonly target: string;
	/** undefined: not measured in this run. */
	readonly met: boolean | undefined;
	readonly value: string;
}

const THROUGHPUT_RATIO = 0.8;
/** Spec-style bots (a message a command): what the hub must reach against the batched forwarder, and the goal. */
const BOTS_RATIO_FLOOR = 0.6;
const BOTS_RATIO_GOAL = 0.8;
/** Hub CPU a message, at most this many times the batched forwarder's. */
const CPU_RATIO = 2;
const P99_RATIO = 1.3;
const ACK_P99_MS = 2;
const FANOUT_RSS_MB = 150;
const FANOUT_P99_MS = 50;
const TUI_FIRST_FRAME_MS = 500;
const TUI_CPU_PERCENT = 20;
const TUI_RSS_MB = 120;

/**
 * Each round's ratio of zchat's figure to its baseline's, the two measured in the same round
 * (rounds are interleaved): on a small machine the baseline moves from round to round as much
 * as zchat does, so a ratio's median alone hides how near the line a target is. Empty unless
 * every round of both was measured (a failed round is left out of its list, and the rounds
 * would no longer pair).
 */
function roundRatios<T>(z: Cell<T> | undefined, base: Cell<T> | undefined, figure: (x: T) => number): number[] {
	if (!z || !base || z.errors.length + base.errors.length > 0 || z.rounds.length < 2 || z.rounds.length !== base.rounds.length) return [];
	return z.rounds.map((x, i) => ratio(figure(x), figure(base.rounds[i]!)));
}

/** "rounds 0.39–0.54×": the lowest and highest of the rounds' ratios, or "" with fewer than two. */
function spread(ratios: readonly number[]): string {
	const finite = ratios.filter(Number.isFinite);
	return finite.length < 2 ? '' : `rounds ${Math.min(...finite).toFixed(2)}–${fmtX(Math.max(...finite))}`;
}

const withSpread = (before: string, text: string, after: string) => (text === '' ? '' : before + text + after);

export function checkTargets(r: SuiteResult): TargetCheck[] {
	const checks: TargetCheck[] = [];
	const tp = r.throughput.map(row => {
		const z = row.cells.zchat?.median;
		const b = row.cells['forwarder-batched']?.median;
		return {row, z, x: ratio(z?.msgPerSec ?? NaN, b?.msgPerSec ?? NaN)};
	});
	checks.push({
		target: `throughput ≥ ${THROUGHPUT_RATIO}× the batched forwarder, 0 lost, 0 duplicated`,
		met: decide(tp.map(t => (Number.isFinite(t.x) && t.z ? t.x >= THROUGHPUT_RATIO && t.z.lost === 0 && t.z.duplicated === 0 : undefined))),
		value: tp.map(t => `${t.row.senders}×${t.row.subscribers} ${fmtX(t.x)}${t.z && t.z.lost + t.z.duplicated > 0 ? ` (lost ${t.z.lost}, dup ${t.z.duplicated})` : ''}`).join(' · '),
	});
	const bots = r.throughput.flatMap(row => {
		const z = row.cells['zchat-bots']?.median;
		const b = row.cells['forwarder-batched']?.median;
		const zc = row.cells['zchat-bots'];
		const bc = row.cells['forwarder-batched'];
		const rounds = {msgPerSec: roundRatios(zc, bc, x => x.msgPerSec), cpu: roundRatios(zc, bc, x => x.hubCpuUsPerMsg)};
		return z ? [{row, z, b, x: ratio(z.msgPerSec, b?.msgPerSec ?? NaN), cpu: ratio(z.hubCpuUsPerMsg, b?.hubCpuUsPerMsg ?? NaN), rounds}] : [];
	});
	checks.push({
		target: `spec-style bots ≥ ${BOTS_RATIO_FLOOR}× the batched forwarder (${BOTS_RATIO_GOAL}× the goal), 0 lost`,
		met: decide(bots.map(t => (Number.isFinite(t.x) ? t.x >= BOTS_RATIO_FLOOR && t.z.lost === 0 && t.z.duplicated === 0 : undefined))),
		value: bots.length === 0 ? 'not measured' : bots.map(t => `${t.row.senders}×${t.row.subscribers} ${fmtX(t.x)}${withSpread(' (', spread(t.rounds.msgPerSec), ')')}`).join(' · '),
	});
	checks.push({
		target: `spec-style bots: hub CPU a message ≤ ${CPU_RATIO}× the batched forwarder's`,
		met: decide(bots.map(t => (Number.isFinite(t.cpu) ? t.cpu <= CPU_RATIO : undefined))),
		value: bots.length === 0 ? 'not measured' : bots.map(t => `${t.row.senders}×${t.row.subscribers} ${t.z.hubCpuUsPerMsg.toFixed(1)} µs (${fmtX(t.cpu)}${withSpread(', ', spread(t.rounds.cpu), '')})`).join(' · '),
	});
	const at1000 = r.latency.find(l => l.rate === 1000);
	const p99x = ratio(at1000?.cells.zchat?.median?.p99Ms ?? NaN, at1000?.cells.forwarder?.median?.p99Ms ?? NaN);
	const p99Rounds = spread(roundRatios(at1000?.cells.zchat, at1000?.cells.forwarder, x => x.p99Ms));
	checks.push({target: `p99 at 1000 msg/s ≤ ${P99_RATIO}× the bare forwarder`, met: Number.isFinite(p99x) ? p99x <= P99_RATIO : undefined, value: fmtX(p99x) + withSpread(' (', p99Rounds, ')')});
	const acks = r.latency.map(l => ({rate: l.rate, p99: l.cells.zchat?.median?.ackP99Ms ?? NaN}));
	checks.push({
		target: `durable-ack p99 ≤ ${ACK_P99_MS} ms`,
		met: decide(acks.map(a => (Number.isFinite(a.p99) ? a.p99 <= ACK_P99_MS : undefined))),
		value: acks.map(a => `${fmtInt(a.rate)}/s ${fmtMs(a.p99)} ms`).join(' · '),
	});
	const fz = r.fanout?.cells.zchat?.median;
	checks.push({
		target: `${fmtInt(r.fanout?.clients ?? 1000)} clients: hub RSS ≤ ${FANOUT_RSS_MB} MB`,
		met: fz ? fz.idleRssMb <= FANOUT_RSS_MB && fz.resources.hub!.rssMb <= FANOUT_RSS_MB : undefined,
		value: fz ? `${fz.idleRssMb.toFixed(0)} MB idle, ${fz.resources.hub?.rssMb.toFixed(0) ?? '—'} MB after` : 'not measured',
	});
	checks.push({target: `${fmtInt(r.fanout?.clients ?? 1000)} clients: a message reaches all with p99 ≤ ${FANOUT_P99_MS} ms`, met: fz ? fz.p99Ms <= FANOUT_P99_MS && fz.lost === 0 : undefined, value: fz ? `${fmtMs(fz.p99Ms)} ms` : 'not measured'});
	checks.push(relayTarget(r.relayFanout));
	checks.push({
		target: `TUI at every size: first frame ≤ ${TUI_FIRST_FRAME_MS} ms, ≤ ${TUI_CPU_PERCENT}% of a core at 1000 msg/s, RSS ≤ ${TUI_RSS_MB} MB`,
		met: r.tui ? r.tui.sizes.every(t => t.firstFrameMs <= TUI_FIRST_FRAME_MS && t.cpuPercent <= TUI_CPU_PERCENT && t.rssPeakMb <= TUI_RSS_MB) : undefined,
		value: r.tui ? r.tui.sizes.map(t => `${t.columns}×${t.rows}: ${t.firstFrameMs.toFixed(0)} ms, ${t.cpuPercent.toFixed(0)}%, ${t.rssPeakMb.toFixed(0)} MB`).join('; ') : 'not measured (npm run bench)',
	});
	return checks;
}

/** True only if every measured part is met; undefined if nothing was measured. */
function decide(parts: Array<boolean | undefined>): boolean | undefined {
	const known = parts.filter((p): p is boolean => p !== undefined);
	return known.length === 0 ? undefined : known.every(Boolean);
}

/** Measurements that failed, as "variant: why" (a bench that is broken, not a slow hub). */
export function failedMeasurements(r: SuiteResult): string[] {
	const relay = r.relayFanout;
	return [
		...[...r.throughput, ...r.latency, ...(r.fanout ? [r.fanout] : [])].flatMap(row =>
			Object.entries(row.cells as Record<string, Cell<unknown>>).flatMap(([name, c]) => c.errors.map(e => `${name}: ${e}`)),
		),
		...(relay ? [...relay.direct.errors.map(e => `relay fan-out, direct: ${e}`), ...relay.relayed.errors.map(e => `relay fan-out, over ${relay.relays} relays: ${e}`)] : []),
	];
}

export function formatReport(r: SuiteResult): string {
	const m = r.machine;
	const out: string[] = [];
	out.push(
		`zchat bench · ${r.startedAt.slice(0, 10)} · ${m.cores} × ${m.cpu} · Node ${m.node} · zeromq ${m.zeromq} (libzmq ${m.libzmq}) · ${m.os}`,
		`${r.settings.rounds} round${r.settings.rounds === 1 ? '' : 's'}, interleaved; medians (lost and duplicated: totals over all rounds) · ${r.hub} · load generator at nice ${r.settings.nice} in throughput runs · ${r.seconds.toFixed(0)} s`,
		othersLine(r),
		'',
	);

	// -- throughput
	out.push(
		`Throughput: messages/s through the hub, K senders × M subscribers, 100-byte lines, ${r.settings.throughputMs / 1000} s runs (zchat senders keep ≤ ${r.settings.window} unacked;`,
		`zchat subscribers fill gaps from the hub's history as the client does, and a line counts as lost only if that fails too)`,
	);
	out.push(
		...table(
			['K×M', 'bare fwd', 'batched fwd', 'zchat', 'zchat÷batched', 'lost/dup: bare · batched · zchat', 'zchat: from history'],
			r.throughput.map(row => {
				const c = row.cells;
				return [
					`${row.senders}×${row.subscribers}`,
					tput(c.forwarder),
					tput(c['forwarder-batched']),
					tput(c.zchat),
					fmtX(ratio(c.zchat?.median?.msgPerSec ?? NaN, c['forwarder-batched']?.median?.msgPerSec ?? NaN)),
					[c.forwarder, c['forwarder-batched'], c.zchat].map(x => (x?.median ? `${fmtInt(x.median.lost)}/${fmtInt(x.median.duplicated)}` : '—')).join(' · '),
					c.zchat?.median ? fmtInt(c.zchat.median.repaired ?? 0) : '—',
				];
			}),
		),
		'',
	);
	const botRows = r.throughput.filter(row => row.cells['zchat-bots'] !== undefined);
	if (botRows.length > 0) {
		out.push(`Spec-style bots: the same runs, each zchat sender sending a message a line (as the bot in PROTOCOL.md does) in place of 16-frame messages`);
		out.push(
			...table(
				['K×M', 'batched fwd', 'zchat bots', 'bots÷batched', 'hub µs/msg: batched · bots', 'bots lost/dup'],
				botRows.map(row => {
					const c = row.cells;
					const z = c['zchat-bots']?.median;
					const b = c['forwarder-batched']?.median;
					return [
						`${row.senders}×${row.subscribers}`,
						tput(c['forwarder-batched']),
						tput(c['zchat-bots']),
						fmtX(ratio(z?.msgPerSec ?? NaN, b?.msgPerSec ?? NaN)),
						`${b ? b.hubCpuUsPerMsg.toFixed(1) : '—'} · ${z ? z.hubCpuUsPerMsg.toFixed(1) : '—'}`,
						z ? `${fmtInt(z.lost)}/${fmtInt(z.duplicated)}` : '—',
					];
				}),
			),
			'',
		);
	}
	out.push('Where the CPU goes in those runs: hub CPU per message (all its threads), and % of one core used during the run');
	out.push(
		...table(
			['K×M', 'variant', 'hub µs/msg', 'hub % (JS main + zmq I/O + other)', 'senders %', 'subscribers %', 'others %', 'hub RSS MB'],
			r.throughput.flatMap(row =>
				(['forwarder-batched', 'zchat', 'zchat-bots'] as const).flatMap(name => {
					const x = row.cells[name]?.median;
					const label = name === 'zchat' ? 'zchat' : name === 'zchat-bots' ? 'zchat bots' : 'batched fwd';
					return x ? [[`${row.senders}×${row.subscribers}`, label, x.hubCpuUsPerMsg.toFixed(1), ...cpuSplit(x)]] : [];
				}),
			),
			2,
		),
		'',
	);

	// -- latency
	out.push('Latency at a fixed rate, 1 sender → 1 subscriber, ms: p50 / p99 / p99.9 (send → subscriber has it)');
	const lRows = r.latency.map(row => {
		const z = row.cells.zchat?.median;
		const f = row.cells.forwarder?.median;
		return [
			`${fmtInt(row.rate)}/s`,
			lat(row.cells.forwarder),
			lat(row.cells.zchat),
			fmtX(ratio(z?.p99Ms ?? NaN, f?.p99Ms ?? NaN)),
			z ? `${fmtMs(z.ackP50Ms)} / ${fmtMs(z.ackP99Ms)}` : '—',
			[f, z].map(x => (x ? `${x.lost}/${x.duplicated}` : '—')).join(' '),
			[f, z].map(x => (x?.resources.hub ? `${Math.round((100 * x.resources.hub.totalMs) / x.resources.hub.wallMs)}` : '—')).join(' · '),
			z ? `${fmtInt(z.samples)}` : '—',
		];
	});
	out.push(...table(['rate', 'bare fwd', 'zchat', 'p99 zchat÷bare', 'zchat say→ack p50 / p99', 'lost/dup: bare zchat', 'hub % of a core: bare · zchat', 'samples/round'], lRows), '');

	// -- fan-out
	if (r.fanout) {
		out.push(`${fmtInt(r.fanout.clients)} idle clients (zchat: each a session with a DEALER and a SUB), ${r.settings.probes} messages one at a time, ms`);
		const row = (name: string, c: Cell<FanoutResult> | undefined) => {
			const x = c?.median;
			if (!x) return [name, ...Array(6).fill(c?.errors[0] ? 'failed' : '—')];
			return [name, `${x.idleRssMb.toFixed(0)}`, `${fmtMs(x.p50Ms)} / ${fmtMs(x.p99Ms)} / ${fmtMs(x.maxMs)}`, fmtMs(x.allMedianMs), `${x.lost}/${x.duplicated}`, `${x.setupSeconds.toFixed(1)}`];
		};
		const z = r.fanout.cells.zchat?.median;
		const f = r.fanout.cells.forwarder?.median;
		out.push(
			...table(
				['', 'hub RSS MB (idle)', 'per client p50 / p99 / max', 'to reach all (median)', 'lost/dup', 'setup s'],
				[row('bare fwd', r.fanout.cells.forwarder), row('zchat', r.fanout.cells.zchat), ['zchat÷bare', fmtX(ratio(z?.idleRssMb ?? NaN, f?.idleRssMb ?? NaN)), `p99 ${fmtX(ratio(z?.p99Ms ?? NaN, f?.p99Ms ?? NaN))}`, fmtX(ratio(z?.allMedianMs ?? NaN, f?.allMedianMs ?? NaN)), '', '']],
			),
			'',
		);
	}

	// -- fan-out through relays
	if (r.relayFanout) out.push(...relayLines(r.relayFanout));

	// -- TUI
	if (r.tui) {
		out.push(`TUI (zchat join in tmux, bench/tui.ts), ${fmtInt(r.tui.rate)} msg/s from spec-style senders for ${r.tui.seconds.toFixed(0)} s`);
		out.push(
			...table(
				['terminal', 'first frame ms', 'CPU % of a core', 'RSS peak MB', 'RSS low MB (2nd half)'],
				r.tui.sizes.map(t => [`${t.columns}×${t.rows}`, t.firstFrameMs.toFixed(0), t.cpuPercent.toFixed(1), t.rssPeakMb.toFixed(0), t.rssLowMb.toFixed(0)]),
			),
			'',
		);
	} else {
		out.push('TUI (zchat join rendering 1000 msg/s): not measured (npm run bench measures it with bench/tui.ts, which needs tmux; see above if it failed)', '');
	}

	// -- errors
	const failures = failedMeasurements(r);
	if (failures.length > 0) out.push('Failed measurements:', ...failures.map(f => `  ${f}`), '');

	out.push('Targets: what zchat aims for (docs/PERFORMANCE.md says why any is missed)');
	out.push(...table(['', 'target', 'measured'], checkTargets(r).map(c => [c.met === undefined ? '–' : c.met ? '✓' : '✗', c.target, c.value]), 3));
	return out.join('\n') + '\n';
}

/**
 * How busy the rest of the machine was while the bench measured: on a shared machine other
 * people's work takes cores from the hub and the load generator, and the figures show it.
 */
function othersLine(r: SuiteResult): string {
	const runs = [...r.throughput, ...r.latency, ...(r.fanout ? [r.fanout] : [])].flatMap(row =>
		Object.values(row.cells as Record<string, Cell<{resources: {othersMs: number; senders: {wallMs: number}}}>>).flatMap(c => c.rounds),
	);
	const pct = runs.map(x => (100 * x.resources.othersMs) / x.resources.senders.wallMs).filter(Number.isFinite);
	if (pct.length === 0) return 'other processes on the machine: not measured';
	const mean = pct.reduce((a, b) => a + b, 0) / pct.length;
	const busy = pct.filter(p => p > 25).length;
	return `other processes on the machine used ${mean.toFixed(0)}% of a core on average during the measurements (over 25% in ${busy} of ${pct.length}; max ${Math.max(...pct).toFixed(0)}%)`;
}

function tput(c: Cell<ThroughputResult> | undefined): string {
	if (!c?.median) return c?.errors[0] ? 'failed' : '—';
	return fmtInt(c.median.msgPerSec);
}

function lat(c: Cell<LatencyResult> | undefined): string {
	if (!c?.median) return c?.errors[0] ? 'failed' : '—';
	const x = c.median;
	return `${fmtMs(x.p50Ms)} / ${fmtMs(x.p99Ms)} / ${fmtMs(x.p999Ms)}`;
}

/** Where the CPU went during a throughput run, % of one core: the hub (split by thread), the senders, the subscribers, everything else on the machine; and the hub's memory. */
function cpuSplit(x: ThroughputResult): string[] {
	const wall = x.resources.senders.wallMs;
	const pct = (ms: number) => (Number.isFinite(ms) && wall > 0 ? `${Math.round((100 * ms) / wall)}` : '—');
	const h = x.resources.hub;
	return [
		h ? `${pct(h.totalMs)} (${pct(h.mainMs)} + ${pct(h.zmqMs)} + ${pct(h.otherMs)})` : '—',
		pct(x.resources.senders.totalMs),
		pct(x.resources.subscribers.totalMs),
		pct(x.resources.othersMs),
		h ? h.rssMb.toFixed(0) : '—',
	];
}

export function fmtX(x: number): string {
	return Number.isFinite(x) ? `${x.toFixed(2)}×` : '—';
}

function fmtMs(ms: number): string {
	if (!Number.isFinite(ms)) return '—';
	return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}
