#!/usr/bin/env bash
# Start a real 2-node Ray cluster on this machine (head + one worker, 1 CPU each, token auth on),
# run a study against it with --address, then stop both nodes by PID (never `ray stop`).
# Usage: two_node_cluster.sh ROOT PYTHON REPO [study flags...]   (ROOT: a short, empty temp folder)
# Run it inside `unshare -n` so every Ray port listens on a private loopback interface only.
set -u
ROOT=$1; PYTHON=$2; REPO=$3; shift 3
RAY="$(dirname "$PYTHON")/ray"
ip link set lo up 2>/dev/null || true
export HOME=$ROOT/home RAY_TMPDIR=$ROOT/tmp RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH=$ROOT/auth_token
export RAY_USAGE_STATS_ENABLED=0
mkdir -p "$HOME" "$RAY_TMPDIR"
unset RAY_ADDRESS

wait_for() {  # wait_for FILE PATTERN SECONDS
  for _ in $(seq 1 "$(( $3 * 10 ))"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1"; cat "$1"; return 1
}

"$RAY" start --head --port=6390 --num-cpus=1 --object-store-memory=200000000 --temp-dir="$ROOT/rt" \
  --include-dashboard=true --dashboard-host=127.0.0.1 --dashboard-port=8266 --disable-usage-stats \
  --block > "$ROOT/head.log" 2>&1 &
HEAD=$!
STATUS=1
if wait_for "$ROOT/head.log" "Ray runtime started" 90; then
  "$RAY" start --address=127.0.0.1:6390 --num-cpus=1 --object-store-memory=200000000 \
    --disable-usage-stats --block > "$ROOT/worker.log" 2>&1 &
  WORKER=$!
  if wait_for "$ROOT/worker.log" "Ray runtime started" 90; then
    "$PYTHON" - <<'PY'
import time, ray
ray.init(address="127.0.0.1:6390", log_to_driver=False)
for _ in range(300):
    if sum(node["Alive"] for node in ray.nodes()) == 2:
        break
    time.sleep(0.1)
print("cluster nodes alive:", sum(node["Alive"] for node in ray.nodes()), flush=True)
PY
    (cd "$REPO" && "$PYTHON" studies/quickstart.py --address 127.0.0.1:6390 "$@")
    STATUS=$?
  fi
  kill -TERM "$WORKER" 2>/dev/null; wait "$WORKER" 2>/dev/null
fi
kill -TERM "$HEAD" 2>/dev/null; wait "$HEAD" 2>/dev/null
exit $STATUS
