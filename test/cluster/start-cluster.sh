#!/usr/bin/env bash
# A real Redis Cluster for the cluster tests: 3 masters (no replicas) on loopback, ports ${CLUSTER_PORTS:-7101 7102 7103}
# (cluster bus on port+10000), nothing saved to disk, well away from the 6379 the other tests use.
#
#   test/cluster/start-cluster.sh         start (idempotent: a healthy cluster is left as it is) and wait for cluster_state:ok
#   test/cluster/start-cluster.sh stop    shut the nodes down and remove their directory
#
# Several test files may call it at once: one flock serialises them. Needs redis-server and redis-cli (Debian: redis-server,
# which brings redis-tools).
set -euo pipefail

HOST=127.0.0.1
read -r -a PORTS <<<"${CLUSTER_PORTS:-7101 7102 7103}"
ROOT=${CLUSTER_DIR:-/tmp/jpki-validator-cluster}

for tool in redis-server redis-cli flock; do
  command -v "$tool" >/dev/null 2>&1 || { echo "start-cluster: $tool is missing (apt-get install redis-server util-linux)" >&2; exit 1; }
done

mkdir -p "$ROOT"
exec 9>"$ROOT/.lock"
flock 9

answers() { [ "$(redis-cli -h "$HOST" -p "$1" ping 2>/dev/null)" = PONG ]; }
state_ok() { redis-cli -h "$HOST" -p "$1" cluster info 2>/dev/null | tr -d '\r' | grep -qx 'cluster_state:ok'; }
known_nodes() { redis-cli -h "$HOST" -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_known_nodes://p'; }

if [ "${1:-start}" = stop ]; then
  for p in "${PORTS[@]}"; do answers "$p" && redis-cli -h "$HOST" -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
  rm -rf "${ROOT:?}"/[0-9]*
  exit 0
fi

healthy() {
  for p in "${PORTS[@]}"; do
    answers "$p" && state_ok "$p" && [ "$(known_nodes "$p")" = "${#PORTS[@]}" ] || return 1
  done
}
if healthy; then exit 0; fi

# Anything half there (a node left from an older run, a cluster that lost a node) is started over from scratch.
for p in "${PORTS[@]}"; do answers "$p" && redis-cli -h "$HOST" -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
for p in "${PORTS[@]}"; do
  for _ in $(seq 1 50); do answers "$p" || break; sleep 0.1; done
  rm -rf "${ROOT:?}/$p" && mkdir -p "$ROOT/$p"
  redis-server --port "$p" --bind "$HOST" --daemonize yes --dir "$ROOT/$p" --logfile "$ROOT/$p/redis.log" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
    --save "" --appendonly no --protected-mode no 9>&-  # the daemon must not inherit (and hold) the lock
done
for p in "${PORTS[@]}"; do
  for _ in $(seq 1 50); do answers "$p" && break; sleep 0.1; done
  answers "$p" || { echo "start-cluster: redis-server on $HOST:$p did not answer (see $ROOT/$p/redis.log)" >&2; exit 1; }
done

nodes=()
for p in "${PORTS[@]}"; do nodes+=("$HOST:$p"); done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$ROOT/create.log" 2>&1 \
  || { echo "start-cluster: redis-cli --cluster create failed (see $ROOT/create.log)" >&2; exit 1; }

for _ in $(seq 1 100); do healthy && exit 0; sleep 0.1; done
echo "start-cluster: no cluster_state:ok after 10 s" >&2
exit 1
