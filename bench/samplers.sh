#!/usr/bin/env bash
# The sampler table of the README: domain FID, class accuracy and images/s of each sampler at several
# network-call counts, on one trained default U-Net (default: runs/quality/unet-30m from bench/quality.sh).
# Writes runs/samplers/results.jsonl and docs/fid-vs-steps.png.
# Usage: bench/samplers.sh [RUN] [N=200]
#   CALLS="10 20 50 100 1000" (default) chooses the network-call counts, SAMPLERS="ddpm ddim dpm++" the
#   samplers; APPEND=1 adds to an existing results file instead of starting a new one (to fill in cells).
# METER: the quality meter of every eval (default 3; numbers measured before 2026-11-28 used METER=2).
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:-runs/quality/unet-30m}
n=${2:-200}
./ddpm --version >/dev/null
mkdir -p runs/samplers
res=runs/samplers/results.jsonl
[ "${APPEND:-0}" = 1 ] || : > "$res"
for steps in ${CALLS:-10 20 50 100 1000}; do
  for s in ${SAMPLERS:-ddpm ddim dpm++}; do
    ./ddpm eval --meter "${METER:-3}" --run "$run" --n "$n" --sampler "$s" --steps "$steps" 2>/dev/null | head -1 | tee -a "$res"
  done
done
java -cp "target/ddpm4j.jar:target/lib/*" bench/PlotFid.java "$res" docs/fid-vs-steps.png
