#!/usr/bin/env bash
# Test hosts on this machine: network namespaces joined to one bridge, each with an address of its own,
# for daemons (a second Docker engine, the nodes of a test swarm) that cgbench reaches over TCP.
#
# Usage:  scripts/netns.sh up NAME INDEX [--no-route]
#                                          creates namespace cgbench-NAME with address 10.231.0.(10+INDEX)/24
#                                          on bridge cgbench-br0 (the host side is 10.231.0.1); prints the address.
#                                          --no-route: no default route (the hosts of a test swarm need only
#                                          the bridge's subnet)
#         scripts/netns.sh down NAME       deletes the namespace and its veth; the bridge goes with the last one
#         scripts/netns.sh exec NAME CMD...  runs CMD in the namespace's network only (nsenter --net), so it
#                                          keeps this machine's /sys and cgroup mounts (ip netns exec would not)
# Needs root and iproute2. Nothing here routes anywhere else: the bridge has no uplink.
set -euo pipefail

BRIDGE=cgbench-br0
SUBNET=10.231.0
die() { echo "netns.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
command -v ip >/dev/null || die "ip (iproute2) not found; apt-get install -y iproute2"

ns_of() { printf 'cgbench-%s' "$1"; }
# veth names are at most 15 bytes: cgb-<name> on the host side.
veth_of() { printf 'cgb-%.11s' "$1"; }

cmd=${1:-}
case $cmd in
  up)
    [ $# -eq 3 ] || { [ $# -eq 4 ] && [ "$4" = --no-route ]; } || die "usage: netns.sh up NAME INDEX [--no-route]"
    name=$2 index=$3 route=${4:-}
    [[ $name =~ ^[a-z0-9-]{1,11}$ ]] || die "NAME must be 1-11 of a-z, 0-9, -"
    [[ $index =~ ^[0-9]+$ ]] && [ "$index" -le 200 ] || die "INDEX must be 0..200"
    ns=$(ns_of "$name") veth=$(veth_of "$name") addr=$SUBNET.$((10 + index))
    if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
      ip link add "$BRIDGE" type bridge
      ip addr add "$SUBNET.1/24" dev "$BRIDGE"
      ip link set "$BRIDGE" up
    fi
    if ! ip netns list | grep -qw "$ns"; then
      ip netns add "$ns"
      ip link add "$veth" type veth peer name eth0 netns "$ns"
      ip link set "$veth" master "$BRIDGE" up
      ip -n "$ns" addr add "$addr/24" dev eth0
      ip -n "$ns" link set eth0 up
      ip -n "$ns" link set lo up
      [ "$route" = --no-route ] || ip -n "$ns" route add default via "$SUBNET.1"
    fi
    echo "$addr"
    ;;
  down)
    [ $# -eq 2 ] || die "usage: netns.sh down NAME"
    ns=$(ns_of "$2") veth=$(veth_of "$2")
    ip link del "$veth" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    if ip link show "$BRIDGE" >/dev/null 2>&1 && ! ip link show master "$BRIDGE" | grep -q .; then
      ip link del "$BRIDGE"
    fi
    ;;
  exec)
    [ $# -ge 3 ] || die "usage: netns.sh exec NAME CMD..."
    ns=$(ns_of "$2")
    shift 2
    exec nsenter --net="/var/run/netns/$ns" "$@"
    ;;
  *)
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
    [ -z "$cmd" ] || [ "$cmd" = -h ] || [ "$cmd" = --help ] || exit 2
    ;;
esac
