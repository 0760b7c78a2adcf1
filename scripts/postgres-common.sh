# shellcheck shell=bash disable=SC2034
# Shared settings and helpers for scripts/postgres-up.sh and scripts/postgres-down.sh.
# Sourced, not executed. The private PostgreSQL cluster (data, socket, log, password) lives under
# ${CGBENCH_PG_DIR:-/var/tmp/cgbench-postgres} and listens on loopback only.
#
# Environment (all optional):
#   CGBENCH_PG_DIR      base directory                  (/var/tmp/cgbench-postgres)
#   CGBENCH_PG_PORT     TCP port on 127.0.0.1           (55432, not the default 5432)
#   CGBENCH_PG_USER     the cluster's superuser         (cgbench)
#   CGBENCH_PG_OS_USER  the OS account the server runs as (postgres, made by Debian's package)
#   CGBENCH_PG_TIMEOUT  seconds to wait for start-up    (60)

PG_DIR=${CGBENCH_PG_DIR:-/var/tmp/cgbench-postgres}
PG_DATA=$PG_DIR/data
PG_RUN=$PG_DIR/run
PG_LOGDIR=$PG_DIR/log
PG_LOG=$PG_LOGDIR/postgres.log
PG_PASSFILE=$PG_DIR/password
PG_LOCK=$PG_DIR/.lock
PG_PORT=${CGBENCH_PG_PORT:-55432}
PG_USER=${CGBENCH_PG_USER:-cgbench}
PG_OS_USER=${CGBENCH_PG_OS_USER:-postgres}
PG_TIMEOUT=${CGBENCH_PG_TIMEOUT:-60}

pg_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
pg_die() { pg_log "error: $*"; exit 1; }

# The newest installed server's bin directory (Debian: /usr/lib/postgresql/<major>/bin).
pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && printf '%s\n' "$d"
}

# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/service-common.sh"
svc_log() { pg_log "$@"; }
svc_die() { pg_die "$@"; }

# Prints the postmaster's pid (first line of postmaster.pid) if that process is alive and a postgres.
pg_server_pid() { svc_pidfile_pid "$PG_DATA/postmaster.pid" postgres; }

# True when the server accepts connections on its loopback port.
pg_answers() {
  local bin
  bin=$(pg_bindir) || return 1
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 5 >/dev/null 2>&1
}
