#!/usr/bin/env bash
# The quality table of the README: the seed's network with its own recipe, and the default U-Net after
# 5, 15 and 30 minutes of training, each scored by `./ddpm eval` (500 images, each run's default sampler).
# Writes runs/quality/*.json (one eval JSON line per row) and copies a grid per row to docs/.
# Run on an idle machine: --minutes budgets are wall-clock. Usage: bench/quality.sh [MINUTES...]
set -euo pipefail
cd "$(dirname "$0")/.."
./ddpm --version >/dev/null
out=runs/quality
mkdir -p "$out" docs
minutes=("$@"); [ ${#minutes[@]} -gt 0 ] || minutes=(5 15 30)
if [ ! -f "$out/seed/checkpoint.ddpm" ]; then
  ./ddpm train --model seed --data mnist --digit 1 --epochs 20 --out "$out/seed" --force
fi
./ddpm eval --run "$out/seed" --n 500 2>/dev/null | head -1 | tee "$out/seed.json"
./ddpm sample --run "$out/seed" --n 64 --out "$out/seed-samples" 2>/dev/null
cp "$out/seed-samples/grid.png" docs/quality-seed.png
for m in "${minutes[@]}"; do
  run="$out/unet-${m}m"
  if [ ! -f "$run/checkpoint.ddpm" ]; then
    ./ddpm train --data mnist --digit 1 --minutes "$m" --out "$run" --force
  fi
  ./ddpm eval --run "$run" --n 500 2>/dev/null | head -1 | tee "$out/unet-${m}m.json"
  ./ddpm sample --run "$run" --n 64 --out "$run-samples" 2>/dev/null
  cp "$run-samples/grid.png" "docs/quality-unet-${m}m.png"
done
