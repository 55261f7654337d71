#!/usr/bin/env bash
# Crash safety (README, RELIABILITY): trains a U-Net on MNIST 1s uninterrupted, then trains the same run again
# while killing it with SIGKILL KILLS times (every second kill lands while a checkpoint is being written) and
# resuming it with --resume after each kill. Passes if every checkpoint on disk loaded after every kill, and
# the final loss log and all final tensors (weights, EMA, Adam moments) equal the uninterrupted run's bit for bit.
# Usage: bench/killtest.sh [KILLS=22] [SEED=1]
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-22}
seed=${2:-1}
./ddpm --version >/dev/null
work=runs/killtest
rm -rf "$work"
mvn -q -B -DskipTests test-compile # the harness lives with the tests (ddpm4j-cli/src/test)
java -cp "target/test-classes:target/ddpm4j.jar:target/lib/*" org.ddpm4j.reliability.KillTest "$work" "$kills" "$seed" \
  --data mnist --digit 1 --steps 300 --batch 16 --base 16 --checkpoint-every 5 --sample-every 0 --seed 5
