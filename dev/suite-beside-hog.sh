#!/usr/bin/env bash
# The suite as `npm test` runs it (after its build), RUNS times in a row, each beside one CPU
# hog (a `node -e` busy loop), as issue 17 asks of it: a summary line a run, in order.
#   npm run build && bash dev/suite-beside-hog.sh [RUNS] [SUMMARY_FILE]
# Stops at the first failure (its log is kept); after each run it kills what a test file
# killed at its timeout left running (orphans of this checkout's bin/ or dist/), so that one failure does not load the runs after it.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
summary=${2:-suite-beside-hog.log}
here=$(pwd)
for n in $(seq 1 "$runs"); do
	node -e 'for(;;){}' &
	hog=$!
	start=$(date +%s)
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	log=$(mktemp -t suite-beside-hog-XXXXXX.log)
	node --test --test-concurrency=2 --test-timeout=120000 --test-force-exit dist/test/*.test.js >"$log" 2>&1
	rc=$?
	kill "$hog"
	# Orphans only (their parent, the killed test file, is gone): not a hub you started yourself.
	left=$(pgrep -P 1 -f "$here/(bin|dist)/" | wc -l)
	pkill -9 -P 1 -f "$here/(bin|dist)/" 2>/dev/null
	echo "run $n of $runs @$(git rev-parse --short HEAD): exit $rc, $(($(date +%s) - start)) s, load before $load, $(grep -E '^# (pass|fail|cancelled)' "$log" | tr '\n' ' ')left behind $left" | tee -a "$summary"
	if [ "$rc" -ne 0 ]; then
		echo "run $n failed: $log" | tee -a "$summary"
		exit 1
	fi
	rm -f "$log"
done
