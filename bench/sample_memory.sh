#!/usr/bin/env bash
# Native-memory flatness of a long sampling job: generates N images (default 10,000) in one process with
# the run's default sampler, polling the process's resident memory every second. Prints the RSS after a
# fifth of the job (about 2,000 images) and just before it ends, their change, and the peak.
# Extra JVM flags (for example -Xmx1g) come from $DDPM4J_JAVA_OPTS, as in ./ddpm.
# Usage: bench/sample_memory.sh RUN [N=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
run=$1
n=${2:-10000}
./ddpm --version >/dev/null
out=runs/sample-memory
rm -rf "$out"; mkdir -p "$out"
java -XX:MaxDirectMemorySize=512m ${DDPM4J_JAVA_OPTS:-} -Dai.djl.offline=true -jar target/ddpm4j.jar sample --run "$run" --n "$n" --out "$out/images" \
  > "$out/sample.out" 2> "$out/sample.err" &
pid=$!
: > "$out/rss.tsv"
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || true)
  [ -n "$rss" ] && echo "$(( $(date +%s) - start ))	$rss" >> "$out/rss.tsv"
  sleep 1
done
wait "$pid"
count=$(ls "$out/images" | grep -c '^[0-9].*\.png$' || true)
awk -v n="$n" -v count="$count" '
  { t[NR] = $1; r[NR] = $2; if ($2 > peak) peak = $2 }
  END {
    # the last samples include writing the grid and shutting down: compare while sampling runs
    last = NR; while (last > 1 && t[last] > 0.97 * t[NR]) last--;
    first = 1; while (first < NR && t[first] < 0.2 * t[NR]) first++;
    printf "{\"bench\": \"sample-memory\", \"images\": %d, \"png_files\": %d, \"seconds\": %d, \"rss_mib_at_20pct\": %.1f, \"rss_mib_at_97pct\": %.1f, \"change_pct\": %.2f, \"peak_rss_mib\": %.1f}\n",
      n, count, t[NR], r[first] / 1024, r[last] / 1024, 100 * (r[last] - r[first]) / r[first], peak / 1024
  }' "$out/rss.tsv"
