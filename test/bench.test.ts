import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {makeLine, parseLine, LINE_BYTES, KIND, type ParsedLine} from '../src/bench/payload.js';
import {combine, type SuiteResult} from '../src/bench/suite.js';
import {checkTargets} from '../src/bench/report.js';
import type {LatencyResult, ThroughputResult} from '../src/bench/scenarios.js';
import {median, percentiles, ratio} from '../src/bench/stats.js';
import {parseConfigs, parseRates} from '../src/cli/bench-command.js';

/** The bench's pure parts: the line it sends and finds again, its statistics, its flags. */

describe('bench lines', () => {
	const line = (): ParsedLine => ({kind: 0, sender: 0, counter: 0, sentUs: 0});

	test('a line is 100 bytes and is found again in a zchat feed event and in a say command', () => {
		const text = makeLine('m', 7, 123456, 98765432123);
		assert.equal(Buffer.byteLength(text), LINE_BYTES);
		const event = JSON.stringify({type: 'message', room: 'bench', ts: 1764172800000, from: 'b1a2b3s7', text, seq: 42, epoch: 'kazMZ7-P'});
		const say = JSON.stringify({type: 'say', id: '123456', room: 'bench', text});
		for (const frame of [event, say]) {
			const out = line();
			assert.ok(parseLine(Buffer.from(frame), out), frame);
			assert.deepEqual(out, {kind: KIND.measured, sender: 7, counter: 123456, sentUs: 98765432123});
		}
	});

	test('warm-up lines are told apart; frames without a line are not mistaken for one', () => {
		const out = line();
		assert.ok(parseLine(Buffer.from(JSON.stringify({text: makeLine('w', 0, 3, 5)})), out));
		assert.equal(out.kind, KIND.warmup);
		assert.equal(parseLine(Buffer.from('{"type":"join","room":"bench","from":"alice","seq":1}'), line()), false);
		assert.equal(parseLine(Buffer.from('{"text":"~mx:1:2:"}'), line()), false);
		assert.equal(parseLine(Buffer.from('~'), line()), false);
	});
});

describe('bench statistics', () => {
	test('percentiles are nearest-rank, and empty input gives NaN', () => {
		const samples = Array.from({length: 1000}, (_, i) => 1000 - i);
		assert.deepEqual(percentiles(samples, [50, 99, 99.9, 100]), [500, 990, 999, 1000]);
		assert.deepEqual(percentiles([3, 1, 2], [0]), [1]);
		assert.ok(Number.isNaN(percentiles([], [50])[0]!));
	});

	test('medians skip missing values; ratios of missing values are NaN', () => {
		assert.equal(median([5, 1, 3]), 3);
		assert.equal(median([4, 1, 3, 2]), 2.5);
		assert.equal(median([NaN, 2]), 2);
		assert.ok(Number.isNaN(median([])));
		assert.equal(ratio(3, 2), 1.5);
		assert.ok(Number.isNaN(ratio(1, 0)));
		assert.ok(Number.isNaN(ratio(NaN, 2)));
	});

	test('rounds combine into medians, with lost and duplicated summed', () => {
		const rounds = [
			{msgPerSec: 100, lost: 0, duplicated: 1, errors: {storage_failed: 1}, resources: {hub: {rssMb: 10}}},
			{msgPerSec: 300, lost: 2, duplicated: 0, errors: {}, resources: {hub: {rssMb: 30}}},
			{msgPerSec: 200, lost: 0, duplicated: 0, errors: {storage_failed: 2}, resources: {hub: {rssMb: 20}}},
		];
		assert.deepEqual(combine(rounds), {msgPerSec: 200, lost: 2, duplicated: 1, errors: {storage_failed: 3}, resources: {hub: {rssMb: 20}}});
	});
});

describe('bench flags', () => {
	test('configs and rates', () => {
		assert.deepEqual(parseConfigs('1x1,4×4, 8x32'), [
			{senders: 1, subscribers: 1},
			{senders: 4, subscribers: 4},
			{senders: 8, subscribers: 32},
		]);
		assert.throws(() => parseConfigs('4'), /is not KxM/);
		assert.throws(() => parseConfigs('0x1'), /1–64 senders/);
		assert.deepEqual(parseRates('100,1000'), [100, 1000]);
		assert.throws(() => parseRates('fast'), /not a rate/);
	});
});

describe("the bench's targets", () => {
	/** A measurement cell of the rounds given, its median made as the suite makes it. */
	const cell = <T>(rounds: T[]) => ({rounds, errors: [], median: combine(rounds)});
	const tp = (msgPerSec: number, hubCpuUsPerMsg: number) => ({msgPerSec, hubCpuUsPerMsg, lost: 0, duplicated: 0}) as unknown as ThroughputResult;
	const lat = (p99Ms: number) => ({p99Ms, ackP99Ms: 1}) as unknown as LatencyResult;

	test('a ratio target shows the lowest and highest of its rounds beside the median, each round against the baseline of the same round', () => {
		const result = {
			throughput: [{senders: 1, subscribers: 1, cells: {'forwarder-batched': cell([tp(50_000, 15), tp(100_000, 10), tp(60_000, 14)]), 'zchat-bots': cell([tp(30_000, 30), tp(40_000, 25), tp(33_000, 28)])}}],
			latency: [{rate: 1000, cells: {forwarder: cell([lat(2), lat(3)]), zchat: cell([lat(3), lat(6)])}}],
			tui: null,
		} as unknown as SuiteResult;
		const byTarget = new Map(checkTargets(result).map(c => [c.target.replace(/ \(.*$/, '').replace(/ ≤.*$|, 0 lost$/, ''), c]));
		const bots = [...byTarget.values()].find(c => c.target.startsWith('spec-style bots ≥'))!;
		// Medians: 33,000 against 60,000; rounds 0.60, 0.40, 0.55.
		assert.equal(bots.value, '1×1 0.55× (rounds 0.40–0.60×)');
		assert.equal(bots.met, false);
		const cpu = [...byTarget.values()].find(c => c.target.startsWith('spec-style bots: hub CPU'))!;
		// Medians: 28 against 14; rounds 2.00, 2.50, 2.00.
		assert.equal(cpu.value, '1×1 28.0 µs (2.00×, rounds 2.00–2.50×)');
		const p99 = [...byTarget.values()].find(c => c.target.startsWith('p99 at 1000'))!;
		assert.equal(p99.value, '1.80× (rounds 1.50–2.00×)');
	});

	test('one round, or rounds that do not pair up, show the median alone', () => {
		// zchat failed round 1 and the forwarder round 2: two rounds each, not the same two.
		const failedOnce = <T>(rounds: T[]) => ({...cell(rounds), errors: ['round 1: the hub did not start']});
		const result = {
			throughput: [
				{senders: 4, subscribers: 4, cells: {'forwarder-batched': cell([tp(50_000, 15)]), 'zchat-bots': cell([tp(30_000, 30)])}},
				{senders: 1, subscribers: 1, cells: {'forwarder-batched': failedOnce([tp(50_000, 15), tp(60_000, 14)]), 'zchat-bots': failedOnce([tp(30_000, 30), tp(33_000, 28)])}},
			],
			latency: [{rate: 1000, cells: {forwarder: cell([lat(2), lat(3)]), zchat: cell([lat(3)])}}],
			tui: null,
		} as unknown as SuiteResult;
		const values = checkTargets(result).map(c => c.value);
		assert.ok(values.includes('4×4 0.60× · 1×1 0.57×'), values.join(' | '));
		assert.ok(values.includes('4×4 30.0 µs (2.00×) · 1×1 29.0 µs (2.00×)'), values.join(' | '));
		assert.ok(values.some(v => /^1\.\d\d×$/.test(v)), values.join(' | '));
	});
});
