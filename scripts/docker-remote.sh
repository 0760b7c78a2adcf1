#!/usr/bin/env bash
# A second Docker engine that cgbench can only reach over TCP: its own network namespace (a test host,
# scripts/netns.sh), data root, exec root, pidfile, socket and --cgroup-parent. What a remote engine is to
# cgbench, on this machine.
#
# Usage:  eval "$(scripts/docker-remote.sh up)"   prints: export CGBENCH_REMOTE_DOCKER_HOST=tcp://ADDR:2375
#         scripts/docker-remote.sh down           stops the engine by pid, removes its data and the namespace
# Needs root, iproute2 and Debian's docker.io (scripts/docker-up.sh installs it).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

NAME=remote
export CGBENCH_DOCKER_DIR=${CGBENCH_REMOTE_DIR:-/var/tmp/cgbench-docker-remote}
export CGBENCH_DOCKER_NETNS=cgbench-$NAME
export CGBENCH_DOCKER_CGROUP_PARENT=cgbench-$NAME
export CGBENCH_DOCKER_HOSTNAME=cgbench-$NAME

case ${1:-} in
  up)
    addr=$("$HERE/netns.sh" up "$NAME" 1)
    CGBENCH_DOCKER_TCP="$addr:2375" "$HERE/docker-up.sh" >/dev/null
    printf 'export CGBENCH_REMOTE_DOCKER_HOST=%q\n' "tcp://$addr:2375"
    ;;
  down)
    "$HERE/docker-down.sh" --purge
    "$HERE/netns.sh" down "$NAME"
    ;;
  *)
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
    exit 2
    ;;
esac
