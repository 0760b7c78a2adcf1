#!/usr/bin/env bash
# Start (or reuse) a private Docker daemon for cgbench.
#
# Usage:  eval "$(scripts/docker-up.sh)"
#
# Installs Debian's docker.io when dockerd is missing (without starting the
# system docker service), then runs a dockerd of our own with no bridge and
# no iptables, its socket, data root, exec root, pidfile and log under
# ${CGBENCH_DOCKER_DIR:-/var/tmp/cgbench-docker}. On success prints exactly one
# line on stdout:  export DOCKER_HOST=unix://<socket>
# Everything else goes to stderr. Idempotent: a live, answering daemon from
# the pidfile is reused. Needs root. See scripts/docker-common.sh for the
# environment variables that override the paths.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$HERE/docker-common.sh"

[ "$(id -u)" = 0 ] || cgb_die "must run as root (dockerd needs it)"

# ---------------------------------------------------------------- install
install_docker() {
  cgb_log "dockerd not found: installing Debian's docker.io"
  # docker.io's postinst starts docker.service and docker.socket, containerd's containerd.service;
  # --no-install-recommends also keeps out cgroupfs-mount (an init script that mounts cgroups).
  svc_install_quietly 'dockerd|containerd' 'docker.socket docker.service containerd.service' TERM docker.io
  command -v dockerd >/dev/null || cgb_die "docker.io installed but dockerd still not on PATH"
}

if ! command -v dockerd >/dev/null; then
  install_docker
fi
command -v "$CGB_CLI" >/dev/null || cgb_die "docker client '$CGB_CLI' not found"

# ---------------------------------------------------------------- start
mkdir -p -- "$CGB_DIR"
chmod 0711 "$CGB_DIR"
exec 9>"$CGB_LOCK"
flock -w "$((CGB_TIMEOUT + 30))" 9 || cgb_die "timed out waiting for $CGB_LOCK"

export_line() { printf 'export DOCKER_HOST=%q\n' "unix://$CGB_SOCK"; }

# unix socket paths are limited to 107 bytes; containerd's lives in the exec root
for s in "$CGB_SOCK" "$CGB_EXEC/containerd/containerd-debug.sock"; do
  [ "${#s}" -le 107 ] || cgb_die "socket path too long (${#s} > 107 bytes): $s; set a shorter CGBENCH_DOCKER_DIR"
done

if pid=$(cgb_daemon_pid); then
  # A daemon of ours is running: reuse it once it answers (it may still be
  # starting up if another docker-up.sh just launched it).
  deadline=$((SECONDS + CGB_TIMEOUT))
  reuse=1
  until cgb_daemon_answers; do
    if ! cgb_daemon_pid >/dev/null; then
      cgb_log "dockerd pid $pid went away; starting a new one"
      reuse=0
      break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      cgb_log "dockerd pid $pid from $CGB_PIDFILE is not answering on $CGB_SOCK"
      cgb_die "stop it with scripts/docker-down.sh and try again"
    fi
    sleep 0.5
  done
  if [ "$reuse" = 1 ]; then
    cgb_log "reusing dockerd pid $pid"
    export_line
    exit 0
  fi
fi

# No live daemon: clear what a dead one may have left behind.
if [ -e "$CGB_PIDFILE" ] || [ -e "$CGB_SOCK" ] || [ -n "$(cgb_mounts_under "$CGB_EXEC" "$CGB_ROOT")" ] \
   || [ -n "$(cgb_orphan_helpers)" ]; then
  cgb_log "cleaning up after a daemon that did not stop cleanly"
  cgb_cleanup_leftovers || cgb_die "could not clean up; run scripts/docker-down.sh"
  rm -f -- "$CGB_PIDFILE" "$CGB_SOCK"
fi

# cgroup v2: controllers must be enabled in the root's subtree_control for
# containers to get cpu/memory/io limits (a real v2 host root allows it).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  for c in cpu memory io pids cpuset; do
    if grep -qw "$c" /sys/fs/cgroup/cgroup.controllers && ! grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control; then
      echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null \
        || cgb_log "warning: could not enable cgroup v2 controller '$c' in /sys/fs/cgroup/cgroup.subtree_control"
    fi
  done
fi

mkdir -p -- "$CGB_ROOT" "$CGB_EXEC" "$(dirname "$CGB_SOCK")" "$(dirname "$CGB_PIDFILE")" "$(dirname "$CGB_LOG")"
chmod 0711 "$CGB_ROOT" "$CGB_EXEC"

help=$(dockerd --help 2>&1 || true)
args=(
  --host "unix://$CGB_SOCK"
  --data-root "$CGB_ROOT"
  --exec-root "$CGB_EXEC"
  --pidfile "$CGB_PIDFILE"
  --bridge=none
  --iptables=false
)
has_flag() { grep -q -- "$1" <<<"$help"; }
has_flag '--ip6tables' && args+=(--ip6tables=false)
has_flag '--ip-masq' && args+=(--ip-masq=false)
has_flag '--containerd-namespace' && args+=(--containerd-namespace "$CGB_CTR_NS")
has_flag '--containerd-plugins-namespace' && args+=(--containerd-plugins-namespace "$CGB_CTR_NS-plugins")
[ -n "${CGBENCH_DOCKER_STORAGE_DRIVER:-}" ] && args+=(--storage-driver "$CGBENCH_DOCKER_STORAGE_DRIVER")
[ -n "${CGBENCH_DOCKER_CGROUP_DRIVER:-}" ] && args+=(--exec-opt "native.cgroupdriver=$CGBENCH_DOCKER_CGROUP_DRIVER")
[ -n "${CGBENCH_DOCKER_TCP:-}" ] && args+=(--host "tcp://$CGBENCH_DOCKER_TCP")
[ -n "${CGBENCH_DOCKER_CGROUP_PARENT:-}" ] && args+=(--cgroup-parent "$CGBENCH_DOCKER_CGROUP_PARENT")
# shellcheck disable=SC2206
[ -n "${CGBENCH_DOCKER_EXTRA_ARGS:-}" ] && args+=($CGBENCH_DOCKER_EXTRA_ARGS)

# In a test host's network namespace: nsenter --net only, so dockerd keeps this machine's /sys and
# cgroup mounts (ip netns exec remounts /sys and hides them); a hostname needs a UTS namespace too.
launch=(dockerd)
if [ -n "${CGBENCH_DOCKER_HOSTNAME:-}" ]; then
  launch=(unshare --uts sh -c 'hostname "$0" && exec dockerd "$@"' "$CGBENCH_DOCKER_HOSTNAME")
fi
if [ -n "${CGBENCH_DOCKER_NETNS:-}" ]; then
  [ -e "/var/run/netns/$CGBENCH_DOCKER_NETNS" ] || cgb_die "network namespace $CGBENCH_DOCKER_NETNS does not exist (scripts/netns.sh up)"
  launch=(nsenter --net="/var/run/netns/$CGBENCH_DOCKER_NETNS" "${launch[@]}")
fi

[ -f "$CGB_LOG" ] && mv -f -- "$CGB_LOG" "$CGB_LOG.1"
cgb_log "starting dockerd (log: $CGB_LOG)"
printf '# %s %s %s\n' "$(date -Is)" "${launch[*]}" "${args[*]}" >"$CGB_LOG"
# setsid: own session, so it outlives the caller's process group. Its stdio
# goes to the log and every other descriptor is closed, so neither "$(...)"
# capture, nor our lock, nor a caller's (`flock LOCK ...`) is held by the daemon.
# nsenter and unshare exec into dockerd: the pid stays the daemon's.
(svc_close_fds && exec setsid "${launch[@]}" "${args[@]}") </dev/null >>"$CGB_LOG" 2>&1 &
launched=$!

deadline=$((SECONDS + CGB_TIMEOUT))
until cgb_daemon_answers; do
  if ! svc_alive "$launched"; then
    cgb_log "dockerd exited during start-up; last lines of $CGB_LOG:"
    tail -n 30 "$CGB_LOG" >&2 || true
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    cgb_log "dockerd did not answer on $CGB_SOCK within ${CGB_TIMEOUT}s; last lines of $CGB_LOG:"
    tail -n 30 "$CGB_LOG" >&2 || true
    cgb_log "it is still running as pid $launched; stop it with scripts/docker-down.sh"
    exit 1
  fi
  sleep 0.2
done

pid=$(cgb_daemon_pid || echo "$launched")
cgb_log "dockerd $(cgb_docker version --format '{{.Server.Version}}' 2>/dev/null) up, pid $pid"
export_line
