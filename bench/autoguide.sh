#!/usr/bin/env bash
# Autoguidance against classifier-free guidance on one conditional run (issue 5's target: class accuracy
# >= 99.5% with FID no worse than unguided). Trains the weak guide runs that are missing (each a
# conditional run on the same data and diffusion, fewer steps and/or a narrower network), then scores
# `./ddpm eval --run RUN --n N --guidance W --guide-run GUIDE --seed S` for every "GUIDE_NAME:W[:S[:ETA[:CFG]]]" in ROWS
# (GUIDE_NAME "-": no guide run, i.e. classifier-free guidance W; "real": the real-data row of `eval --real`;
# a name with slashes is a path under runs/control/; ETA adds --guidance-parallel ETA, CFG adds --cfg CFG;
# an empty field is left out).
# GUIDES lists "NAME:TRAIN FLAGS" (commas for spaces) for the guide runs under runs/control/.
# The unguided seed-0 row and the classifier-free rows are bench/control.sh's. Results: RUN-autoguide-nN.jsonl
# (APPEND=1 adds to it instead of starting it anew). METER (default 3) is eval's --meter; meter 2's results
# keep their old name, meter 3's end in -meter3.jsonl.
# Usage: [METER=3] [GUIDES=".."] [ROWS=".."] bench/autoguide.sh RUN [N=100 per class]
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:?usage: bench/autoguide.sh RUN [N]}
n=${2:-100}
guides=${GUIDES-ab-snr0:--steps,800,--min-snr,0 guide-400:--steps,400,--min-snr,0 guide-b16-800:--steps,800,--base,16,--min-snr,0}
rows=${ROWS--:0:1 -:0:2 real:0:0 real:0:1 real:0:2 ab-snr0:0.5 ab-snr0:1 ab-snr0:1:1 ab-snr0:1.5 ab-snr0:2 ab-snr0:3 guide-400:0.5 guide-400:1 guide-b16-800:1 guide-b16-800:2}
./ddpm --version >/dev/null
out=runs/control
for spec in $guides; do
  name=${spec%%:*}
  IFS=, read -r -a flags <<< "${spec#*:}"
  [ -f "$out/$name/checkpoint.ddpm" ] || ./ddpm train --data mnist --conditional "${flags[@]}" --out "$out/$name" --force
done
meter=${METER:-3}
suffix=$([ "$meter" = 2 ] || echo "-meter$meter")
res="$run-autoguide-n$n$suffix.jsonl"
[ "${APPEND:-0}" = 1 ] || : > "$res"
for row in $rows; do
  IFS=: read -r name w seed eta cfg <<< "$row"
  case "$name" in
    real) args=(--real) ;;
    -) args=(--guidance "$w") ;;
    *) args=(--guidance "$w" --guide-run "$out/$name") ;;
  esac
  [ -z "${eta:-}" ] || args+=(--guidance-parallel "$eta")
  [ -z "${cfg:-}" ] || args+=(--cfg "$cfg")
  ./ddpm eval --run "$run" --n "$n" --seed "${seed:-0}" --meter "$meter" "${args[@]}" 2>/dev/null | head -1 | tee -a "$res"
done
