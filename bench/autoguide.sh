#!/usr/bin/env bash
# Autoguidance against classifier-free guidance on one conditional run (issue 5's target: class accuracy
# >= 99.5% with FID no worse than unguided). Trains the weak guide runs that are missing (each a
# conditional run on the same data and diffusion, fewer steps and/or a narrower network), then scores
# `./ddpm eval --run RUN --n N --guidance W --guide-run GUIDE --seed S` for every "GUIDE_NAME:W[:S]" in ROWS
# (GUIDE_NAME "-": no guide run, i.e. classifier-free guidance W; "real": the real-data row of `eval --real`).
# GUIDES lists "NAME:TRAIN FLAGS" (commas for spaces) for the guide runs under runs/control/.
# Usage: [GUIDES=".."] [ROWS=".."] bench/autoguide.sh RUN [N=100 per class]
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:?usage: bench/autoguide.sh RUN [N]}
n=${2:-100}
guides=${GUIDES-guide-b16-800:--steps,800,--base,16,--min-snr,0 ab-snr0:--steps,800,--min-snr,0}
rows=${ROWS-guide-b16-800:1 ab-snr0:1}
./ddpm --version >/dev/null
out=runs/control
for spec in $guides; do
  name=${spec%%:*}
  IFS=, read -r -a flags <<< "${spec#*:}"
  [ -f "$out/$name/checkpoint.ddpm" ] || ./ddpm train --data mnist --conditional "${flags[@]}" --out "$out/$name" --force
done
res="$run-autoguide-n$n.jsonl"
touch "$res"
for row in $rows; do
  IFS=: read -r name w seed <<< "$row"
  case "$name" in
    real) args=(--real) ;;
    -) args=(--guidance "$w") ;;
    *) args=(--guidance "$w" --guide-run "$out/$name") ;;
  esac
  ./ddpm eval --run "$run" --n "$n" --seed "${seed:-0}" "${args[@]}" 2>/dev/null | head -1 | tee -a "$res"
done
