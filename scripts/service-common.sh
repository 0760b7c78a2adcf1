# shellcheck shell=bash
# Helpers shared by the scripts that run a private service for cgbench (docker-*.sh, postgres-*.sh).
# Sourced, not executed; the sourcing script defines svc_log (a message on stderr) and svc_die first.

# True if the process exists and is not a zombie (kill -0 succeeds on zombies, e.g. a daemon that
# died while the starting script is its parent).
svc_alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  case ${stat%% *} in Z|X|x) return 1 ;; esac
  return 0
}

# Prints the pid on the first line of a pidfile if that process is alive and its comm is the given name
# (a pid the kernel has handed to another program is not ours). Usage: svc_pidfile_pid FILE COMM
svc_pidfile_pid() {
  local pid= comm
  # dockerd writes the pid without a newline: read then fails but has set pid.
  { read -r pid <"$1" || [ -n "$pid" ]; } 2>/dev/null || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  { read -r comm <"/proc/$pid/comm"; } 2>/dev/null || return 1
  [ "$comm" = "$2" ] || return 1
  # a SIGKILLed process lingers a moment as a zombie
  svc_alive "$pid" || return 1
  printf '%s\n' "$pid"
}

# Waits until the process is gone, up to the given tenths of a second; false if it still runs.
# Usage: svc_wait_gone PID TENTHS
svc_wait_gone() {
  local i
  for ((i = 0; i < $2; i++)); do
    svc_alive "$1" || return 0
    sleep 0.1
  done
  ! svc_alive "$1"
}

# The calling script's usage: its opening comment, after the #! line (for -h/--help).
svc_help() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}

# Pids of running processes whose comm is one of the |-separated names (e.g. 'dockerd|containerd').
svc_pids() {
  local p comm
  for p in /proc/[0-9]*; do
    { read -r comm <"$p/comm"; } 2>/dev/null || continue
    case "|$1|" in *"|$comm|"*) printf '%s\n' "${p#/proc/}" ;; esac
  done | sort
}

SVC_POLICY=/usr/sbin/policy-rc.d
SVC_POLICY_BACKUP=
SVC_POLICY_INSTALLED=0

svc_restore_policy() {
  if [ "$SVC_POLICY_INSTALLED" = 1 ]; then
    if [ -n "$SVC_POLICY_BACKUP" ]; then
      mv -f -- "$SVC_POLICY_BACKUP" "$SVC_POLICY"
    else
      rm -f -- "$SVC_POLICY"
    fi
    SVC_POLICY_INSTALLED=0
  fi
}

# svc_install_quietly COMMS UNITS SIGNAL PKG...
# Installs Debian packages without letting them start their system services: their maintainer
# scripts start services through invoke-rc.d (sysvinit, when systemd is not PID 1) or
# deb-systemd-invoke (systemd), and both honour policy-rc.d, where exit 101 means "forbidden".
# Safety net: a process matching COMMS that appeared during the install is stopped again (the
# systemd UNITS first, where systemd runs, then SIGNAL to the process).
svc_install_quietly() {
  local comms=$1 units=$2 signal=$3
  shift 3
  command -v apt-get >/dev/null || svc_die "apt-get is not available to install $*"
  export DEBIAN_FRONTEND=noninteractive
  if [ -e "$SVC_POLICY" ]; then
    SVC_POLICY_BACKUP=$(mktemp "${SVC_POLICY}.cgbench.XXXXXX")
    cp -p -- "$SVC_POLICY" "$SVC_POLICY_BACKUP"
  fi
  SVC_POLICY_INSTALLED=1
  trap svc_restore_policy EXIT
  printf '#!/bin/sh\n# temporary, from cgbench %s\nexit 101\n' "${0##*/}" >"$SVC_POLICY"
  chmod 0755 "$SVC_POLICY"

  local before after p
  before=$(svc_pids "$comms")
  if ! apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    svc_log "running apt-get update"
    apt-get update -qq >&2
  fi
  # --no-install-recommends: no extras that bring services of their own (needrestart, apparmor, ...).
  if ! apt-get install -y -q --no-install-recommends "$@" >&2; then
    svc_log "install failed; running apt-get update and retrying"
    apt-get update -qq >&2
    apt-get install -y -q --no-install-recommends "$@" >&2
  fi
  svc_restore_policy
  trap - EXIT

  after=$(svc_pids "$comms")
  for p in $(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after")); do
    [ -d "/proc/$p" ] || continue
    svc_log "stopping $(cat "/proc/$p/comm" 2>/dev/null) (pid $p) started by the package install"
    # shellcheck disable=SC2086
    if [ -d /run/systemd/system ]; then systemctl stop $units >/dev/null 2>&1 || true; fi
    kill "-$signal" "$p" 2>/dev/null || true
  done
}

# Close every file descriptor above 2 in the calling (sub)shell. A daemon started from a command
# run as `flock LOCK command` inherits the lock's descriptor and would hold the lock as long as it
# lives; start daemons from a subshell that calls this first.
svc_close_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
  done
  return 0
}
