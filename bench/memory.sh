#!/usr/bin/env bash
# Native-memory flatness of a long training run: trains the default U-Net for 5,000 steps (batch 8 to keep
# it short) and reads the resident memory that the training log records every 100 steps.
# Prints RSS at steps 1,000 and 5,000, their ratio, and the peak. Usage: bench/memory.sh [STEPS=5000]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-5000}
./ddpm --version >/dev/null
run=runs/memory
mkdir -p runs
./ddpm train --data mnist --digit 1 --batch 8 --steps "$steps" --sample-every 0 --checkpoint-every 1000 --out "$run" --force > runs/memory.out 2>/dev/null
r1=$(grep '"step":1000,' "$run/train_log.jsonl" | sed 's/.*"rss_mib":\([0-9.]*\).*/\1/')
r2=$(grep "\"step\":$steps," "$run/train_log.jsonl" | sed 's/.*"rss_mib":\([0-9.]*\).*/\1/')
peak=$(grep -o 'peak RSS [0-9]* MiB' runs/memory.out | grep -o '[0-9]*')
awk -v a="$r1" -v b="$r2" -v p="$peak" -v s="$steps" 'BEGIN {printf "{\"bench\": \"train-memory\", \"rss_mib_step_1000\": %s, \"rss_mib_step_%d\": %s, \"change_pct\": %.2f, \"peak_rss_mib\": %s}\n", a, s, b, 100*(b-a)/a, p}'
