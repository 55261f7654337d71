#!/usr/bin/env bash
# Native-memory flatness of a long sampling job: generates N images (default 10,000) in one process with
# the run's default sampler, polling the process's resident memory every second. RSS swings by hundreds of
# MiB within a few seconds as batches come and go, so single readings are noisy: the script compares the
# median RSS over the second tenth of the job (around image 1,000-2,000) with the median over its last
# tenth (around image 9,000-10,000), and prints both, their change, and the peak.
# Extra JVM flags (for example -Xmx1g) come from $DDPM4J_JAVA_OPTS, as in ./ddpm.
# Usage: bench/sample_memory.sh RUN [N=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
run=$1
n=${2:-10000}
./ddpm --version >/dev/null
out=${OUT:-runs/sample-memory}
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
  function median(lo, hi,   m, i, j, v, k) {
    m = 0
    for (i = 1; i <= NR; i++) if (t[i] >= lo && t[i] <= hi) w[++m] = r[i]
    for (i = 2; i <= m; i++) { v = w[i]; for (j = i - 1; j >= 1 && w[j] > v; j--) w[j + 1] = w[j]; w[j + 1] = v }
    k = int((m + 1) / 2); return m ? w[k] : 0
  }
  { t[NR] = $1; r[NR] = $2; if ($2 > peak) peak = $2 }
  END {
    # the final seconds include writing the grid and shutting down: the last window ends at 97% of the time
    T = t[NR]; a = median(0.1 * T, 0.2 * T); b = median(0.87 * T, 0.97 * T)
    printf "{\"bench\": \"sample-memory\", \"images\": %d, \"png_files\": %d, \"seconds\": %d, \"median_rss_mib_10_20pct\": %.1f, \"median_rss_mib_87_97pct\": %.1f, \"change_pct\": %.2f, \"peak_rss_mib\": %.1f, \"malloc_env\": \"%s\"}\n",
      n, count, T, a / 1024, b / 1024, 100 * (b - a) / a, peak / 1024, ENVIRON["MALLOC_ENV"]
  }' "$out/rss.tsv"
