#!/usr/bin/env bash
# Training speed of the default U-Net (MNIST 1s, batch 64), A/B alternating in one sitting:
#   bench/speed_ab.sh OLD_CHECKOUT NEW_CHECKOUT [ROUNDS=3] [STEPS=30]
# Each round runs, one after the other: the old checkout, the new one, the new one without the fused kernels
# (-Dddpm4j.nativeOps=false), the new one without kept malloc pages (-Dddpm4j.mallocKeep=false), and the PyTorch
# reference plain and with foreach (bench/unet_torch_speed.py on Debian's python3-torch). Both checkouts must be
# built (mvn -o -DskipTests package). Every run is a new process; bench/StepPhases.java comes from this checkout.
# Run it with nothing else on the cores.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
old="$(cd "$1" && pwd)"; new="$(cd "$2" && pwd)"
rounds=${3:-3}; steps=${4:-30}
phases="$(mktemp -d)/StepPhases.java"; cp "$here/bench/StepPhases.java" "$phases"
java_run() { # LABEL CHECKOUT [JAVA OPTIONS...]
  local label=$1 dir=$2; shift 2
  local out; out=$(cd "$dir" && java -Dai.djl.offline=true "$@" -cp "target/ddpm4j.jar:target/lib/*" "$phases" "$steps" 2>/dev/null)
  echo "$label ($(git -C "$dir" rev-parse --short HEAD)) | $(echo "$out" | sed -n 1p) | $(echo "$out" | grep '^median')"
}
for r in $(seq "$rounds"); do
  echo "# round $r, $(date -u +%FT%TZ)"
  java_run "old" "$old"
  java_run "new" "$new"
  java_run "new, composed SiLU/GroupNorm" "$new" -Dddpm4j.nativeOps=false
  java_run "new, glibc malloc defaults" "$new" -Dddpm4j.mallocKeep=false
  echo "pytorch | $(/usr/bin/python3 "$here/bench/unet_torch_speed.py" "$steps" 2)"
  echo "pytorch foreach | $(/usr/bin/python3 "$here/bench/unet_torch_speed.py" "$steps" 2 --foreach)"
done
