#!/usr/bin/env bash
# Wall time of `./ddpm demo` cold (no checkpoint: trains 20 epochs, then samples) and warm (checkpoint
# present: loads and samples). The jar is built first, outside the timing. Run on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
./ddpm --version >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t0=$(date +%s.%N); ./ddpm demo --checkpoint "$tmp/run" --out "$tmp/cold.png" >/dev/null 2>&1; t1=$(date +%s.%N)
./ddpm demo --checkpoint "$tmp/run" --out "$tmp/warm.png" >/dev/null 2>&1; t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {printf "{\"bench\": \"demo\", \"cold_s\": %.1f, \"warm_s\": %.1f}\n", b-a, c-b}'
