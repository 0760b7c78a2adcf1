#!/usr/bin/env bash
# Stop the private Docker daemon started by scripts/docker-up.sh.
#
# Usage:  scripts/docker-down.sh [--purge]
#
# 1. While the daemon still answers: removes (docker rm -f) every container
#    labelled cgbench / cgbench.* or named cgbench*.
# 2. Stops dockerd by the pid in its pidfile: SIGTERM, up to 20 s, SIGKILL.
# 3. If it died uncleanly: kills the containerd/shim processes and container
#    processes it left, unmounts whatever is still mounted under its exec
#    root and data root.
# 4. Removes the socket, pidfile and exec root.
# --purge also deletes the data root (images, containers) and the log.
# Idempotent: exits 0 when nothing is running.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$HERE/docker-common.sh"

PURGE=0
for a in "$@"; do
  case $a in
    --purge) PURGE=1 ;;
    -h|--help) svc_help; exit 0 ;;
    *) cgb_die "unknown argument: $a (usage: docker-down.sh [--purge])" ;;
  esac
done

[ "$(id -u)" = 0 ] || cgb_die "must run as root"
[ -d "$CGB_DIR" ] || [ -e "$CGB_PIDFILE" ] || { cgb_log "nothing to stop ($CGB_DIR does not exist)"; exit 0; }
mkdir -p -- "$CGB_DIR"
exec 9>"$CGB_LOCK"
flock -w 90 9 || cgb_die "timed out waiting for $CGB_LOCK"

# ------------------------------------------------ 1. remove cgbench containers
if cgb_daemon_answers; then
  ids=$(
    {
      cgb_docker ps -aq --no-trunc --filter label=cgbench
      cgb_docker ps -aq --no-trunc --filter 'name=^/?cgbench'
      # labels with the prefix, e.g. cgbench.run=...
      cgb_docker ps -a --no-trunc --format '{{.ID}} {{.Labels}}' \
        | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /(^|,)cgbench[^=,]*=/) { print $1; next } }'
    } 2>/dev/null | sort -u
  ) || true
  if [ -n "$ids" ]; then
    cgb_log "removing $(wc -w <<<"$ids") cgbench container(s)"
    # shellcheck disable=SC2086
    timeout 60 "$CGB_CLI" -H "unix://$CGB_SOCK" rm -f -v $ids >/dev/null 2>&1 \
      || cgb_log "warning: docker rm -f failed for some containers"
  fi
fi

# ------------------------------------------------ 2. stop dockerd
if pid=$(cgb_daemon_pid); then
  cgb_log "stopping dockerd pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  if ! svc_wait_gone "$pid" 200; then
    cgb_log "dockerd pid $pid still running after 20 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    svc_wait_gone "$pid" 50 || true
  fi
  # its managed containerd exits right after it
  for _ in $(seq 1 30); do [ -z "$(cgb_orphan_helpers)" ] && break; sleep 0.1; done
else
  cgb_log "no dockerd running from $CGB_PIDFILE"
fi

# ------------------------------------------------ 3. leftovers of an unclean stop
cgb_cleanup_leftovers || cgb_die "could not unmount everything under $CGB_EXEC and $CGB_ROOT"

# The --cgroup-parent of an engine started with CGBENCH_DOCKER_CGROUP_PARENT, now that its containers are gone.
if [ -n "${CGBENCH_DOCKER_CGROUP_PARENT:-}" ]; then
  cgb_remove_cgroups_named "$CGBENCH_DOCKER_CGROUP_PARENT"
  while IFS= read -r d; do cgb_log "warning: could not remove $d"; done < <(cgb_cgroups_named "$CGBENCH_DOCKER_CGROUP_PARENT")
fi

# ------------------------------------------------ 4. files
rm -f -- "$CGB_SOCK" "$CGB_PIDFILE"
# --one-file-system: never descend into something still mounted in there.
[ -d "$CGB_EXEC" ] && rm -rf --one-file-system -- "$CGB_EXEC"
if [ "$PURGE" = 1 ]; then
  cgb_log "purging $CGB_ROOT"
  [ -d "$CGB_ROOT" ] && rm -rf --one-file-system -- "$CGB_ROOT"
  rm -f -- "$CGB_LOG" "$CGB_LOG.1"
  rm -f -- "$CGB_LOCK"
  rmdir -- "$CGB_DIR" 2>/dev/null || true
fi
cgb_log "down"
