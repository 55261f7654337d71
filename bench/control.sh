#!/usr/bin/env bash
# The control tables of the README (issue 5): a class-conditional U-Net trained on all ten MNIST digits,
# scored by `./ddpm eval` at guidance 0, 1, 2 and 4, plain and with guidance rescale $PHI (per-class and
# mean accuracy, domain FID), the trade-off plot, a grid with one row per class (default guidance), and one
# digit inpainted from four masks.
# BUDGET is a step count (4000, the same model on any machine) or minutes (30m: wall-clock, so run it on an
# idle machine). Extra arguments are training flags (e.g. --min-snr 5); NAME names the run directory.
# W lists the plain guidance rows, PHI_W the rows with guidance rescale $PHI (empty: none); INTERVALS adds
# rows "W:FROM:TO" with a guidance interval (see bench/interval.sh for a wider sweep).
# Usage: [NAME=..] [W="0 1 2 4"] [PHI_W="1 2 4"] [INTERVALS=".."] bench/control.sh [BUDGET=4000] [N=100 per class] [TRAIN FLAGS...]
# METER: the quality meter of every eval (default 3; numbers measured before 2026-11-28 used METER=2).
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-4000}
n=${2:-100}
shift $(( $# < 2 ? $# : 2 ))
phi=${PHI:-0.7}
ws=${W-0 1 2 4}
phi_ws=${PHI_W-1 2 4}
intervals=${INTERVALS-}
./ddpm --version >/dev/null
cp="target/ddpm4j.jar:target/lib/*"
out=runs/control
mkdir -p "$out" docs
case "$budget" in
  *m) run="$out/${NAME:-cond-${budget}}"; flags=(--minutes "${budget%m}") ;;
  *) run="$out/${NAME:-cond-${budget}steps}"; flags=(--steps "$budget") ;;
esac
[ -f "$run/checkpoint.ddpm" ] || ./ddpm train --data mnist --conditional "${flags[@]}" "$@" --out "$run" --force
res="$run-guidance-n$n$([ "${METER:-3}" = 2 ] || echo "-meter${METER:-3}").jsonl"
: > "$res"
for w in $ws; do
  ./ddpm eval --meter "${METER:-3}" --run "$run" --n "$n" --guidance "$w" --guidance-rescale 0 2>/dev/null | head -1 | tee -a "$res"
done
for w in $phi_ws; do
  ./ddpm eval --meter "${METER:-3}" --run "$run" --n "$n" --guidance "$w" --guidance-rescale "$phi" 2>/dev/null | head -1 | tee -a "$res"
done
java -cp "$cp" bench/PlotGuidance.java "$res" docs/guidance-tradeoff.png
[ -z "$intervals" ] || : > "$run-interval-n$n.jsonl"
for spec in $intervals; do
  IFS=: read -r w from to <<< "$spec"
  ./ddpm eval --meter "${METER:-3}" --run "$run" --n "$n" --guidance "$w" --guidance-rescale 0 --guidance-interval "$from:$to" 2>/dev/null | head -1 \
    | tee -a "$run-interval-n$n.jsonl"
done
./ddpm sample --run "$run" --class all --n 8 --out "$run-classes" 2>/dev/null
cp "$run-classes/grid.png" docs/control-classes.png
# inpainting: one real 7, four masks, 6 completions each, guided towards class 7
java -cp "$cp" bench/InpaintInputs.java 7 "$out/inpaint-inputs"
panels=()
for m in left-half right-half centre-square random-pixels; do
  ./ddpm inpaint --run "$run" --image "$out/inpaint-inputs/digit.png" --mask "$out/inpaint-inputs/mask-$m.png" \
    --class 7 --n 6 --out "$out/inpaint-$m" 2>/dev/null
  panels+=("$out/inpaint-$m/panel.png")
done
java -cp "$cp" bench/StackImages.java docs/inpaint-masks.png "${panels[@]}"
