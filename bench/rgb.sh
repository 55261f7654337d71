#!/usr/bin/env bash
# The RGB image-folder run of the README (issue 6): 2,000 generated pictures of coloured shapes (4 classes,
# mixed sizes and formats), a class-conditional U-Net trained on them at 32x32 RGB for MINUTES, a grid with
# one row per class, and ./ddpm eval (classifier trained on the folder's classes).
# Run on an idle machine: --minutes budgets are wall-clock.
# Usage: bench/rgb.sh [MINUTES=10] [N=50 per class]
# METER: the quality meter of every eval (default 3; numbers measured before 2026-11-28 used METER=2).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
n=${2:-50}
./ddpm --version >/dev/null
out=runs/rgb
mkdir -p "$out" docs
[ -d "$out/shapes" ] || java -cp "target/ddpm4j.jar:target/lib/*" org.ddpm4j.data.Shapes "$out/shapes" 500 4 0
run="$out/shapes-${minutes}m"
[ -f "$run/checkpoint.ddpm" ] || ./ddpm train --data "folder:$out/shapes" --size 32 --conditional --minutes "$minutes" --out "$run" --force
grep -o '"images_per_s":[0-9.]*' "$run/train_log.jsonl" | cut -d: -f2 | sort -n | awk '{a[NR]=$1} END {print "{\"bench\": \"rgb-train\", \"median_images_per_s\": " a[int((NR+1)/2)] ", \"steps\": " NR "}"}' | tee "$out/train-speed.json"
./ddpm eval --meter "${METER:-3}" --run "$run" --n "$n" 2>/dev/null | head -1 | tee "$out/eval-n$n.json"
./ddpm sample --run "$run" --class all --n 8 --out "$run-classes" 2>/dev/null
cp "$run-classes/grid.png" docs/rgb-shapes-classes.png
