/** The real zchat binary as a child process, and a hub on free ports: dev/zchat.ts, where the bench and the demo use them too. */
export {spawnHub, spawnRelay, spawnZchat, ZCHAT_BIN, type Proc, type SpawnedHub, type SpawnedRelay} from '../../dev/zchat.js';
