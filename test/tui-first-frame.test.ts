import assert from 'node:assert/strict';
import {createServer, type Server, type Socket} from 'node:net';
import {performance} from 'node:perf_hooks';
import {after, before, describe, test} from 'node:test';
import {tmuxSuite, TmuxTui} from './helpers/tmux.js';
import {waitFor} from './helpers/wait.js';

/**
 * The TUI's first frame waits for nothing from the hub (issue 16): against a port where a
 * listener takes the connection and never answers, `zchat join` draws its screen, saying
 * "connecting", as soon as it draws it against a hub that answers at once. No fixed figure:
 * the bound is the same start against a live hub, measured alternately on the same machine
 * at the same moment.
 */

const {hub, tuis} = tmuxSuite();
let silent: Server;
let silentPort = 0;
const held: Socket[] = [];

before(async () => {
	// Takes connections and says nothing: no ZMTP greeting, no hub.
	silent = createServer(socket => {
		held.push(socket);
		socket.on('error', () => {});
	});
	await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
	silentPort = (silent.address() as {port: number}).port;
});

after(() => {
	for (const s of held) s.destroy();
	silent.close();
});

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Milliseconds from starting `zchat join` in tmux until the screen shows `drawn`; then it is stopped. */
async function firstFrame(args: readonly string[], drawn: (screen: string) => boolean): Promise<{ms: number; screen: string}> {
	const start = performance.now();
	const t = TmuxTui.start(args, {columns: 100, rows: 30});
	tuis.push(t);
	let screen = '';
	await waitFor(
		() => `the first frame; the screen was:\n${screen}\nstderr: ${t.stderr()}`,
		() => drawn((screen = t.screen())),
		30_000,
		5,
	);
	const ms = performance.now() - start;
	t.keys('C-c');
	await t.waitExit();
	t.close();
	return {ms, screen};
}

describe('the TUI draws its first frame without waiting on the hub (tmux)', () => {
	test('against a port where no hub answers, the screen (saying "connecting") comes as soon as against a live hub', async () => {
		const live: number[] = [];
		const none: number[] = [];
		const address = `tcp://127.0.0.1:${silentPort}`;
		for (let i = 0; i < 3; i++) {
			live.push((await firstFrame(['--nick', `live${i}`, ...hub.args], s => s.includes('#lobby›'))).ms);
			const {ms, screen} = await firstFrame(['--nick', `alone${i}`, '--host', '127.0.0.1', '--sub', String(silentPort), '--pub', String(silentPort)], s =>
				s.includes('#lobby›'),
			);
			none.push(ms);
			assert.match(screen, new RegExp(`connecting to ${address.replace(/\./g, '\\.')}`), 'the first frame says it is connecting');
			assert.doesNotMatch(screen, /● connected|no answer/, 'and nothing the hub would have had to answer first');
		}
		// Waiting for anything from the hub (a welcome, a time-out) would never draw or draw seconds late.
		assert.ok(
			median(none) <= 2 * median(live),
			`first frame with no hub answering ${none.map(Math.round).join(', ')} ms, with a live hub ${live.map(Math.round).join(', ')} ms`,
		);
	});
});
