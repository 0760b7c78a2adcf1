#!/usr/bin/env bash
# Stop the private PostgreSQL server started by scripts/postgres-up.sh.
#
# Usage:  scripts/postgres-down.sh [--purge]
#
# Stops the server by the pid in its postmaster.pid: SIGINT (fast shutdown: sessions are ended,
# data is flushed), up to 30 s, then SIGQUIT, then SIGKILL. --purge also deletes the cluster (data,
# password, log). Idempotent: exits 0 when nothing is running.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$HERE/postgres-common.sh"

PURGE=0
for a in "$@"; do
  case $a in
    --purge) PURGE=1 ;;
    -h|--help) svc_help; exit 0 ;;
    *) pg_die "unknown argument: $a (usage: postgres-down.sh [--purge])" ;;
  esac
done

[ "$(id -u)" = 0 ] || pg_die "must run as root"
[ -d "$PG_DIR" ] || { pg_log "nothing to stop ($PG_DIR does not exist)"; exit 0; }
exec 9>"$PG_LOCK"
flock -w 90 9 || pg_die "timed out waiting for $PG_LOCK"

if pid=$(pg_server_pid); then
  pg_log "stopping postgres pid $pid"
  kill -INT "$pid" 2>/dev/null || true
  if ! svc_wait_gone "$pid" 300; then
    pg_log "postgres pid $pid still running after 30 s: SIGQUIT"
    kill -QUIT "$pid" 2>/dev/null || true
    if ! svc_wait_gone "$pid" 100; then
      pg_log "postgres pid $pid still running: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      svc_wait_gone "$pid" 50 || pg_die "postgres pid $pid does not exit"
    fi
  fi
else
  pg_log "no postgres running from $PG_DATA/postmaster.pid"
fi

if [ "$PURGE" = 1 ]; then
  pg_log "purging $PG_DIR"
  rm -rf --one-file-system -- "$PG_DATA" "$PG_RUN" "$PG_LOGDIR" "$PG_PASSFILE"
  rm -f -- "$PG_LOCK"
  rmdir -- "$PG_DIR" 2>/dev/null || true
fi
pg_log "down"
