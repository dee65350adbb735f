/** The real `zchat join` in a pseudo-terminal (tmux): dev/tmux.ts, where the TUI bench uses it too. */
export {requireTmux, TmuxTui} from '../../dev/tmux.js';
