#!/usr/bin/env bash
# FID and accuracy against network calls for the deterministic samplers on one run:
# ./ddpm eval --run RUN --n N --sampler S --steps K [--guidance W] for every S in SAMPLERS and K in STEPS.
# Usage: [SAMPLERS="ddim dpm++ ipndm"] [STEPS="4 6 10 20"] [GUIDANCE=W] bench/fewsteps.sh RUN [N=100] [OUT=RUN-fewsteps.jsonl]
set -euo pipefail
cd "$(dirname "$0")/.."
run=$1; n=${2:-100}; out=${3:-$run-fewsteps.jsonl}
g=(); [ -z "${GUIDANCE:-}" ] || g=(--guidance "$GUIDANCE")
./ddpm --version >/dev/null
: > "$out"
for k in ${STEPS:-4 6 10 20}; do
  for s in ${SAMPLERS:-ddim dpm++ ipndm}; do
    ./ddpm eval --run "$run" --n "$n" --sampler "$s" --steps "$k" "${g[@]}" 2>/dev/null | head -1 | tee -a "$out"
  done
done
