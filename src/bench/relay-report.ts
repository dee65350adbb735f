/**
 * The relay fan-out row of `npm run bench`: what it measures (one hub, N subscribers directly
 * against the same N spread over relays), its table and its target.
 */
import {ratio} from './stats.js';
import {fmtInt, type Cell} from './suite.js';
import {table} from './table.js';

/** One run: a fresh hub (and its relays), one sender, every subscriber on the hub or a relay. */
export interface RelayFanoutRun {
	/** The hub process's CPU (user + system, all threads) from the first say until every subscriber had the last, µs a say. */
	readonly hubCpuUsPerMsg: number;
	/** Deliveries (says × subscribers that got them) a second, from the first say to the last arrival. */
	readonly deliveriesPerSec: number;
	/** From a say's send to the moment the last subscriber had it, ms, over the says every subscriber got. */
	readonly reachAllP50Ms: number;
	readonly reachAllP99Ms: number;
	/** Deliveries that never came (a subscriber × a say). */
	readonly lost: number;
	/** The relays' CPU over the same span, µs a say: their mean and the busiest (NaN when direct). */
	readonly relayCpuUsPerMsg: number;
	readonly relayCpuMaxUsPerMsg: number;
}

export interface RelayFanoutFigures extends RelayFanoutSettings {
	readonly direct: Cell<RelayFanoutRun>;
	readonly relayed: Cell<RelayFanoutRun>;
}

/** What the settings ask of the row: 0 subscribers skips it. */
export interface RelayFanoutSettings {
	readonly subscribers: number;
	readonly relays: number;
	readonly messages: number;
	readonly rounds: number;
}

/** The hub's CPU a say over the relays ÷ directly (NaN if either is missing). */
export function relayCpuRatio(f: RelayFanoutFigures): number {
	return ratio(f.relayed.median?.hubCpuUsPerMsg ?? NaN, f.direct.median?.hubCpuUsPerMsg ?? NaN);
}

/** The target: the hub's cost a say falls when relays carry the subscribers, and nothing is lost either way. */
export function relayTarget(f: RelayFanoutFigures | undefined): {target: string; met: boolean | undefined; value: string} {
	const target = `hub CPU a message over ${f?.relays ?? 3} relays < direct${f ? ` (${fmtInt(f.subscribers)} subscribers)` : ''}, 0 lost`;
	const d = f?.direct.median;
	const r = f?.relayed.median;
	if (!f || !d || !r) return {target, met: undefined, value: 'not measured'};
	return {
		target,
		met: r.hubCpuUsPerMsg < d.hubCpuUsPerMsg && d.lost === 0 && r.lost === 0,
		value: `${r.hubCpuUsPerMsg.toFixed(0)} µs against ${d.hubCpuUsPerMsg.toFixed(0)} µs (${ratio(r.hubCpuUsPerMsg, d.hubCpuUsPerMsg).toFixed(2)}×)${d.lost + r.lost > 0 ? `, lost ${d.lost} · ${r.lost}` : ''}`,
	};
}

/** The row's lines for the printed report: a heading and a table. */
export function relayLines(f: RelayFanoutFigures): string[] {
	const row = (name: string, c: Cell<RelayFanoutRun>, x: string) => {
		const m = c.median;
		if (!m) return [name, ...Array<string>(5).fill(c.errors[0] ? 'failed' : '—')];
		return [
			name,
			`${m.hubCpuUsPerMsg.toFixed(0)}${x}`,
			fmtInt(m.deliveriesPerSec),
			`${ms(m.reachAllP50Ms)} / ${ms(m.reachAllP99Ms)}`,
			fmtInt(m.lost),
			Number.isFinite(m.relayCpuUsPerMsg) ? `${m.relayCpuUsPerMsg.toFixed(0)} · ${m.relayCpuMaxUsPerMsg.toFixed(0)}` : '',
		];
	};
	const x = relayCpuRatio(f);
	return [
		`Fan-out through relays: 1 sender → ${fmtInt(f.subscribers)} CURVE subscribers (each from a loopback address of its own), ${fmtInt(f.messages)} says, ` +
			`connected to the hub directly, then spread over ${f.relays} zchat relay processes on this machine; ${f.rounds === 1 ? 'one round' : `medians of ${f.rounds} rounds`}`,
		...table(
			['', 'hub µs/msg', 'deliveries/s', 'reach-all p50 / p99 ms', 'lost', 'relay µs/msg: mean · max'],
			[row('direct to the hub', f.direct, ''), row(`over ${f.relays} relays`, f.relayed, Number.isFinite(x) ? ` (${x.toFixed(2)}×)` : '')],
		),
		'',
	];
}

function ms(x: number): string {
	return Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : x.toFixed(0)) : '—';
}
