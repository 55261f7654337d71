#!/usr/bin/env bash
# The defaults search of the quality issue: the U-Net on MNIST 1s, one setting changed at a time from a start
# point, then the winners combined, each trained for the same wall-clock budget (so a cheaper setting gets more steps) and scored by
# `./ddpm eval --n N` with the default sampler. Run on an idle machine: --minutes budgets are wall-clock.
# Appends one JSON line per setting to runs/search/results-<M>m-n<N>.jsonl (the eval line plus the setting's
# name, its flags and the steps it trained), and draws docs/search-<M>m.png: 16 samples of every setting scored
# so far, captioned with its FID.
# Usage: bench/search.sh [MINUTES=5] [N=500] [NAMES...]   (default: every setting below, in order)
# METER: the quality meter of every eval (default 3; numbers measured before 2026-11-28 used METER=2).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-5}; n=${2:-500}; shift 2 || shift $# || true
# Every setting spells out the network and learning rate, so the search starts from the same point whatever
# the defaults are now: "start" is base 32 with lr 1e-3, the defaults before this search (named "defaults"
# in docs/search/results-5m-n500.jsonl, where its flags were empty).
s="--base 32 --lr 1e-3"
declare -A flags=(
  [start]="$s"
  [base16]="--base 16 --lr 1e-3"
  [base24]="--base 24 --lr 1e-3"
  [base48]="--base 48 --lr 1e-3"
  [batch32]="$s --batch 32"
  [batch128]="$s --batch 128"
  [lr2e-3]="--base 32 --lr 2e-3"
  [lr5e-4]="--base 32 --lr 5e-4"
  [eps]="$s --prediction eps"
  [x0]="$s --prediction x0"
  [linear]="$s --schedule linear"
  [sigmoid]="$s --schedule sigmoid"
  [nominsnr]="$s --min-snr 0"
  [dropout]="$s --dropout 0.1"
  [base16-lr2e-3]="--base 16 --lr 2e-3"
  [base16-lr3e-3]="--base 16 --lr 3e-3"
)
order=(start base16 batch32 batch128 lr2e-3 eps linear base48 base24 base16-lr2e-3 base16-lr3e-3 lr5e-4 x0 sigmoid nominsnr dropout)
names=("$@"); [ ${#names[@]} -gt 0 ] || names=("${order[@]}")
./ddpm --version >/dev/null
out=runs/search; mkdir -p "$out"
results="$out/results-${minutes}m-n$n.jsonl"
for name in "${names[@]}"; do
  [ -n "${flags[$name]+x}" ] || { echo "unknown setting: $name (known: ${order[*]})" >&2; exit 2; }
  run="$out/$name-${minutes}m"
  # shellcheck disable=SC2086
  [ -f "$run/checkpoint.ddpm" ] || ./ddpm train --data mnist --digit 1 --minutes "$minutes" ${flags[$name]} --out "$run" --force >/dev/null 2>&1
  steps=$(tail -1 "$run/train_log.jsonl" | jq .step)
  ips=$(jq -s '[.[].images_per_s] | sort | .[length/2|floor]' "$run/train_log.jsonl")
  ./ddpm eval --meter "${METER:-3}" --run "$run" --n "$n" 2>/dev/null | head -1 \
    | jq -c --arg s "$name" --arg f "${flags[$name]}" --argjson st "$steps" --argjson ips "$ips" \
        '{setting: $s, flags: $f, train_steps: $st, train_images_per_s: $ips} + .' | tee -a "$results"
  ./ddpm sample --run "$run" --n 16 --out "$run-samples" >/dev/null 2>&1
done
cells=()
while read -r name steps fid acc; do
  cells+=("$name, $steps steps|FID $fid, $acc% 1s=$out/$name-${minutes}m-samples/grid.png")
done < <(jq -r '[.setting, .train_steps, .fid, (.accuracy * 100 | round)] | @tsv' "$results" | awk '!seen[$1]++')
java -cp "target/ddpm4j.jar:target/lib/*" bench/Montage.java "docs/search-${minutes}m.png" 4 "${cells[@]}"
