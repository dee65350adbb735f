import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {test} from 'node:test';
import {Chalk} from 'chalk';
import Output, {OUTPUT_CACHE_ENTRIES, outputCacheSizes} from '../src/ui/ink-output.js';

/**
 * zchat's Output (src/ui/ink-output.ts) stands in for Ink 6's in the TUI's bundle: for the same
 * operations it must give the same frame, byte for byte. Both are driven with the same
 * writes: styled text, wide and combining characters, clipping, overlaps, text past the edges.
 */

type Transformer = (line: string, index: number) => string;
interface OutputLike {
	write(x: number, y: number, text: string, options: {transformers: Transformer[]}): void;
	clip(clip: {x1?: number; x2?: number; y1?: number; y2?: number}): void;
	unclip(): void;
	get(): {output: string; height: number};
}
type OutputClass = new (options: {width: number; height: number}) => OutputLike;

const inkBuild = dirname(createRequire(import.meta.url).resolve('ink'));
const InkOutput = ((await import(pathToFileURL(join(inkBuild, 'output.js')).href)) as {default: OutputClass}).default;
const Ours = Output as unknown as OutputClass;

const chalk = new Chalk({level: 3});

/** A small deterministic random source (the same cases on every run). */
function random(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
		return s / 2 ** 32;
	};
}

const WORDS = ['hello', 'x', 'build is green', '日本語', '😀', 'e\u0301', 'ﾊﾝｶｸ', '│', '─', '  ', 'a\tb', 'mixed 😀 text', '👍🏽', '🇫🇷', '', 'tail '];
const STYLES: Array<(s: string) => string> = [
	s => s,
	s => chalk.red(s),
	s => chalk.bold(s),
	s => chalk.dim(s),
	s => chalk.bgBlue(s),
	s => chalk.bgBlue.white(s),
	s => chalk.inverse.bold(s),
	s => chalk.italic.yellow(s),
	s => chalk.cyanBright(s),
	s => chalk.bold(chalk.dim(s)),
	s => chalk.hex('#ff8800')(s),
	s => chalk.bgAnsi256(200)(s),
];

function text(rnd: () => number): string {
	const lines = 1 + Math.floor(rnd() * 3);
	const out: string[] = [];
	for (let l = 0; l < lines; l++) {
		let line = '';
		const parts = Math.floor(rnd() * 5);
		for (let p = 0; p < parts; p++) line += STYLES[Math.floor(rnd() * STYLES.length)]!(WORDS[Math.floor(rnd() * WORDS.length)]!);
		out.push(line);
	}
	return out.join('\n');
}

type Op = {kind: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {kind: 'clip'; clip: {x1?: number; x2?: number; y1?: number; y2?: number}} | {kind: 'unclip'};

function operations(rnd: () => number, width: number, height: number): Op[] {
	const ops: Op[] = [];
	let clips = 0;
	const n = 1 + Math.floor(rnd() * 12);
	for (let i = 0; i < n; i++) {
		const r = rnd();
		if (r < 0.1) {
			clips++;
			const x1 = Math.floor(rnd() * width);
			const y1 = Math.floor(rnd() * height);
			ops.push({kind: 'clip', clip: rnd() < 0.5 ? {x1, x2: x1 + Math.floor(rnd() * width)} : {x1, x2: x1 + Math.floor(rnd() * width), y1, y2: y1 + Math.floor(rnd() * height)}});
		} else if (r < 0.15 && clips > 0) {
			clips--;
			ops.push({kind: 'unclip'});
		} else {
			// Mostly inside the frame, sometimes past an edge.
			const x = Math.floor(rnd() * (width + 4)) - (rnd() < 0.05 ? 3 : 0);
			const y = Math.floor(rnd() * (height + 2)) - (rnd() < 0.05 ? 2 : 0);
			const transformers: Transformer[] = rnd() < 0.3 ? [(line: string) => chalk.green(line)] : rnd() < 0.1 ? [(line: string, index: number) => `${index}${line}`, (line: string) => chalk.bold(line)] : [];
			ops.push({kind: 'write', x, y, text: text(rnd), transformers});
		}
	}
	return ops;
}

function run(Class: OutputClass, width: number, height: number, ops: Op[]): {output: string; height: number} {
	const o = new Class({width, height});
	for (const op of ops) {
		if (op.kind === 'write') o.write(op.x, op.y, op.text, {transformers: op.transformers});
		else if (op.kind === 'clip') o.clip(op.clip);
		else o.unclip();
	}
	return o.get();
}

test("zchat's Output gives Ink's frame, byte for byte, for 3000 random sets of writes", () => {
	const rnd = random(16);
	for (let i = 0; i < 3000; i++) {
		const width = Math.floor(rnd() * 30);
		const height = Math.floor(rnd() * 6);
		const ops = operations(rnd, width, height);
		assert.deepEqual(run(Ours, width, height, ops), run(InkOutput, width, height, ops), `case ${i}: ${width}×${height} ${JSON.stringify(ops)}`);
	}
});

test('a screen like the TUI draws (feed, border, member list, bars) is the same as Ink draws it, frame after frame', () => {
	const [width, height] = [100, 29];
	for (let frame = 0; frame < 50; frame++) {
		const ops: Op[] = [{kind: 'write', x: 0, y: 0, text: chalk.inverse.bold(' #lobby ') + ' #dev 3 ', transformers: []}];
		for (let r = 0; r < 25; r++) {
			const n = frame + r;
			ops.push({kind: 'write', x: 0, y: 1 + r, text: `${chalk.dim('12:00:00 ')}${chalk.dim('<')}${chalk.bold.cyan('bob')}${chalk.dim('> ')}message ${n} ${'日本'.repeat(n % 3)}`, transformers: []});
		}
		ops.push({kind: 'write', x: 82, y: 1, text: Array(25).fill(chalk.dim('│')).join('\n'), transformers: []});
		ops.push({kind: 'write', x: 83, y: 1, text: chalk.dim('2 online'), transformers: []}, {kind: 'write', x: 83, y: 2, text: chalk.bold.green('alice'), transformers: []});
		ops.push({kind: 'write', x: 0, y: 27, text: chalk.bgBlue(`${chalk.green('● ')}connected │ alice`.padEnd(100)), transformers: []});
		ops.push({kind: 'write', x: 0, y: 28, text: `${chalk.bold('#lobby› ')}typing ${frame}`, transformers: []});
		assert.equal(run(Ours, width, height, ops).output, run(InkOutput, width, height, ops).output, `frame ${frame}`);
	}
});

test('its caches stay bounded however many different lines it is given', () => {
	for (let i = 0; i < OUTPUT_CACHE_ENTRIES * 2 + 10; i++) run(Ours, 40, 1, [{kind: 'write', x: 0, y: 0, text: `line ${i}`, transformers: []}]);
	const sizes = outputCacheSizes();
	assert.ok(sizes.pieces > 0 && sizes.pieces <= OUTPUT_CACHE_ENTRIES, `pieces: ${sizes.pieces}`);
	assert.ok(sizes.widths <= OUTPUT_CACHE_ENTRIES, `widths: ${sizes.widths}`);
});

test('it remembers the lines of the last frame and this one, not older ones', () => {
	const frame = (n: number) => Array.from({length: 10}, (_, i) => ({kind: 'write' as const, x: 0, y: i, text: chalk.dim(`frame ${n} line ${i}`), transformers: []}));
	for (let n = 0; n < 5; n++) run(Ours, 40, 10, frame(n));
	assert.equal(outputCacheSizes().pieces, 20, 'the lines of the last two frames');
	// A frame that shows the same lines again gives the same output from what it remembered.
	assert.equal(run(Ours, 40, 10, frame(2)).output, run(InkOutput, 40, 10, frame(2)).output);
});
