/** The real zchat binary as a child process, and a hub on free ports: dev/zchat.ts, where the bench and the demo use them too. */
export {spawnHub, spawnZchat, ZCHAT_BIN, type Proc, type SpawnedHub} from '../../dev/zchat.js';
