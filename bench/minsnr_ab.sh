#!/usr/bin/env bash
# min-SNR weighting on a class-conditional run: the same 800-step training (all ten MNIST digits) with
# --min-snr 0 (plain v loss) and 5 (the unconditional U-Net default), each scored unguided by
# `./ddpm eval --n N --guidance 0`. With DIGIT=D the same A/B on unconditional runs of digit D instead
# (runs/quality/ab-snrG-digitD, scored by `./ddpm eval --n N`: N images of that digit).
# Usage: [DIGIT=D] bench/minsnr_ab.sh [STEPS=800] [N=50]
# METER: the quality meter of every eval (default 3; numbers measured before 2026-11-28 used METER=2).
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-800}
n=${2:-50}
if [ -n "${DIGIT:-}" ]; then
  out=runs/quality; tag="-digit$DIGIT"; data=(--digit "$DIGIT"); guide=()
else
  out=runs/control; tag=""; data=(--conditional); guide=(--guidance 0)
fi
res="$out/minsnr-ab-${steps}steps-n$n$tag.jsonl"
mkdir -p "$out"
: > "$res"
for g in 0 5; do
  ./ddpm train --data mnist "${data[@]}" --steps "$steps" --min-snr "$g" --out "$out/ab-snr$g$tag" --force >/dev/null
  ./ddpm eval --meter "${METER:-3}" --run "$out/ab-snr$g$tag" --n "$n" "${guide[@]}" 2>/dev/null | head -1 | tee -a "$res"
done
