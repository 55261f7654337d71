#!/usr/bin/env bash
# min-SNR weighting on a class-conditional run: the same 800-step training (all ten MNIST digits) with
# --min-snr 0 (plain v loss) and 5 (the U-Net default), each scored unguided by `./ddpm eval --n N --guidance 0`.
# Usage: bench/minsnr_ab.sh [STEPS=800] [N=50]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-800}
n=${2:-50}
out=runs/control
res="$out/minsnr-ab-${steps}steps-n$n.jsonl"
mkdir -p "$out"
: > "$res"
for g in 0 5; do
  ./ddpm train --data mnist --conditional --steps "$steps" --min-snr "$g" --out "$out/ab-snr$g" --force >/dev/null
  ./ddpm eval --run "$out/ab-snr$g" --n "$n" --guidance 0 2>/dev/null | head -1 | tee -a "$res"
done
