#!/usr/bin/env bash
# Instructions per request of each watched screen (callgrind), for the code in this folder.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/firebell_ui_bench DEBUG=0 SECRET_KEY=… \
#     ALLOWED_HOSTS=testserver bash bench/ui_count.sh [python]
# Prints "<screen> <millions of instructions per request>". Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${1:-.venv/bin/python}"
BUSY="${BUSY:-100000}"
out="$(mktemp -d)"
count() {  # name url [hx-target]
  local total=()
  for n in 0 10; do
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.$n" "$PYTHON" bench/ui_count.py "$2" "$n" ${3:-} >/dev/null 2>&1
    total+=("$(grep -m1 '^summary:' "$out/cg.$n" | awk '{print $2}')")
  done
  echo "$1 $(( (total[1] - total[0]) / 10 / 100000 ))e-1 M"
}
count "board" "/"
count "board-poll" "/" board
count "incident-page" "/incidents/$BUSY/"
count "timeline-region" "/incidents/$BUSY/parts/${TIMELINE_REGION:-incident_timeline}/"
count "list" "/incidents/"
rm -rf "$out"
