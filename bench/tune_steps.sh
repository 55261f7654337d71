#!/usr/bin/env bash
# Tuned against default time points on one run: for each sampler and step count, ./ddpm tune-steps
# (its own seed, --n images per candidate), then ./ddpm eval on the default seed 0 with the tuned points
# and with --spacing trailing, N per class. Raw lines go to runs/tune-steps/.
# Usage: bench/tune_steps.sh RUN [MINUTES=10] [N=100] [SAMPLER:K ...]   (default: ipndm:4 ipndm:10 ddim:10)
set -euo pipefail
cd "$(dirname "$0")/.."
run=$1; minutes=${2:-10}; n=${3:-100}; shift $(( $# < 3 ? $# : 3 ))
pairs=("$@"); [ ${#pairs[@]} -eq 0 ] && pairs=(ipndm:4 ipndm:10 ddim:10)
out=runs/tune-steps; mkdir -p "$out"
for p in "${pairs[@]}"; do
  s=${p%%:*}; k=${p##*:}
  ./ddpm tune-steps --run "$run" --sampler "$s" --steps "$k" --minutes "$minutes" 2> "$out/tune-$s-$k.err" | head -1 | tee -a "$out/tune.jsonl"
  ./ddpm eval --run "$run" --sampler "$s" --steps "$k" --n "$n" 2>/dev/null | head -1 | tee -a "$out/eval.jsonl"
  ./ddpm eval --run "$run" --sampler "$s" --steps "$k" --n "$n" --spacing trailing 2>/dev/null | head -1 | tee -a "$out/eval.jsonl"
done
