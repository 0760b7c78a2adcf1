#!/usr/bin/env bash
# A Docker Swarm of N nodes on this machine, for the swarm runtime and its test: N dockerd, each in a network
# namespace of its own (scripts/netns.sh, no default route: only the bridge's subnet), with its own data
# root, exec root, pidfile, socket, --cgroup-parent and hostname (cgbench-swarmI), joined into one swarm
# over the namespaces' addresses. Node 1 is the manager; every node runs tasks.
#
# Usage:  eval "$(scripts/swarm-up.sh [N])"   N = 1..9 (default 3); prints
#                                             export CGBENCH_SWARM_HOST=tcp://ADDR1:2375 (the manager)
#         scripts/swarm-down.sh               stops every node by pid, removes their data and namespaces
#
# Each node carries the label cgbench.engine=tcp://ADDR:2375 (its own engine's address), through which an
# image is loaded into it (docker save on one node | docker load on the other), so no node needs a
# registry; jobs then use `docker service create --no-resolve-image`. Needs root, iproute2 and Debian's
# docker.io (scripts/docker-up.sh installs it). Idempotent: nodes already up are reused.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$HERE/swarm-common.sh"

N=${1:-3}
[[ $N =~ ^[1-9]$ ]] || { echo "swarm-up.sh: N must be 1..9" >&2; exit 2; }
log() { printf 'swarm-up.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
mkdir -p -- "$SWARM_BASE"
chmod 0711 "$SWARM_BASE"

addrs=()
for i in $(seq 1 "$N"); do
  addr=$("$HERE/netns.sh" up "swarm$i" "$((20 + i))" --no-route)
  addrs+=("$addr")
  (swarm_node_env "$i" && CGBENCH_DOCKER_TCP="$addr:2375" "$HERE/docker-up.sh" >/dev/null)
  printf 'swarm%s %s\n' "$i" "$addr" >>"$SWARM_BASE/nodes.new"
done
sort -u "$SWARM_BASE/nodes.new" >"$SWARM_BASE/nodes"
rm -f -- "$SWARM_BASE/nodes.new"

dk() { docker -H "tcp://$1:2375" "${@:2}"; }
state() { dk "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }

manager=${addrs[0]}
if [ "$(state "$manager")" != active ]; then
  log "swarm init on $manager"
  dk "$manager" swarm init --advertise-addr "$manager" --listen-addr "$manager:2377" >/dev/null
fi
token=$(dk "$manager" swarm join-token --quiet worker)
for addr in "${addrs[@]:1}"; do
  if [ "$(state "$addr")" != active ]; then
    log "joining $addr"
    dk "$addr" swarm join --token "$token" --advertise-addr "$addr" --listen-addr "$addr:2377" "$manager:2377" >/dev/null
  fi
done
for addr in "${addrs[@]}"; do
  id=$(dk "$addr" info --format '{{.Swarm.NodeID}}')
  dk "$manager" node update --label-add "cgbench.engine=tcp://$addr:2375" "$id" >/dev/null
done
# Every node must be Ready before a job is placed on it.
for _ in $(seq 1 100); do
  ready=$(dk "$manager" node ls --format '{{.Status}}' | grep -c '^Ready$' || true)
  [ "$ready" -ge "$N" ] && break
  sleep 0.3
done
[ "$ready" -ge "$N" ] || die "only $ready of $N nodes are Ready"
log "swarm of $N node(s) up: ${addrs[*]}"
printf 'export CGBENCH_SWARM_HOST=%q\n' "tcp://$manager:2375"
