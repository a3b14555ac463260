#!/usr/bin/env bash
# Makes sure what the test suite talks to is on this machine: OpenSSL (an independent peer), the NIST PKITS vectors,
# wrk, haproxy, promtool, redis-server/redis-cli, PostgreSQL's binaries (the audit tests' private clusters), chromium (the browser tests), and a Redis answering on 127.0.0.1:6379. Installs from Debian's packages when missing (needs root), starts Redis when
# nothing answers. Idempotent and quiet when everything is already there.
set -euo pipefail

PKITS_DIR=/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data
REDIS_HOST=${REDIS_TEST_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_TEST_PORT:-6379}

redis_answers() {
  # PING over bash's /dev/tcp: works before redis-tools is installed.
  (exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT" && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3 | grep -q PONG) 2>/dev/null
}

missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -d "$PKITS_DIR" ] || missing+=(python3-cryptography-vectors)
# redis-server and redis-cli are also needed for the local Redis Cluster the cluster tests start (test/cluster/start-cluster.sh).
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
# haproxy: the balancer in front of the validators in the lab (deploy/lab; its quick suite is test/lab/lab-quick.test.ts)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
# wrk: the API benchmark's second load generator; its wrapper is tested (bench/src/test/api-wrk.test.ts)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
# PostgreSQL's server binaries (initdb, pg_ctl): the audit tests start private clusters of their own on free ports (nothing need
# answer on 5432), run as the `postgres` system user the package creates (PostgreSQL refuses to run as root)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# promtool (Debian's prometheus package): `promtool check metrics` on the live /metrics (apps/cli/test/metrics-promtool.test.ts)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
# chromium: the browser tests (console, docs) drive Debian's build through playwright-core (test/support/browser.ts)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
# a Japanese font, so the pages' Japanese labels are legible in the screenshots the browser tests keep (3.5 MB)
{ command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ja)" ]; } || missing+=(fonts-ipafont-gothic)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing: ${missing[*]} — install them (sudo apt-get install ${missing[*]}) and run again" >&2
    exit 1
  fi
  echo "installing from Debian: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! redis_answers; then
  echo "starting redis-server on $REDIS_HOST:$REDIS_PORT" >&2
  mkdir -p /tmp/jpki-validator-redis
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /tmp/jpki-validator-redis --logfile /tmp/jpki-validator-redis/redis.log
  for _ in $(seq 1 50); do redis_answers && break; sleep 0.1; done
  redis_answers || { echo "redis-server did not answer on $REDIS_HOST:$REDIS_PORT" >&2; exit 1; }
fi
