import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {HubServer, type HubServerOptions} from '../../src/hub/server.js';
import './close-trace.js';

/** A hub in this process on free ports of 127.0.0.1, history in memory unless a data dir is given. */
export async function startHub(options: HubServerOptions = {}): Promise<HubServer> {
	return HubServer.start({host: '127.0.0.1', subPort: 0, pubPort: 0, ...options});
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'zchat-test-'): {path: string; remove: () => void} {
	const path = mkdtempSync(join(tmpdir(), prefix));
	return {path, remove: () => rmSync(path, {recursive: true, force: true})};
}
