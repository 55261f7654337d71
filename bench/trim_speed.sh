#!/usr/bin/env bash
# What malloc_trim between sampling batches costs: `./ddpm sample --n 256` (4 batches of 64, the run's
# default sampler) with the trim off (-Dddpm4j.mallocTrim=false) and on, alternating, ROUNDS times each;
# prints every wall time and the two medians, and checks that both write the same grid.png.
# Run it on an otherwise idle machine. Usage: bench/trim_speed.sh RUN [ROUNDS=4]
set -euo pipefail
cd "$(dirname "$0")/.."
run=$1; rounds=${2:-4}
./ddpm --version >/dev/null
out=runs/trim-speed; rm -rf "$out"; mkdir -p "$out"
for i in $(seq 1 "$rounds"); do
  for v in false true; do
    rm -rf "$out/$v"
    s=$(date +%s.%N)
    DDPM4J_JAVA_OPTS="${DDPM4J_JAVA_OPTS:-} -Dddpm4j.mallocTrim=$v" ./ddpm sample --run "$run" --n 256 --out "$out/$v" > "$out/$v.log" 2>&1
    e=$(date +%s.%N)
    echo "$v $(echo "$e - $s" | bc)" | tee -a "$out/times.txt"
  done
done
cmp -s "$out/false/grid.png" "$out/true/grid.png" && echo "same grid.png with and without the trim" || echo "GRIDS DIFFER"
for v in false true; do
  grep "^$v " "$out/times.txt" | sort -n -k2 | awk -v v="$v" '{a[NR] = $2} END {m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "{\"bench\": \"trim-speed\", \"malloc_trim\": %s, \"runs\": %d, \"median_s\": %.2f}\n", v, NR, m}'
done
