#!/usr/bin/env bash
# Training images/s of the seed's network at batch 64: ddpm4j (Java, DJL) vs the seed's own PyTorch loop,
# on this machine, in one run. Alternates A and B, REPEATS times each, and reports medians and the ratio.
# Run it on an otherwise idle machine. Needs python3-torch (Debian) for the PyTorch side.
# Usage: bench/train_speed.sh [REPEATS=5] [STEPS=100]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-5}
steps=${2:-100}
py=${PYTHON:-/usr/bin/python3}
./ddpm --version >/dev/null   # build first, outside the timing
java_r=(); torch_r=()
for i in $(seq "$repeats"); do
  j=$(./ddpm bench --steps "$steps" 2>/dev/null | grep images_per_s)
  p=$("$py" bench/seed_train.py --steps "$steps" --threads "$(nproc)")
  java_r+=("$(echo "$j" | sed 's/.*"images_per_s": \([0-9.]*\).*/\1/')")
  torch_r+=("$(echo "$p" | sed 's/.*"images_per_s": \([0-9.]*\).*/\1/')")
  echo "round $i: ddpm4j ${java_r[-1]} img/s, pytorch ${torch_r[-1]} img/s" >&2
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mj=$(median "${java_r[@]}"); mp=$(median "${torch_r[@]}")
ratio=$(awk -v a="$mj" -v b="$mp" 'BEGIN {printf "%.2f", a/b}')
torchv=$("$py" -c 'import torch; print(torch.__version__)')
echo "{\"bench\": \"seed-train-batch64\", \"repeats\": $repeats, \"steps\": $steps, \"cores\": $(nproc), \"ddpm4j_images_per_s\": $mj, \"pytorch_images_per_s\": $mp, \"ratio\": $ratio, \"torch\": \"$torchv\"}"
