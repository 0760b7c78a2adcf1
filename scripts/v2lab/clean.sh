#!/usr/bin/env bash
# cgbench v2lab: drop the lab's cache (kernel, initramfs, busybox, logs).
# Usage: scripts/v2lab/clean.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${1:-}" in
    -h|--help) sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
case "$V2LAB_CACHE" in
    ""|/|"$HOME"|"$HOME/"|/root|/tmp) die "refusing to remove '$V2LAB_CACHE'" ;;
esac
if [ -e "$V2LAB_CACHE" ]; then
    rm -rf -- "$V2LAB_CACHE"
    log "removed $V2LAB_CACHE"
else
    log "nothing to clean ($V2LAB_CACHE does not exist)"
fi
