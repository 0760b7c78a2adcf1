#!/usr/bin/env bash
# The whole test suite on a fresh machine (as root): installs what the tests need (Debian packages,
# npm ci, the native and TypeScript builds), starts a private dockerd, a three-node test swarm and a
# private PostgreSQL server, runs `npm test` (unit, real cgroups, Docker, Chromium, the history on SQLite and
# PostgreSQL) and `npm run test:v2` (cgroup v2 in the QEMU lab), and stops everything it started,
# whatever happens. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# C toolchain for the static workloads, Chromium for the HTML report test, QEMU + busybox for the v2 lab,
# iproute2 for the test hosts (network namespaces) of the remote-engine test, podman for the podman runtime's
# test (rootful, no daemon: nothing to start or stop).
need_pkgs=()
for p in gcc libc6-dev make chromium qemu-system-x86 busybox-static iproute2 podman; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
  echo "test-all: installing ${need_pkgs[*]}" >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# The real readers of what cgbench writes for other tools: promtool (Debian's prometheus), the Prometheus
# client's OpenMetrics parser, a Pushgateway (its test starts and stops one on loopback), xmllint for the JUnit
# schemas, zsh and fish for the completion scripts, groff and man for the man page. prometheus and the
# Pushgateway are daemons' packages: installed without starting their services.
svc_log() { echo "test-all: $*" >&2; }
svc_die() {
  svc_log "$*"
  exit 1
}
# shellcheck source-path=SCRIPTDIR
. scripts/service-common.sh
consumer_pkgs=()
for p in prometheus prometheus-pushgateway python3-prometheus-client libxml2-utils zsh fish groff-base man-db; do
  dpkg -s "$p" >/dev/null 2>&1 || consumer_pkgs+=("$p")
done
if ((${#consumer_pkgs[@]})); then
  svc_log "installing ${consumer_pkgs[*]}"
  svc_install_quietly 'prometheus|prometheus-push' 'prometheus.service prometheus-pushgateway.service' TERM "${consumer_pkgs[@]}"
fi

# Real programs the user-workload tests run: nginx (the service tests; a daemon's package, installed without
# starting its service), fio (a command whose JSON report is read) and wrk (a service's own client, and the load
# bench's yardstick).
workload_pkgs=()
for p in nginx-light fio wrk; do
  dpkg -s "$p" >/dev/null 2>&1 || workload_pkgs+=("$p")
done
if ((${#workload_pkgs[@]})); then
  svc_log "installing ${workload_pkgs[*]}"
  svc_install_quietly 'nginx' 'nginx.service' QUIT "${workload_pkgs[@]}"
fi

docker_started=
swarm_started=
postgres_started=
cleanup() {
  local rc=$?
  # Nothing cgbench made may survive: containers and groups first (needs the engine), then the engine.
  if [[ -f dist/cli/main.js ]]; then node dist/cli/main.js clean >&2 || true; fi
  # The remote-engine test stops its engine itself; after a crash of the test run, this does.
  scripts/docker-remote.sh down >&2 2>/dev/null || true
  if [[ -n "$swarm_started" ]]; then scripts/swarm-down.sh || true; fi
  if [[ -n "$docker_started" ]]; then scripts/docker-down.sh || true; fi
  if [[ -n "$postgres_started" ]]; then scripts/postgres-down.sh || true; fi
  exit "$rc"
}
trap cleanup EXIT

eval "$(scripts/docker-up.sh)"
docker_started=1
# The swarm runtime's test cluster (test/integration/swarm.test.ts); sets CGBENCH_SWARM_HOST.
swarm_started=1
eval "$(scripts/swarm-up.sh 3)"
# The history tests' server (installs Debian's postgresql if missing); sets CGBENCH_TEST_PG_URL.
postgres_started=1
eval "$(scripts/postgres-up.sh)"

npm ci --no-audit --no-fund
npm test
npm run test:v2
