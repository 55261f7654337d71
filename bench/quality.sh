#!/usr/bin/env bash
# The quality table of the README: the default U-Net after 5, 15 and 30 minutes of training and the seed's
# network with its own recipe (20 epochs, 1000-step ancestral sampling), each scored by `./ddpm eval`
# with each run's default sampler, plus the real-vs-real floor at the same N.
# Writes runs/quality/*.json (one eval JSON line per row) and a 4x4 grid per row to docs/.
# Run on an idle machine: --minutes budgets are wall-clock.
# Usage: bench/quality.sh [N=100] [ROWS...]   rows: 5 15 30 (U-Net minutes), seed, real; default: all
# METER: the quality meter of every eval (default 3; numbers measured before 2026-11-28 used METER=2).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}; shift || true
rows=("$@"); [ ${#rows[@]} -gt 0 ] || rows=(30 5 15 seed real)
./ddpm --version >/dev/null
out=runs/quality
mkdir -p "$out" docs
for row in "${rows[@]}"; do
  case "$row" in
    seed)
      run="$out/seed"
      [ -f "$run/checkpoint.ddpm" ] || ./ddpm train --model seed --data mnist --digit 1 --epochs 20 --out "$run" --force ;;
    real)
      ./ddpm eval --meter "${METER:-3}" --run "$out/seed" --n "$n" --real 2>/dev/null | head -1 | tee "$out/real-n$n.json"
      continue ;;
    *)
      run="$out/unet-${row}m"
      [ -f "$run/checkpoint.ddpm" ] || ./ddpm train --data mnist --digit 1 --minutes "$row" --out "$run" --force ;;
  esac
  name=$(basename "$run")
  ./ddpm eval --meter "${METER:-3}" --run "$run" --n "$n" 2>/dev/null | head -1 | tee "$out/$name-n$n.json"
  ./ddpm sample --run "$run" --n 16 --out "$run-samples" 2>/dev/null
  cp "$run-samples/grid.png" "docs/quality-$name.png"
done
