#!/usr/bin/env bash
# cgbench v2lab: download/cache the Debian kernel and build the initramfs.
# Usage: scripts/v2lab/prepare.sh        (run.sh calls this itself)
# Cache: ${V2LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cgbench-v2lab}
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${1:-}" in
    -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
v2lab_prepare
boot=bzImage; [ -s "$KDIR/vmlinux" ] && boot=vmlinux
log "kernel $KVER ($boot): $KDIR"
log "initramfs: $INITRD"
