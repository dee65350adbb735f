/**
 * The zchat hub as a bench target: `zchat hub` on free ports of 127.0.0.1, its history on disk
 * in a fresh temporary directory (or in memory), removed when the target stops.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawnHub} from '../dev/zchat.js';
import {runningTarget, type SpawnedTarget} from '../src/bench/targets.js';

/**
 * Events the bench's hubs keep per room: more than a run sends, so a subscriber of the load
 * generator that falls far behind can still catch up from history (as a client would within
 * the default 10,000) and what is measured is delivery, not the retention horizon.
 */
const BENCH_HISTORY = 1_000_000;

export interface HubTargetOptions {
	/** Extra node flags for the hub process (e.g. --cpu-prof). */
	readonly nodeFlags?: readonly string[];
	/** Extra `zchat hub` flags. */
	readonly hubFlags?: readonly string[];
	/** History in memory (--memory) instead of on disk, to tell storage costs from the rest. @default false */
	readonly memory?: boolean;
	/** Added to the hub's environment. */
	readonly env?: NodeJS.ProcessEnv;
	/** Another checkout's built bin/zchat.js (main, say), to compare builds in the same run. @default this checkout's */
	readonly bin?: string;
}

export async function spawnHubTarget(options: HubTargetOptions = {}): Promise<SpawnedTarget> {
	const dir = mkdtempSync(join(tmpdir(), 'zchat-bench-'));
	const cleanup = () => rmSync(dir, {recursive: true, force: true});
	try {
		const hub = await spawnHub(
			[...(options.memory ? ['--memory'] : ['--data', dir]), '--quiet', '--history-limit', String(BENCH_HISTORY), ...(options.hubFlags ?? [])],
			// Whatever the hub says on stderr (errors, warnings) reaches the person running the bench.
			{echoStderr: '[zchat hub] ', ...(options.nodeFlags === undefined ? {} : {nodeFlags: options.nodeFlags}), ...(options.env === undefined ? {} : {env: options.env}), ...(options.bin === undefined ? {} : {bin: options.bin})},
		);
		return runningTarget(hub.proc.child, 'zchat', hub.sub, hub.pub, cleanup);
	} catch (err) {
		cleanup();
		throw err;
	}
}

/** A hub to measure beside the others: its label, and how to start it. */
export interface HubVariant {
	readonly label: string;
	readonly start: () => Promise<SpawnedTarget>;
}

/**
 * A variant from `label=flags`: node flags; after `@` the hub's own flags; after `env:` one
 * NAME=value for the hub's environment; after `bin:` another checkout's bin/zchat.js (built),
 * or bench/null-hub.ts's null hub, then node flags if any, then after a lone `@` its own flags
 * (`null+5=bin:dist/bench/null-hub.js @ --burn-us 5`).
 */
export function hubVariant(spec: string): HubVariant {
	const eq = spec.indexOf('=');
	if (eq <= 0) throw new Error(`--variant ${spec}: write it as label=flags`);
	const label = spec.slice(0, eq);
	const flags = spec.slice(eq + 1).trim();
	if (flags.startsWith('bin:')) {
		// `bin:PATH`, then node flags if any (to profile another build, say), then after a lone `@` its own flags.
		const [bin, ...rest] = flags.slice(4).split(/\s+/);
		const at = rest.indexOf('@');
		const nodeFlags = at < 0 ? rest : rest.slice(0, at);
		const hubFlags = at < 0 ? [] : rest.slice(at + 1);
		return {label, start: () => spawnHubTarget({bin: bin!, ...(nodeFlags.length > 0 ? {nodeFlags} : {}), ...(hubFlags.length > 0 ? {hubFlags} : {})})};
	}
	if (flags.startsWith('env:')) {
		const setting = flags.slice(4);
		const at = setting.indexOf('=');
		if (at <= 0) throw new Error(`--variant ${spec}: write env:NAME=value`);
		return {label, start: () => spawnHubTarget({env: {[setting.slice(0, at)]: setting.slice(at + 1)}})};
	}
	const hub = flags.startsWith('@');
	const list = (hub ? flags.slice(1) : flags).split(/\s+/).filter(Boolean);
	return {label, start: () => spawnHubTarget(hub ? {hubFlags: list, memory: list.includes('--memory')} : {nodeFlags: list})};
}
