#!/usr/bin/env bash
# The README's measured recipes for all ten digits and for a picture folder, with the current defaults:
#   bench/recipes.sh digits-train   ./ddpm train --data mnist --conditional --minutes 30 (run alone: wall-clock budget)
#   bench/recipes.sh digits-eval    ./ddpm eval at N=100 per class for each guidance in W (default "0 0.25 0.5 1 2"),
#                                   plus --real (what real digits score), and a grid with one row per class
#   bench/recipes.sh shapes-train   the coloured-shapes folder (org.ddpm4j.data.Shapes, 4 classes, 2,000 pictures),
#                                   ./ddpm train --data folder:DIR --size 32 --conditional --minutes 30 (run alone)
#   bench/recipes.sh shapes-eval    ./ddpm eval at N=100 per class (classifier trained on the folder), --real, a grid
# MINUTES overrides 30. Raw lines go to runs/recipes/*.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${MINUTES:-30}
out=runs/recipes
mkdir -p "$out"
./ddpm --version >/dev/null
case "${1:?phase}" in
  digits-train)
    ./ddpm train --data mnist --conditional --minutes "$minutes" --out "$out/digits-${minutes}m" --force ;;
  digits-eval)
    run="$out/digits-${minutes}m"; res="$run-guidance.jsonl"; : > "$res"
    ./ddpm eval --run "$run" --n 100 --real 2>/dev/null | head -1 | tee -a "$res"
    for w in ${W:-0 0.25 0.5 1 2}; do
      ./ddpm eval --run "$run" --n 100 --guidance "$w" 2>/dev/null | head -1 | tee -a "$res"
    done
    ./ddpm sample --run "$run" --class all --n 8 --seed 0 --out "$run-classes" 2>/dev/null ;;
  shapes-train)
    [ -d "$out/shapes" ] || java -cp "target/ddpm4j.jar:target/lib/*" org.ddpm4j.data.Shapes "$out/shapes" 500 4 0
    ./ddpm train --data "folder:$out/shapes" --size 32 --conditional --minutes "$minutes" --out "$out/shapes-${minutes}m" --force ;;
  shapes-eval)
    run="$out/shapes-${minutes}m"; res="$run-eval.jsonl"; : > "$res"
    ./ddpm eval --run "$run" --n 100 --real 2>/dev/null | head -1 | tee -a "$res"
    ./ddpm eval --run "$run" --n 100 2>/dev/null | head -1 | tee -a "$res"
    ./ddpm sample --run "$run" --class all --n 8 --seed 0 --out "$run-classes" 2>/dev/null ;;
  *) echo "unknown phase $1" >&2; exit 2 ;;
esac
