#!/usr/bin/env bash
# The sampler table of the README: domain FID, class accuracy and images/s of each sampler at several
# network-call counts, on one trained default U-Net (default: runs/quality/unet-30m from bench/quality.sh).
# Writes runs/samplers/results.jsonl and docs/fid-vs-steps.png.
# Usage: bench/samplers.sh [RUN] [N=200]
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:-runs/quality/unet-30m}
n=${2:-200}
./ddpm --version >/dev/null
mkdir -p runs/samplers
res=runs/samplers/results.jsonl
: > "$res"
for steps in 10 20 50 100; do
  for s in ddpm ddim dpm++; do
    ./ddpm eval --run "$run" --n "$n" --sampler "$s" --steps "$steps" 2>/dev/null | head -1 | tee -a "$res"
  done
done
# the 1000-step reference: the seed's ancestral sampler
./ddpm eval --run "$run" --n "$n" --sampler ddpm --steps 1000 2>/dev/null | head -1 | tee -a "$res"
java -cp "target/ddpm4j.jar:target/lib/*" bench/PlotFid.java "$res" docs/fid-vs-steps.png
