#!/usr/bin/env bash
# Profile of training steps of the default U-Net (MNIST 1s, batch 64) under PyTorch's profiler, summed per op.
# Usage: bench/profile_step.sh [STEPS=30] [OUT=runs/profile]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-30}; out=${2:-runs/profile}
./ddpm --version >/dev/null   # builds target/ddpm4j.jar if needed
mkdir -p "$out/classes"; rm -rf "$out/run" "$out/run-warm"
javac -d "$out/classes" -cp "target/ddpm4j.jar:target/lib/*" bench/ProfileStep.java
java -XX:MaxDirectMemorySize=512m -cp "$out/classes:target/ddpm4j.jar:target/lib/*" ProfileStep "$steps" "$out/trace.json" "$out/run" \
  | tee "$out/wall.txt"
wall=$(awk '{print $4}' "$out/wall.txt")
python3 bench/profile_summary.py "$out/trace.json" "$steps" "$wall"
