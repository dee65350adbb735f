import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {formatDuration, formatSeconds, parseDuration} from '../src/protocol/durations.js';
import {MAX_DURATION_MS} from '../src/protocol/limits.js';

/** Durations typed in (/ban, /mute) and shown (idle times, waits), at their edges. */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
	test('every unit, and plain numbers as seconds', () => {
		assert.equal(parseDuration('30s'), 30 * SECOND);
		assert.equal(parseDuration('30sec'), 30 * SECOND);
		assert.equal(parseDuration('10m'), 10 * MINUTE);
		assert.equal(parseDuration('10min'), 10 * MINUTE);
		assert.equal(parseDuration('2h'), 2 * HOUR);
		assert.equal(parseDuration('7d'), 7 * DAY);
		assert.equal(parseDuration('1w'), 7 * DAY);
		assert.equal(parseDuration('45'), 45 * SECOND);
	});

	test('fractions, case and surrounding blanks', () => {
		assert.equal(parseDuration('1.5m'), 90 * SECOND);
		assert.equal(parseDuration('0.5s'), 500);
		assert.equal(parseDuration('2H'), 2 * HOUR);
		assert.equal(parseDuration('10MIN'), 10 * MINUTE);
		assert.equal(parseDuration('  3d \n'), 3 * DAY);
		assert.equal(parseDuration('0.0015s'), 2, 'rounded to the millisecond');
	});

	test('what is not a duration is undefined', () => {
		for (const bad of ['', ' ', 'm', 's10', 'ten', '10x', '10 m', '-5m', '+5m', '1e3', '1.m', '.5m', '5m5s', '0x10', 'Infinity', 'NaN']) {
			assert.equal(parseDuration(bad), undefined, JSON.stringify(bad));
		}
	});

	test('nothing shorter than a millisecond, nothing longer than the hub takes', () => {
		assert.equal(parseDuration('0'), undefined);
		assert.equal(parseDuration('0s'), undefined);
		assert.equal(parseDuration('0.0004s'), undefined, 'rounds to 0 ms');
		assert.equal(parseDuration('0.001'), 1);
		const days = MAX_DURATION_MS / DAY;
		assert.equal(parseDuration(`${days}d`), MAX_DURATION_MS, 'the limit itself is allowed');
		assert.equal(parseDuration(`${MAX_DURATION_MS / SECOND + 1}`), undefined);
		assert.equal(parseDuration('99999999999w'), undefined);
	});
});

describe('formatDuration: whole units for idle times and uptimes', () => {
	test('seconds, minutes, hours with minutes, days', () => {
		const cases: Array<[number, string]> = [
			[0, '0s'],
			[999, '0s'],
			[SECOND, '1s'],
			[59_999, '59s'],
			[MINUTE, '1m'],
			[59 * MINUTE + 59_999, '59m'],
			[HOUR, '1h'],
			[HOUR + 59_999, '1h'],
			[3 * HOUR + 20 * MINUTE, '3h 20m'],
			[47 * HOUR + 59 * MINUTE, '47h 59m'],
			[48 * HOUR, '2d'],
			[9 * DAY + 23 * HOUR, '9d'],
			[MAX_DURATION_MS, '3650d'],
		];
		for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, `${ms} ms`);
	});

	test('a negative span (clocks that disagree) shows as nothing, not as a minus', () => {
		assert.equal(formatDuration(-1), '0s');
		assert.equal(formatDuration(-5 * HOUR), '0s');
	});
});

describe('formatSeconds: rounded durations for sentences', () => {
	test('tenths of seconds under 10 s, then whole seconds, minutes, hours, days', () => {
		const cases: Array<[number, string]> = [
			[0, '0 s'],
			[50, '0.1 s'],
			[1500, '1.5 s'],
			[9_940, '9.9 s'],
			[10_000, '10 s'],
			[10_400, '10 s'],
			[59_400, '59 s'],
			[MINUTE, '1 min'],
			[89 * SECOND, '1 min'],
			[90 * SECOND, '2 min'],
			[59 * MINUTE, '59 min'],
			[HOUR, '1 h'],
			[47 * HOUR, '47 h'],
			[48 * HOUR - 1, '48 h'],
			[48 * HOUR, '2 d'],
			[10 * DAY, '10 d'],
		];
		for (const [ms, text] of cases) assert.equal(formatSeconds(ms), text, `${ms} ms`);
	});
});
