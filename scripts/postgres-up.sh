#!/usr/bin/env bash
# Start (or reuse) a private PostgreSQL server for cgbench's history tests and for developers.
#
# Usage:  eval "$(scripts/postgres-up.sh)"
#
# Installs Debian's postgresql when no server binaries are found (without starting the system
# service), creates a cluster of our own under ${CGBENCH_PG_DIR:-/var/tmp/cgbench-postgres} (data,
# socket, log, and a generated password readable by root only), and runs it on 127.0.0.1 at port
# ${CGBENCH_PG_PORT:-55432}. On success prints exactly one line on stdout:
#   export CGBENCH_TEST_PG_URL=postgres://cgbench:<password>@127.0.0.1:<port>/postgres
# Everything else goes to stderr. Idempotent: a live, answering server from the pidfile is reused.
# Needs root. See scripts/postgres-common.sh for the environment variables that override the paths.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$HERE/postgres-common.sh"

[ "$(id -u)" = 0 ] || pg_die "must run as root (it installs packages and runs the server as $PG_OS_USER)"

# ---------------------------------------------------------------- install
install_postgres() {
  pg_log "PostgreSQL server not found: installing Debian's postgresql"
  # postgresql-common's postinst creates the system cluster "main" and starts it: not here.
  svc_install_quietly 'postgres' 'postgresql.service' INT postgresql
  pg_bindir >/dev/null || pg_die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
}

pg_bindir >/dev/null || install_postgres
BIN=$(pg_bindir)
id -u "$PG_OS_USER" >/dev/null 2>&1 || pg_die "OS user '$PG_OS_USER' does not exist (Debian's postgresql package makes it)"
as_server() { (cd "$PG_DIR" && runuser -u "$PG_OS_USER" -- "$@"); }

# ---------------------------------------------------------------- start
mkdir -p -- "$PG_DIR"
chmod 0711 "$PG_DIR"
exec 9>"$PG_LOCK"
flock -w "$((PG_TIMEOUT + 30))" 9 || pg_die "timed out waiting for $PG_LOCK"

export_line() {
  printf 'export CGBENCH_TEST_PG_URL=%q\n' "postgres://$PG_USER:$(cat "$PG_PASSFILE")@127.0.0.1:$PG_PORT/postgres"
}

if pid=$(pg_server_pid); then
  deadline=$((SECONDS + PG_TIMEOUT))
  until pg_answers; do
    [ "$SECONDS" -lt "$deadline" ] || pg_die "postgres pid $pid is not answering on 127.0.0.1:$PG_PORT; stop it with scripts/postgres-down.sh"
    sleep 0.5
  done
  pg_log "reusing postgres pid $pid on 127.0.0.1:$PG_PORT"
  export_line
  exit 0
fi

if [ ! -s "$PG_DATA/PG_VERSION" ]; then
  pg_log "creating a cluster in $PG_DATA ($("$BIN/postgres" --version))"
  rm -rf --one-file-system -- "$PG_DATA"
  mkdir -p -- "$PG_DATA"
  chown "$PG_OS_USER:" "$PG_DATA"
  chmod 0700 "$PG_DATA"
  umask 077
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$PG_PASSFILE"
  umask 022
  # initdb reads the password from a file the server's account can read; it lives only for the call.
  pwfile=$(mktemp "$PG_DIR/.pw.XXXXXX")
  cp -- "$PG_PASSFILE" "$pwfile"
  chown "$PG_OS_USER:" "$pwfile"
  if ! as_server "$BIN/initdb" -D "$PG_DATA" --username="$PG_USER" --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >&2; then
    rm -f -- "$pwfile"
    pg_die "initdb failed"
  fi
  rm -f -- "$pwfile"
fi
[ -s "$PG_PASSFILE" ] || pg_die "$PG_PASSFILE is missing; recreate the cluster with scripts/postgres-down.sh --purge"

mkdir -p -- "$PG_RUN" "$PG_LOGDIR"
chown "$PG_OS_USER:" "$PG_RUN" "$PG_LOGDIR"
# Loopback only, a port of our own, the socket in our directory: nothing clashes with a system cluster.
cat >"$PG_DATA/cgbench.conf" <<CONF
# written by cgbench scripts/postgres-up.sh on every start
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
CONF
chown "$PG_OS_USER:" "$PG_DATA/cgbench.conf"
grep -qx "include_if_exists = 'cgbench.conf'" "$PG_DATA/postgresql.conf" \
  || printf "include_if_exists = 'cgbench.conf'\n" >>"$PG_DATA/postgresql.conf"
rm -f -- "$PG_DATA/postmaster.pid" # stale: no live server owns it (checked above)

[ -f "$PG_LOG" ] && mv -f -- "$PG_LOG" "$PG_LOG.1"
pg_log "starting postgres on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
# pg_ctl detaches the server into its own session; it inherits no descriptor but stdio, so neither our
# lock nor a caller's (`flock LOCK ...`) stays held by the server.
if ! (svc_close_fds && as_server "$BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$PG_TIMEOUT" start >/dev/null); then
  pg_log "postgres did not start; last lines of $PG_LOG:"
  tail -n 30 "$PG_LOG" >&2 || true
  exit 1
fi
pid=$(pg_server_pid) || pg_die "postgres started but $PG_DATA/postmaster.pid names no live server"
pg_log "postgres up, pid $pid"
export_line
