#!/usr/bin/env bash
# Guidance interval (Kynkäänniemi et al. 2024) on a class-conditional run: `./ddpm eval` at the settings below
# (guidance w, guided noise levels t/T), N images of every class each; appends one JSON line per setting.
# Usage: bench/interval.sh RUN [N=50] [OUT=runs/control/interval-n$N.jsonl]
# METER: the quality meter of every eval (default 3; numbers measured before 2026-11-28 used METER=2).
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:?usage: bench/interval.sh RUN [N=50] [OUT]}
n=${2:-50}
res=${3:-runs/control/interval-n$n.jsonl}
mkdir -p "$(dirname "$res")"
for spec in "0 0:1" "0.5 0:1" "1 0:1" "1 0.2:0.8" "2 0.2:0.8" "2 0.4:0.9" "3 0.3:0.7" "2 0.5:1"; do
  set -- $spec
  ./ddpm eval --meter "${METER:-3}" --run "$run" --n "$n" --guidance "$1" --guidance-rescale 0 --guidance-interval "$2" 2>/dev/null | head -1 | tee -a "$res"
done
