import type {FanoutResult, LatencyResult, ThroughputResult} from './scenarios.js';
import {fmtInt, type Cell, type SuiteResult} from './suite.js';
import {ratio} from './stats.js';

/** The suite's result as the table `npm run bench` and `zchat bench` print. */

/** One of the hub's performance targets, checked against a result. */
export interface TargetCheck {
	readonly target: string;
	/** undefined: not measured in this run. */
	readonly met: boolean | undefined;
	readonly value: string;
}

const THROUGHPUT_RATIO = 0.8;
const P99_RATIO = 1.3;
const ACK_P99_MS = 2;
const FANOUT_RSS_MB = 150;
const FANOUT_P99_MS = 50;
const TUI_FIRST_FRAME_MS = 500;
const TUI_CPU_PERCENT = 25;

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
	const at1000 = r.latency.find(l => l.rate === 1000);
	const p99x = ratio(at1000?.cells.zchat?.median?.p99Ms ?? NaN, at1000?.cells.forwarder?.median?.p99Ms ?? NaN);
	checks.push({target: `p99 at 1000 msg/s ≤ ${P99_RATIO}× the bare forwarder`, met: Number.isFinite(p99x) ? p99x <= P99_RATIO : undefined, value: fmtX(p99x)});
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
	checks.push({
		target: `TUI: first frame ≤ ${TUI_FIRST_FRAME_MS} ms, ≤ ${TUI_CPU_PERCENT}% of a core at 1000 msg/s`,
		met: r.tui ? r.tui.firstFrameMs <= TUI_FIRST_FRAME_MS && r.tui.cpuPercentAt1000 <= TUI_CPU_PERCENT : undefined,
		value: r.tui ? `${r.tui.firstFrameMs.toFixed(0)} ms, ${r.tui.cpuPercentAt1000.toFixed(0)}%` : 'not measured (npm run bench)',
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
	return [...r.throughput, ...r.latency, ...(r.fanout ? [r.fanout] : [])].flatMap(row =>
		Object.entries(row.cells as Record<string, Cell<unknown>>).flatMap(([name, c]) => c.errors.map(e => `${name}: ${e}`)),
	);
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
	out.push('Where the CPU goes in those runs: hub CPU per message (all its threads), and % of one core used during the run');
	out.push(
		...table(
			['K×M', 'variant', 'hub µs/msg', 'hub % (JS main + zmq I/O + other)', 'senders %', 'subscribers %', 'others %', 'hub RSS MB'],
			r.throughput.flatMap(row =>
				(['forwarder-batched', 'zchat'] as const).flatMap(name => {
					const x = row.cells[name]?.median;
					return x ? [[`${row.senders}×${row.subscribers}`, name === 'zchat' ? 'zchat' : 'batched fwd', x.hubCpuUsPerMsg.toFixed(1), ...cpuSplit(x)]] : [];
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

	// -- TUI
	out.push(
		r.tui
			? `TUI (zchat join in tmux, bench/tui.ts): first frame ${r.tui.firstFrameMs.toFixed(0)} ms · ${r.tui.cpuPercentAt1000.toFixed(0)}% of a core at ${fmtInt(r.tui.rate ?? 1000)} msg/s${r.tui.seconds !== undefined ? ` for ${r.tui.seconds.toFixed(0)} s` : ''}${r.tui.rssLowMb !== undefined ? ` · RSS at its lowest ${r.tui.rssLowMb[0].toFixed(0)} MB in the first half, ${r.tui.rssLowMb[1].toFixed(0)} MB in the second` : r.tui.rssEndMb !== undefined ? ` · RSS ${r.tui.rssEndMb.toFixed(0)} MB at the end` : ''}`
			: 'TUI (zchat join rendering 1000 msg/s): first frame — ms · — % of a core (not measured: npm run bench measures it with bench/tui.ts, which needs tmux; see above if it failed)',
		'',
	);

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

/** Columns padded to their widest cell; the first `left` columns left-aligned, the rest right-aligned. */
function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>, left = 1): string[] {
	const all = [head, ...rows];
	const widths = head.map((_, i) => Math.max(...all.map(r => [...(r[i] ?? '')].length)));
	const line = (r: readonly string[]) =>
		'  ' +
		r
			.map((cell, i) => {
				const pad = ' '.repeat(widths[i]! - [...cell].length);
				return i < left ? cell + pad : pad + cell;
			})
			.join('   ')
			.trimEnd();
	return all.map(line);
}
