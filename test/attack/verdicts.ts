/**
 * The checks the acceptance tests make of a measurement, as lists of what went wrong (empty:
 * it held), so a failing test says everything that failed at once, with the figures.
 */
import type {Outcome} from './children.js';
import {bystanderText, rssText, type Measurement} from './measure.js';
import {allowedBy, DEFAULT_RATE} from './scenarios-12.js';

/** A session-cycling flood may store what the default limit (5 at once, 1 a second) allows, plus this many. */
const FLOOD_TOLERANCE = DEFAULT_RATE.burst;
/** The flood must have tried this many times what the limit allows, or it proves nothing (a slow machine). */
const FLOOD_ATTEMPTS_MIN_FACTOR = 4;

/** What the default limit lets through in `seconds`, with the tolerance. */
export function floodAllowance(seconds: number): number {
	return allowedBy(DEFAULT_RATE, seconds) + FLOOD_TOLERANCE;
}

/** Whether a flood tried enough to prove anything: FLOOD_ATTEMPTS_MIN_FACTOR times what the limit allows. */
export function floodConclusive(a: {attempted: number; seconds: number}): boolean {
	return a.attempted >= FLOOD_ATTEMPTS_MIN_FACTOR * floodAllowance(a.seconds);
}

/** The hub grew at most `maxGrowthMb` (peak over the baseline) and stayed up. */
export function memoryProblems(m: Measurement<unknown>, maxGrowthMb: number): string[] {
	const problems: string[] = [];
	const growth = Math.round((m.rss.peakMb - m.rss.beforeMb) * 10) / 10;
	if (m.hubDied) problems.push(`the hub died or was killed at twice the ceiling (RSS before/peak/after ${rssText(m)})`);
	else if (m.ceilingHit) problems.push(`the hub grew past the ceiling and the attack was stopped there (RSS before/peak/after ${rssText(m)})`);
	if (growth > maxGrowthMb) problems.push(`hub RSS grew ${growth} MiB, over ${maxGrowthMb} MiB (before/peak/after ${rssText(m)})`);
	return problems;
}

/** The bystander was answered throughout, with a p99 under `maxP99Ms`. */
export function bystanderProblems(m: Measurement<unknown>, maxP99Ms: number): string[] {
	const b = m.bystander;
	if (!b) return ['no bystander was measured'];
	if (!b.ok) return [`the bystander failed: ${b.error ?? '?'}`];
	const problems: string[] = [];
	if (b.p99Ms > maxP99Ms) problems.push(`bystander ping p99 ${b.p99Ms} ms, over ${maxP99Ms} ms (${bystanderText(b)})`);
	if (b.recoveredAfterMs === undefined) problems.push(`the hub did not answer the bystander after the attack (${bystanderText(b)})`);
	return problems;
}

/** The attacker ran to its end (it was not killed at the ceiling), and its result. */
export function finished<R>(o: Outcome<R>, problems: string[]): (R & {done: true}) | undefined {
	if (o.done) return o;
	problems.push(`the attacker did not finish (${typeof o.exit === 'string' ? `killed: ${o.exit}` : `exit ${o.exit}`}${o.stderr ? `; stderr: ${o.stderr.slice(-300)}` : ''})`);
	return undefined;
}
