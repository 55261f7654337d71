#!/usr/bin/env bash
# Few-step table of one conditional teacher and its distilled students: ./ddpm eval (N per class, seeds 0
# and 1) for the teacher with DDIM, DPM-Solver++ 2M and iPNDM at trailing time points, each count in
# COUNTS, plus DDIM 20 (the default) as the reference; then every student at its own steps (a consistency
# student also at 1 and 2); then the
# sampling time of 64 images in one warm process (bench/DistillSpeed.java). Raw lines go to runs/distill/.
# Usage: bench/distill.sh TEACHER [N=100] [COUNTS="1 2 4 8"] STUDENT...
set -euo pipefail
cd "$(dirname "$0")/.."
teacher=$1; n=${2:-100}; counts=${3:-"1 2 4 8"}; shift $(( $# < 3 ? $# : 3 ))
students=("$@")
out=runs/distill; mkdir -p "$out"
for seed in 0 1; do
  ./ddpm eval --run "$teacher" --n "$n" --seed "$seed" 2>/dev/null | head -1 | tee -a "$out/eval.jsonl"
  for s in "${students[@]}"; do
    ./ddpm eval --run "$s" --n "$n" --seed "$seed" 2>/dev/null | head -1 | tee -a "$out/eval.jsonl"
    if grep -q '"method": *"consistency"' "$s/config.json"; then # a consistency student samples at 1 to K steps
      for k in 1 2; do
        ./ddpm eval --run "$s" --n "$n" --seed "$seed" --steps "$k" 2>/dev/null | head -1 | tee -a "$out/eval.jsonl"
      done
    fi
  done
done
for k in $counts; do
  for sampler in ddim dpm++ ipndm; do
    [ "$sampler" = ipndm ] && [ "$k" -lt 2 ] && continue
    ./ddpm eval --run "$teacher" --n "$n" --sampler "$sampler" --steps "$k" --spacing trailing 2>/dev/null | head -1 | tee -a "$out/eval.jsonl"
  done
done
java -cp "target/ddpm4j.jar:target/lib/*" -Dai.djl.offline=true -XX:MaxDirectMemorySize=512m bench/DistillSpeed.java "$teacher" "${students[@]}" \
  | tee -a "$out/speed.jsonl"
