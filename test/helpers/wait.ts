/** Waiting with deadlines, not sleeps: dev/wait.ts, where the bench and the demo use it too. */
export {once, waitFor} from '../../dev/wait.js';
