#!/bin/sh
# Joins the compose file's three Redis nodes into one cluster (3 masters, no replicas) unless they already are one.
# redis-cli --cluster create wants addresses, so the service names are resolved first. Idempotent: run on every `up`.
set -eu
NODES="redis-1 redis-2 redis-3"
for n in $NODES; do
  until redis-cli -h "$n" ping 2>/dev/null | grep -q PONG; do sleep 0.5; done
done
if redis-cli -h redis-1 cluster info | grep -q '^cluster_state:ok'; then echo "cluster already formed"; exit 0; fi
addrs=""
for n in $NODES; do addrs="$addrs $(getent hosts "$n" | awk '{print $1}'):6379"; done
# shellcheck disable=SC2086
redis-cli --cluster create $addrs --cluster-replicas 0 --cluster-yes
until redis-cli -h redis-1 cluster info | grep -q '^cluster_state:ok'; do sleep 0.5; done
echo "cluster formed:$addrs"
