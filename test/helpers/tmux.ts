/** The real `zchat join` in a pseudo-terminal (tmux): dev/tmux.ts, where the TUI bench uses it too; and the set-up its test files share. */
import {after, before} from 'node:test';
import {requireTmux, TmuxTui} from '../../dev/tmux.js';
import {spawnHub, type Proc, type SpawnedHub} from './cli.js';

export {requireTmux, TmuxTui} from '../../dev/tmux.js';

/**
 * What a TUI test file sets up: tmux required, one real hub started before its tests, and every
 * process and TUI pushed onto `procs` and `tuis` stopped after them. `hub` is filled in by then.
 */
export function tmuxSuite(): {readonly hub: SpawnedHub; readonly procs: Proc[]; readonly tuis: TmuxTui[]} {
	const hub = {} as SpawnedHub;
	const procs: Proc[] = [];
	const tuis: TmuxTui[] = [];
	before(async () => {
		requireTmux();
		Object.assign(hub, await spawnHub());
		procs.push(hub.proc);
	});
	after(() => {
		for (const t of tuis) t.close();
		for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
	});
	return {hub, procs, tuis};
}
