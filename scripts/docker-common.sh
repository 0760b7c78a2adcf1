# shellcheck shell=bash disable=SC2034
# Shared settings and helpers for scripts/docker-up.sh and scripts/docker-down.sh.
# Sourced, not executed. Everything the private daemon owns lives under
# ${CGBENCH_DOCKER_DIR:-/var/tmp/cgbench-docker} unless overridden below.
#
# Environment (all optional):
#   CGBENCH_DOCKER_DIR        base directory            (/var/tmp/cgbench-docker)
#   CGBENCH_DOCKER_SOCK       API socket                ($DIR/docker.sock)
#   CGBENCH_DOCKER_ROOT       dockerd --data-root       ($DIR/data)
#   CGBENCH_DOCKER_EXEC       dockerd --exec-root       ($DIR/exec)
#   CGBENCH_DOCKER_PIDFILE    dockerd --pidfile         ($DIR/dockerd.pid)
#   CGBENCH_DOCKER_LOG        dockerd output            ($DIR/dockerd.log)
#   CGBENCH_DOCKER_CLI        docker client binary      (docker)
#   CGBENCH_DOCKER_TIMEOUT    seconds to wait for the API (60)
#   CGBENCH_DOCKER_STORAGE_DRIVER  e.g. overlay2, vfs   (dockerd's choice)
#   CGBENCH_DOCKER_CGROUP_DRIVER   cgroupfs | systemd   (dockerd's choice)
#   CGBENCH_DOCKER_EXTRA_ARGS extra dockerd arguments, word-split
#   CGBENCH_DOCKER_NETNS      run dockerd in this network namespace (scripts/netns.sh up NAME makes
#                             cgbench-NAME), entered with nsenter --net so /sys and the cgroup mounts stay
#   CGBENCH_DOCKER_TCP        also listen on tcp://ADDR:PORT (an address of that namespace), no TLS
#   CGBENCH_DOCKER_HOSTNAME   dockerd's hostname, in a UTS namespace of its own (a swarm node's name)
#   CGBENCH_DOCKER_CGROUP_PARENT   dockerd --cgroup-parent (keeps two engines' container groups apart)

CGB_DIR=${CGBENCH_DOCKER_DIR:-/var/tmp/cgbench-docker}
CGB_SOCK=${CGBENCH_DOCKER_SOCK:-$CGB_DIR/docker.sock}
CGB_ROOT=${CGBENCH_DOCKER_ROOT:-$CGB_DIR/data}
CGB_EXEC=${CGBENCH_DOCKER_EXEC:-$CGB_DIR/exec}
CGB_PIDFILE=${CGBENCH_DOCKER_PIDFILE:-$CGB_DIR/dockerd.pid}
CGB_LOG=${CGBENCH_DOCKER_LOG:-$CGB_DIR/dockerd.log}
CGB_LOCK=$CGB_DIR/.lock
CGB_CLI=${CGBENCH_DOCKER_CLI:-docker}
CGB_TIMEOUT=${CGBENCH_DOCKER_TIMEOUT:-60}
# containerd namespace for this daemon: keeps our containers apart from a
# system dockerd's ("moby") should dockerd attach to a system containerd.
CGB_CTR_NS=cgbench

cgb_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
cgb_die() { cgb_log "error: $*"; exit 1; }

# docker client talking to the private daemon only.
cgb_docker() { "$CGB_CLI" -H "unix://$CGB_SOCK" "$@"; }

# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/service-common.sh"
svc_log() { cgb_log "$@"; }
svc_die() { cgb_die "$@"; }

# Prints the pid from the pidfile if that process is alive and is a dockerd.
cgb_daemon_pid() { svc_pidfile_pid "$CGB_PIDFILE" dockerd; }

# True when the private daemon answers on its socket.
cgb_daemon_answers() {
  [ -S "$CGB_SOCK" ] || return 1
  timeout 10 "$CGB_CLI" -H "unix://$CGB_SOCK" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# Mount points at or below the given directories (deepest first), from this
# mount namespace's mountinfo; octal escapes (\040 etc.) decoded.
cgb_mounts_under() {
  local d
  for d in "$@"; do
    [ -n "$d" ] || continue
    d=$(realpath -m -- "$d")
    awk -v pfx="$d" '
      function unesc(s,   out, i, c) {
        out = ""
        for (i = 1; i <= length(s); i++) {
          c = substr(s, i, 1)
          if (c == "\\" && substr(s, i + 1, 3) ~ /^[0-7][0-7][0-7]$/) {
            out = out sprintf("%c", (substr(s, i + 1, 1) * 64) + (substr(s, i + 2, 1) * 8) + substr(s, i + 3, 1))
            i += 3
          } else out = out c
        }
        return out
      }
      { mp = unesc($5); if (mp == pfx || index(mp, pfx "/") == 1) print mp }
    ' /proc/self/mountinfo
  done | awk '{ print length($0) "\t" $0 }' | sort -rn -k1,1 | cut -f2- | uniq
}

# Unmounts everything at or below the given directories. Returns 1 if
# something is still mounted afterwards.
cgb_unmount_under() {
  local mp left
  for _ in 1 2 3; do
    left=0
    while IFS= read -r mp; do
      [ -n "$mp" ] || continue
      left=1
      umount -- "$mp" 2>/dev/null || umount -l -- "$mp" 2>/dev/null || true
    done < <(cgb_mounts_under "$@")
    [ "$left" = 0 ] && return 0
  done
  [ -z "$(cgb_mounts_under "$@")" ]
}

# Pids of containerd / containerd-shim processes that belong to this daemon
# (their command line names our exec root or data root). Builtins only: one
# fork per /proc entry costs seconds on a busy small VM.
cgb_orphan_helpers() {
  local p comm cmd=()
  for p in /proc/[0-9]*; do
    { read -r comm <"$p/comm"; } 2>/dev/null || continue
    case $comm in containerd*|docker-proxy|runc) ;; *) continue ;; esac
    { mapfile -d '' -t cmd <"$p/cmdline"; } 2>/dev/null || continue
    case " ${cmd[*]} " in *"$CGB_EXEC"*|*"$CGB_ROOT"*) printf '%s\n' "${p#/proc/}" ;; esac
  done
}

# Ids (64 hex) of this daemon's containers: directory names under $CGB_ROOT/containers.
cgb_container_ids() {
  local d
  for d in "$CGB_ROOT"/containers/*; do
    d=${d##*/}
    [[ $d =~ ^[0-9a-f]{64}$ ]] && printf '%s\n' "$d"
  done
  return 0
}

# Pids of processes that sit in the cgroup of one of this daemon's containers.
cgb_orphan_container_pids() {
  local ids p id cg
  ids=$(cgb_container_ids)
  [ -n "$ids" ] || return 0
  for p in /proc/[0-9]*; do
    { mapfile -t cg <"$p/cgroup"; } 2>/dev/null || continue
    for id in $ids; do
      case "${cg[*]}" in *"$id"*) printf '%s\n' "${p#/proc/}"; break ;; esac
    done
  done
}

# Cgroup directories with one of the given names, in every hierarchy, deepest first. They are searched
# for, not built from the mount root: a relative --cgroup-parent lands under the daemon's own group in a
# hierarchy where that group is not the root (e.g. memory/<the starting shell's group>/<parent>).
cgb_cgroups_named() {
  local args=() name
  for name in "$@"; do args+=(-o -path "*/$name"); done
  find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d \( -false "${args[@]}" \) 2>/dev/null | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
}

# Removes the (empty) cgroup directories with one of the given names, deepest first.
cgb_remove_cgroups_named() {
  local d
  while IFS= read -r d; do
    rmdir -- "$d" 2>/dev/null || true
  done < <(cgb_cgroups_named "$@")
}

# Removes the (empty) cgroup directories of this daemon's containers, for
# both the cgroupfs (<parent>/<id>) and systemd (docker-<id>.scope) layouts.
cgb_remove_container_cgroups() {
  local ids id names=()
  ids=$(cgb_container_ids)
  [ -n "$ids" ] || return 0
  for id in $ids; do names+=("$id" "docker-$id.scope"); done
  cgb_remove_cgroups_named "${names[@]}"
}

# Cleans up after a daemon that is gone but did not stop cleanly: kills its
# containerd/shims and the processes still in its containers' cgroups,
# removes those cgroups, unmounts what is left under the exec and data roots.
# Returns 1 if mounts remain. Call only when no daemon of ours is running.
cgb_cleanup_leftovers() {
  local pids p mounts
  pids=$(cgb_orphan_helpers)
  if [ -n "$pids" ]; then
    cgb_log "killing leftover containerd/shim pids: $(tr '\n' ' ' <<<"$pids")"
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ -z "$(cgb_orphan_helpers)" ] && break; sleep 0.1; done
    for p in $(cgb_orphan_helpers); do kill -KILL "$p" 2>/dev/null || true; done
  fi
  pids=$(cgb_orphan_container_pids)
  if [ -n "$pids" ]; then
    cgb_log "killing leftover container processes: $(tr '\n' ' ' <<<"$pids")"
    for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ -z "$(cgb_orphan_container_pids)" ] && break; sleep 0.1; done
  fi
  cgb_remove_container_cgroups
  mounts=$(cgb_mounts_under "$CGB_EXEC" "$CGB_ROOT")
  if [ -n "$mounts" ]; then
    cgb_log "unmounting leftovers: $(tr '\n' ' ' <<<"$mounts")"
    cgb_unmount_under "$CGB_EXEC" "$CGB_ROOT" || {
      cgb_log "still mounted: $(cgb_mounts_under "$CGB_EXEC" "$CGB_ROOT" | tr '\n' ' ')"
      return 1
    }
  fi
  return 0
}
