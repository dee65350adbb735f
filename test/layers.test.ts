/**
 * The import rules of docs/ARCHITECTURE.md, checked on the source: each folder of src/ may
 * import only the layers below it, and nothing under src/ reaches into dev/ or test/.
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

/** What each layer may import: folders of src/ (or top-level files), and packages. */
const RULES: Record<string, {readonly layers: readonly string[]; readonly packages: readonly string[]}> = {
	protocol: {layers: ['protocol'], packages: ['node:buffer']},
	zmq: {layers: ['zmq', 'protocol', 'errors.ts'], packages: ['zeromq', 'node:*']},
	hub: {layers: ['hub', 'zmq', 'protocol', 'errors.ts', 'version.ts'], packages: ['zeromq', 'better-sqlite3', 'sodium-native', 'node:*']},
	relay: {layers: ['relay', 'hub', 'zmq', 'protocol', 'errors.ts', 'version.ts'], packages: ['zeromq', 'node:*']},
	client: {layers: ['client', 'zmq', 'protocol', 'errors.ts'], packages: ['zeromq', 'node:*']},
	// ui/ink-output.ts stands in for Ink's Output in the TUI's bundle and uses the packages Ink's
	// does (Ink's own dependencies, as Ink's version pins them).
	ui: {layers: ['ui', 'client', 'protocol'], packages: ['ink', 'react', 'react/jsx-runtime', 'chalk', '@alcalzone/ansi-tokenize', 'slice-ansi', 'string-width', 'node:*']},
	bench: {layers: ['bench', 'zmq', 'protocol', 'client', 'errors.ts', 'version.ts'], packages: ['zeromq', 'node:*']},
	cli: {layers: ['cli', 'hub', 'relay', 'client', 'ui', 'bench', 'zmq', 'protocol', 'errors.ts', 'version.ts', 'keys.ts'], packages: ['*']},
	'errors.ts': {layers: [], packages: []},
	'version.ts': {layers: [], packages: ['node:*']},
	'keys.ts': {layers: ['protocol', 'errors.ts'], packages: ['node:*']},
	'cli.ts': {layers: ['cli', 'errors.ts', 'version.ts', 'protocol'], packages: ['*']},
};

function sources(dir: string): string[] {
	return readdirSync(dir, {withFileTypes: true}).flatMap(e => {
		const path = join(dir, e.name);
		if (e.isDirectory()) return sources(path);
		return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
	});
}

/** The layer a file of src/ belongs to: its top folder, or its own name at the top. */
function layerOf(file: string): string {
	const [first] = relative(SRC, file).split('/');
	return first!;
}

function imports(file: string): string[] {
	const text = readFileSync(file, 'utf8');
	return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)].map(m => m[1] ?? m[2]!);
}

function packageAllowed(spec: string, allowed: readonly string[]): boolean {
	return allowed.some(a => a === '*' || a === spec || (a === 'node:*' && spec.startsWith('node:')) || spec.startsWith(a + '/'));
}

test('every import under src/ follows the layer rules', () => {
	const problems: string[] = [];
	for (const file of sources(SRC)) {
		const layer = layerOf(file);
		const rule = RULES[layer];
		if (!rule) {
			problems.push(`${relative(ROOT, file)}: no rule for layer "${layer}" (add it to test/layers.test.ts and docs/ARCHITECTURE.md)`);
			continue;
		}
		for (const spec of imports(file)) {
			if (!spec.startsWith('.')) {
				if (!packageAllowed(spec, rule.packages)) problems.push(`${relative(ROOT, file)} imports ${spec}`);
				continue;
			}
			const target = resolve(dirname(file), spec);
			if (!target.startsWith(SRC + '/')) {
				problems.push(`${relative(ROOT, file)} reaches outside src/: ${spec}`);
				continue;
			}
			const to = layerOf(target.replace(/\.js$/, '.ts'));
			if (to !== layer && !rule.layers.includes(to)) problems.push(`${relative(ROOT, file)} (${layer}) imports ${relative(ROOT, target)} (${to})`);
		}
	}
	assert.deepEqual(problems, []);
});

test('the rules see imports: a file of every layer was read', () => {
	const layers = new Set(sources(SRC).map(layerOf));
	for (const layer of ['protocol', 'zmq', 'hub', 'client', 'ui', 'cli']) assert.ok(layers.has(layer), layer);
	assert.ok(imports(join(SRC, 'ui/tui.tsx')).some(s => s === 'ink'), 'the TUI imports ink');
});
