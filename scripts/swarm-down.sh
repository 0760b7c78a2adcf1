#!/usr/bin/env bash
# Stops the test swarm of scripts/swarm-up.sh: removes cgbench services while the manager answers, then
# every node's dockerd by the pid in its pidfile (scripts/docker-down.sh --purge: its containers, mounts,
# data and cgroup parent go too) and its network namespace.
#
# Usage:  scripts/swarm-down.sh
# Idempotent: exits 0 when nothing is running.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$HERE/swarm-common.sh"
log() { printf 'swarm-down.sh: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { log "error: must run as root"; exit 1; }
[ -d "$SWARM_BASE" ] || { log "nothing to stop ($SWARM_BASE does not exist)"; exit 0; }

# Nodes from the list swarm-up.sh wrote, and any node directory it did not get to write down.
nodes=$({ [ -f "$SWARM_BASE/nodes" ] && awk '{ print substr($1, 6) }' "$SWARM_BASE/nodes"; for d in "$SWARM_BASE"/n[0-9]; do [ -d "$d" ] && echo "${d##*/n}"; done; } | sort -u)
manager=$([ -f "$SWARM_BASE/nodes" ] && awk 'NR == 1 { print $2 }' "$SWARM_BASE/nodes" || true)
if [ -n "$manager" ] && timeout 10 docker -H "tcp://$manager:2375" info >/dev/null 2>&1; then
  ids=$(timeout 15 docker -H "tcp://$manager:2375" service ls -q --filter label=cgbench 2>/dev/null || true)
  if [ -n "$ids" ]; then
    log "removing $(wc -w <<<"$ids") cgbench service(s)"
    # shellcheck disable=SC2086
    timeout 30 docker -H "tcp://$manager:2375" service rm $ids >/dev/null 2>&1 || log "warning: docker service rm failed"
  fi
fi
for i in $nodes; do
  (swarm_node_env "$i" && "$HERE/docker-down.sh" --purge)
  "$HERE/netns.sh" down "swarm$i"
done
rm -f -- "$SWARM_BASE/nodes" "$SWARM_BASE/nodes.new"
rmdir -- "$SWARM_BASE" 2>/dev/null || true
log "down"
