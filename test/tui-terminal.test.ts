import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON} from '../src/ui/paste.js';
import {ALT_SCREEN_OFF, ALT_SCREEN_ON} from '../src/ui/terminal.js';

const TERMINAL = fileURLToPath(new URL('../src/ui/terminal.js', import.meta.url));

/** Run a script that enters the TUI's terminal modes, with stdout and stderr in one stream as on a terminal. */
function run(body: string): {output: string; status: number | null} {
	const script = `import {enterTerminalModes} from ${JSON.stringify(TERMINAL)};\nenterTerminalModes(process.stdout);\n${body}`;
	const r = spawnSync('sh', ['-c', `"${process.execPath}" --input-type=module -e "$ZCHAT_SCRIPT" 2>&1`], {env: {...process.env, ZCHAT_SCRIPT: script}, encoding: 'utf8'});
	return {output: r.stdout, status: r.status};
}

describe('terminal modes', () => {
	test('a crash puts the terminal back before the error is printed', () => {
		const {output, status} = run(`setImmediate(() => { throw new Error('boom in the TUI'); });`);
		assert.equal(status, 1);
		assert.ok(output.startsWith(ALT_SCREEN_ON));
		assert.ok(output.includes(BRACKETED_PASTE_ON));
		const restored = output.indexOf(ALT_SCREEN_OFF);
		assert.ok(restored > 0, 'the normal screen is back');
		const error = output.indexOf('boom in the TUI');
		assert.ok(error > restored, 'the error is printed after, on the normal screen');
		assert.ok(output.indexOf(BRACKETED_PASTE_OFF) > 0 && output.indexOf(BRACKETED_PASTE_OFF) < error, 'bracketed paste off');
		assert.equal(output.split(ALT_SCREEN_OFF).length, 2, 'restored once');
	});

	test('an unhandled rejection too', () => {
		const {output, status} = run(`void Promise.reject(new Error('rejected in the TUI'));`);
		assert.equal(status, 1);
		assert.ok(output.indexOf('rejected in the TUI') > output.indexOf(ALT_SCREEN_OFF));
	});

	test('process.exit puts it back', () => {
		const {output, status} = run(`process.exit(3);`);
		assert.equal(status, 3);
		assert.ok(output.endsWith(ALT_SCREEN_OFF));
		assert.ok(output.includes(BRACKETED_PASTE_OFF));
	});
});
