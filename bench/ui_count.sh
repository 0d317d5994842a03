#!/usr/bin/env bash
# Instructions per request of each watched screen (callgrind), for the code in this folder.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/firebell_ui_bench DEBUG=0 SECRET_KEY=… \
#     ALLOWED_HOSTS=testserver bash bench/ui_count.sh [python]
# Prints "<screen> <millions of instructions per request>".
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${1:-.venv/bin/python}"
BUSY="${BUSY:-100000}"
REQUESTS="${REQUESTS:-10}"
out="$(mktemp -d)"
count() {  # name url [hx-target]
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/cg" \
    "$PYTHON" bench/ui_count.py "$2" "$REQUESTS" ${3:-} >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }
  local total
  total="$(grep -h '^summary:\|^totals:' "$out"/cg* | awk '{s += $2} END {print s}')"
  awk -v t="$total" -v n="$REQUESTS" -v name="$1" 'BEGIN {printf "%-18s %6.1f M\n", name, t / n / 1e6}'
  rm -f "$out"/cg*
}
count "board" "/"
count "board-poll" "/" board
count "incident-page" "/incidents/$BUSY/"
count "timeline-region" "/incidents/$BUSY/parts/${TIMELINE_REGION:-incident_timeline}/"
count "list" "/incidents/"
rm -rf "$out"
