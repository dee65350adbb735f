/**
 * Imported first by a test that draws Ink live in this process: Ink (through is-in-ci) reads CI
 * when it loads and then draws no live frames, as `zchat join` hides CI from it on a terminal
 * (src/cli/join-command.ts). CI runs the tests with CI=true; this test's terminal is real (tmux).
 */
for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[name];
