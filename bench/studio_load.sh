#!/usr/bin/env bash
# Load test of ddpm4j studio on the loopback address: starts ./ddpm serve over a runs directory, warms it
# up with one generation, records its resident memory (baseline), then runs ROUNDS rounds of CLIENTS
# concurrent small generation requests (org.ddpm4j.studio.LoadTest: each must complete or get 429),
# and records the memory after each round and after the server has been idle for 20 s and 70 s.
# Usage: bench/studio_load.sh RUNS_DIR RUN [CLIENTS=50] [ROUNDS=3] [STEPS=10] [COUNT=4]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=$1; run=$2; clients=${3:-50}; rounds=${4:-3}; steps=${5:-10}; count=${6:-4}
port=${PORT:-18080}
./ddpm --version >/dev/null
out=runs/studio-load; mkdir -p "$out"
./ddpm serve --runs "$runs" --port "$port" > "$out/serve.out" 2> "$out/serve.err" &
launcher=$!
trap 'kill $launcher 2>/dev/null || true' EXIT
for i in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 1; done
pid=$launcher # ./ddpm execs java: the launcher PID is the server
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' /proc/$pid/status; }
mvn -q -B -DskipTests test-compile # the load client lives with the tests (ddpm4j-cli/src/test)
cp="target/test-classes:target/ddpm4j.jar:target/lib/*"
java -cp "$cp" org.ddpm4j.studio.LoadTest "http://127.0.0.1:$port" "$run" 1 "$steps" "$count" > "$out/warmup.json"
sleep 5
base=$(rss)
echo "{\"bench\": \"studio-load-memory\", \"phase\": \"baseline after one warm-up request\", \"rss_mib\": $base}"
for r in $(seq 1 "$rounds"); do
  java -cp "$cp" org.ddpm4j.studio.LoadTest "http://127.0.0.1:$port" "$run" "$clients" "$steps" "$count" || echo "round $r FAILED"
  echo "{\"bench\": \"studio-load-memory\", \"phase\": \"after round $r\", \"rss_mib\": $(rss)}"
done
# idle: the JVM's periodic GC returns heap at once; Jetty ends idle threads after 60 s
for wait in 20 70; do
  sleep $(( wait == 20 ? 20 : 50 ))
  after=$(rss)
  echo "{\"bench\": \"studio-load-memory\", \"phase\": \"idle $wait s after the last round\", \"rss_mib\": $after, \"change_vs_baseline_pct\": $(awk -v a="$after" -v b="$base" 'BEGIN {printf "%.1f", 100 * (a - b) / b}')}"
done
curl -sf "http://127.0.0.1:$port/api/health"; echo
