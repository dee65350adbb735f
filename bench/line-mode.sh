#!/usr/bin/env bash
# Messages a second one hub carries between line-mode clients: a receiver (`zchat join --plain
# --stay`) and N senders, each piping L lines into `zchat join`. A sender exits once every line
# it sent is stored by the hub and back on the feed, so the time until the last one exits is
# end to end; it includes starting the senders' Node processes (~0.3 s).
#
#   npm run build && bash bench/line-mode.sh [senders=1] [lines=20000] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
senders=${1:-1}
lines=${2:-20000}
rounds=${3:-3}
zchat=(node bin/zchat.js)
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT

for i in $(seq 1 "$senders"); do seq "$lines" | sed "s/^/s$i line /" > "$dir/in$i"; done

for round in $(seq 1 "$rounds"); do
	"${zchat[@]}" hub --memory --sub 0 --pub 0 --rate-limit off -q > "$dir/hub" 2>&1 &
	hub=$!
	until grep -q -- '--sub [0-9]' "$dir/hub"; do sleep 0.05; done
	read -r sub pub < <(grep -o -- '--sub [0-9]* --pub [0-9]*' "$dir/hub" | head -1 | awk '{print $2, $4}')
	address=(--sub "$sub" --pub "$pub")
	"${zchat[@]}" join --plain --stay --nick rx --history 0 "${address[@]}" > "$dir/rx" < /dev/null &
	rx=$!
	until grep -q "rx joined" "$dir/rx"; do sleep 0.05; done

	started=$(date +%s%N)
	pids=()
	for i in $(seq 1 "$senders"); do
		"${zchat[@]}" join --plain --nick "tx$i" --history 0 --timeout 120 "${address[@]}" < "$dir/in$i" > /dev/null 2> "$dir/err$i" &
		pids+=($!)
	done
	codes=()
	for p in "${pids[@]}"; do
		if wait "$p"; then codes+=(0); else codes+=($?); fi
	done
	ms=$(( ($(date +%s%N) - started) / 1000000 ))
	# The receiver prints what it gets as it gets it: give it a moment to write the last lines.
	for _ in $(seq 1 40); do
		[ "$(grep -c ' line ' "$dir/rx" || true)" -ge $((senders * lines)) ] && break
		sleep 0.05
	done
	got=$(grep -o 's[0-9]* line [0-9]*' "$dir/rx" | sort -u | wc -l)
	echo "round $round: $senders × $lines lines in $ms ms (exit codes ${codes[*]}): $(( senders * lines * 1000 / (ms > 0 ? ms : 1) )) msg/s; the receiver got $got distinct of $((senders * lines))"
	for i in $(seq 1 "$senders"); do [ -s "$dir/err$i" ] && { echo "sender $i said:"; head -c 600 "$dir/err$i"; }; done
	kill "$rx" "$hub"
	wait "$rx" "$hub" 2>/dev/null || true
	: > "$dir/rx"
done
