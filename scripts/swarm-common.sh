# shellcheck shell=bash
# Shared by scripts/swarm-up.sh and scripts/swarm-down.sh: where the test swarm lives, and one node's
# engine settings for scripts/docker-up.sh / docker-down.sh. Sourced, not executed.

SWARM_BASE=${CGBENCH_SWARM_DIR:-/var/tmp/cgbench-swarm}

# Node I's engine: its own data/exec root, namespace, hostname and cgroup parent (cgbench-swarmI).
swarm_node_env() {
  local i=$1
  export CGBENCH_DOCKER_DIR=$SWARM_BASE/n$i
  export CGBENCH_DOCKER_NETNS=cgbench-swarm$i
  export CGBENCH_DOCKER_HOSTNAME=cgbench-swarm$i
  export CGBENCH_DOCKER_CGROUP_PARENT=cgbench-swarm$i
}
