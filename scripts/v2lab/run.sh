#!/usr/bin/env bash
# cgbench v2lab: run a command as root inside a throw-away QEMU VM that runs
# Debian's kernel with a real cgroup2 at /sys/fs/cgroup and sees the host's
# files (read-only 9p root + throw-away overlay).
#
# Usage: scripts/v2lab/run.sh [--] COMMAND [ARG...]
#        scripts/v2lab/run.sh [--] 'SHELL COMMAND LINE'   (one word: /bin/sh -c)
#
# The command runs in the project checkout (the invoking directory if it is
# inside it, else the checkout root), stdout/stderr stream to this terminal,
# stdin is /dev/null, and run.sh exits with the command's exit code
# (124: timeout, 125: the lab itself failed).
#
# Environment (host side):
#   V2LAB_OUT=DIR          host dir mounted writable at /v2lab-out (default: fresh temp dir,
#                          removed again if the command left it empty)
#   V2LAB_TIMEOUT=1200     overall timeout in seconds (exit 124)
#   V2LAB_BOOT_TIMEOUT=60  boot watchdog: retry once if the command has not started by then
#   V2LAB_MEM=2G V2LAB_SMP=2 V2LAB_DISK_SIZE=2G
#   V2LAB_ROOT=overlay|ro  guest root: writable throw-away overlay (default) or read-only
#   V2LAB_CWD=DIR          working directory in the guest
#   V2LAB_PASS_ENV="A B"   extra host variables to pass into the guest
#   V2LAB_ACCEL=tcg        QEMU accelerator (kvm is tried only if asked for; falls back to tcg)
#   V2LAB_BOOT=vmlinux|bzimage   kernel image to boot (default vmlinux: direct PVH entry)
#   V2LAB_QUIET=1          no [v2lab] lines except errors
#   V2LAB_CACHE=DIR        cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/cgbench-v2lab)
#   V2LAB_KEEP=1           keep the run dir (scratch image, logs) for debugging
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    --) shift ;;
esac
[ $# -gt 0 ] || { usage >&2; exit 2; }

t_start=$(date +%s.%N)
elapsed() { awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

v2lab_prepare

timeout_s=${V2LAB_TIMEOUT:-1200}
boot_timeout=${V2LAB_BOOT_TIMEOUT:-60}
mem=${V2LAB_MEM:-2G}
smp=${V2LAB_SMP:-2}
disk_size=${V2LAB_DISK_SIZE:-2G}
rootmode=${V2LAB_ROOT:-overlay}
accel=${V2LAB_ACCEL:-tcg}
bootimg=${V2LAB_BOOT:-vmlinux}

# --- working directory in the guest ---
if [ -n "${V2LAB_CWD:-}" ]; then
    cwd=$(cd "$V2LAB_CWD" && pwd -P) || die "V2LAB_CWD=$V2LAB_CWD is not a directory"
else
    cwd=$(pwd -P)
    case "$cwd/" in "$V2LAB_REPO"/*) ;; *) cwd=$V2LAB_REPO ;; esac
fi

# --- run dir: control share, scratch disk, fifos, logs ---
rundir=$(mktemp -d "${TMPDIR:-/tmp}/v2lab-run.XXXXXX") || die "mktemp failed"
mkdir -p "$rundir/ctl"
out_auto=0
if [ -n "${V2LAB_OUT:-}" ]; then
    mkdir -p "$V2LAB_OUT" || die "cannot create V2LAB_OUT=$V2LAB_OUT"
    outdir=$(cd "$V2LAB_OUT" && pwd -P)
else
    outdir=$(mktemp -d "${TMPDIR:-/tmp}/v2lab-out.XXXXXX") || die "mktemp failed"
    out_auto=1
fi

qemu_pid=""
reader_pids=()
stop_qemu() {
    if [ -n "$qemu_pid" ]; then
        kill "$qemu_pid" 2>/dev/null
        local i
        for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$qemu_pid" 2>/dev/null
        wait "$qemu_pid" 2>/dev/null
        qemu_pid=""
    fi
}
stop_readers() {
    local p
    for p in "${reader_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    reader_pids=()
}
save_logs() {
    mkdir -p "$V2LAB_CACHE/logs"
    [ -f "$rundir/serial.log" ] && cp "$rundir/serial.log" "$V2LAB_CACHE/logs/last-serial.log"
    [ -f "$rundir/ctl/dmesg" ] && cp "$rundir/ctl/dmesg" "$V2LAB_CACHE/logs/last-dmesg.log"
    [ -f "$rundir/qemu.log" ] && cp "$rundir/qemu.log" "$V2LAB_CACHE/logs/last-qemu.log"
}
cleaned=0
cleanup() {
    [ "$cleaned" = 1 ] && return 0
    cleaned=1
    stop_qemu
    stop_readers
    save_logs 2>/dev/null
    if [ "${V2LAB_KEEP:-0}" = 1 ]; then
        warn "run dir kept: $rundir"
    else
        rm -rf "$rundir"
    fi
    if [ "$out_auto" = 1 ]; then
        if rmdir "$outdir" 2>/dev/null; then :; else log "output left in $outdir"; fi
    fi
}
on_signal() { warn "interrupted"; cleanup; exit "$1"; }
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

show_failure() {
    warn "lab failure: $*"
    save_logs
    if [ -s "$rundir/qemu.log" ]; then
        warn "--- qemu log ---"; tail -n 20 "$rundir/qemu.log" >&2
    fi
    warn "--- last lines of the guest serial console ($V2LAB_CACHE/logs/last-serial.log) ---"
    tail -n 30 "$rundir/serial.log" 2>/dev/null >&2
}

# --- the command script the guest runs (POSIX sh, chrooted, env -i) ---
sq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
{
    echo "# written by scripts/v2lab/run.sh"
    printf 'export PATH=%s\n' "$(sq "$PATH")"
    echo "export HOME=/scratch/home USER=root LOGNAME=root SHELL=/bin/sh"
    echo "export TMPDIR=/scratch/tmp npm_config_cache=/scratch/npm-cache"
    echo "export CGBENCH_LAB=v2 V2LAB_OUT=/v2lab-out"
    for v in LANG LC_ALL TERM TZ CI NODE_OPTIONS FORCE_COLOR NO_COLOR ${V2LAB_PASS_ENV:-}; do
        [ -n "${!v+x}" ] && printf 'export %s=%s\n' "$v" "$(sq "${!v}")"
    done
    printf 'cd %s || { echo "[v2lab] cannot cd to %s in the guest" >&2; exit 125; }\n' "$(sq "$cwd")" "$cwd"
    if [ $# -eq 1 ]; then
        printf 'exec /bin/sh -c %s\n' "$(sq "$1")"
    else
        printf 'exec'
        for a in "$@"; do printf ' %s' "$(sq "$a")"; done
        printf '\n'
    fi
} > "$rundir/ctl/cmd.sh"

# --- kernel and qemu command line ---
kernel=$KDIR/vmlinux
if [ "$bootimg" = bzimage ] || [ ! -s "$kernel" ]; then kernel=$KDIR/vmlinuz; fi
append="console=ttyS0 loglevel=6 panic=-1 reboot=t rdinit=/init mitigations=off acpi=noirq"
append="$append i8042.noaux i8042.nokbd i8042.nopnp tsc=reliable random.trust_cpu=on"
append="$append v2lab.root=$rootmode"
[ "${V2LAB_DEBUG:-0}" = 1 ] && append="$append v2lab.debug=1"
[ -n "${V2LAB_APPEND:-}" ] && append="$append $V2LAB_APPEND"
[ -n "${V2LAB_CONTROLLERS:-}" ] && append="$append v2lab.controllers=$(echo "$V2LAB_CONTROLLERS" | tr ' ' ,)"
# skip the delay-loop calibration (about 1 s under TCG): lpj from the TSC rate
mhz=$(awk -F: '/^cpu MHz/ { print $2 + 0; exit }' /proc/cpuinfo 2>/dev/null)
hz=$(sed -n 's/^CONFIG_HZ=//p' "$KDIR/config" 2>/dev/null)
if [ -n "$mhz" ] && [ -n "$hz" ]; then append="$append lpj=$(awk -v m="$mhz" -v h="$hz" 'BEGIN { printf "%d", m * 1000000 / h }')"; fi
V2LAB_MACHINE=${V2LAB_MACHINE:-pc}
mkfs=$(find_tool mkfs.ext4) || die "mkfs.ext4 not found"

# one boot attempt; sets attempt_result to: exit | fail | noboot | crash | timeout
attempt_result=""
guest_rc=""
run_attempt() {
    local acc=$1 deadline_boot deadline_all now started=0 line booted=0
    rm -f "$rundir/ctl/rc" "$rundir/ctl/dmesg" "$rundir/ctl.log" "$rundir/serial.log" "$rundir/qemu.log" \
        "$rundir/out.fifo" "$rundir/err.fifo" "$rundir/scratch.img"
    truncate -s "$disk_size" "$rundir/scratch.img" || die "cannot create the scratch disk"
    "$mkfs" -q -F -L v2lab-scratch -E lazy_itable_init=0,lazy_journal_init=0 "$rundir/scratch.img" >&2 ||
        die "mkfs.ext4 failed"
    : > "$rundir/ctl.log"
    mkfifo "$rundir/out.fifo" "$rundir/err.fifo" || die "mkfifo failed"
    cat "$rundir/out.fifo" &
    reader_pids+=($!)
    cat "$rundir/err.fifo" >&2 &
    reader_pids+=($!)

    local machine vdev app=$append
    case "$V2LAB_MACHINE" in
        microvm)
            machine=microvm,accel=$acc,acpi=off,pic=on,pit=on,rtc=on,isa-serial=on
            vdev=device
            ;;
        *)
            machine=pc,accel=$acc
            vdev=pci
            ;;
    esac
    qemu-system-x86_64 \
        -name v2lab -nodefaults -no-user-config -no-reboot \
        -machine "$machine" -cpu max -m "$mem" -smp "$smp" \
        -display none -vga none -nic none \
        -kernel "$kernel" -initrd "$INITRD" -append "$app" \
        -chardev file,id=con,path="$rundir/serial.log" -serial chardev:con \
        -device virtio-serial-$vdev,id=vser \
        -chardev file,id=cout,path="$rundir/out.fifo" -device virtserialport,bus=vser.0,chardev=cout,name=out \
        -chardev file,id=cerr,path="$rundir/err.fifo" -device virtserialport,bus=vser.0,chardev=cerr,name=err \
        -chardev file,id=cctl,path="$rundir/ctl.log" -device virtserialport,bus=vser.0,chardev=cctl,name=ctl \
        -fsdev local,id=fsroot,path=/,security_model=none,readonly=on,multidevs=remap \
        -device virtio-9p-$vdev,fsdev=fsroot,mount_tag=hostroot \
        -fsdev local,id=fsctl,path="$rundir/ctl",security_model=none \
        -device virtio-9p-$vdev,fsdev=fsctl,mount_tag=v2ctl \
        -fsdev local,id=fsout,path="$outdir",security_model=none \
        -device virtio-9p-$vdev,fsdev=fsout,mount_tag=v2out \
        -drive file="$rundir/scratch.img",if=none,id=scratch,format=raw,cache=unsafe,discard=unmap \
        -device virtio-blk-$vdev,drive=scratch \
        < /dev/null > "$rundir/qemu.log" 2>&1 &
    qemu_pid=$!

    now=$(date +%s)
    deadline_boot=$((now + boot_timeout))
    deadline_all=$((t_deadline))
    while :; do
        if [ "$started" = 0 ] && grep -q '^STARTED' "$rundir/ctl.log" 2>/dev/null; then
            started=1
            t_boot=$(elapsed)
        fi
        if [ "$booted" = 0 ] && grep -q '^BOOTED' "$rundir/ctl.log" 2>/dev/null; then booted=1; fi
        if ! kill -0 "$qemu_pid" 2>/dev/null; then
            wait "$qemu_pid" 2>/dev/null
            qemu_pid=""
            break
        fi
        now=$(date +%s)
        if [ "$now" -ge "$deadline_all" ]; then
            attempt_result=timeout
            stop_qemu
            stop_readers
            return
        fi
        if [ "$started" = 0 ] && [ "$now" -ge "$deadline_boot" ]; then
            attempt_result=noboot
            stop_qemu
            stop_readers
            return
        fi
        sleep 0.05
    done
    # qemu has exited: the readers see EOF once the fifos are closed
    local p
    for p in "${reader_pids[@]}"; do wait "$p" 2>/dev/null; done
    reader_pids=()
    line=$(grep -E '^(EXIT|FAIL)' "$rundir/ctl.log" | tail -n1)
    case "$line" in
        EXIT*) attempt_result=exit; guest_rc=${line#EXIT }; guest_rc=${guest_rc%%[!0-9]*} ;;
        FAIL*) attempt_result=fail; fail_msg=${line#FAIL } ;;
        *)
            if [ -s "$rundir/ctl/rc" ]; then
                attempt_result=exit; guest_rc=$(head -n1 "$rundir/ctl/rc")
            elif [ "$started" = 1 ]; then
                attempt_result=crash
            else
                attempt_result=noboot
            fi
            ;;
    esac
}

t_deadline=$(( $(date +%s) + timeout_s ))
t_boot="?"
fail_msg=""
log "kernel $KVER, ${kernel##*/}, accel $accel, cwd $cwd"
run_attempt "$accel"
if [ "$attempt_result" = noboot ]; then
    save_logs
    if [ "$accel" != tcg ]; then
        warn "no boot with accel $accel; retrying with tcg"
        accel=tcg
    else
        warn "the guest did not start the command (boot watchdog ${boot_timeout}s or early exit); retrying once"
        tail -n 5 "$rundir/serial.log" 2>/dev/null | sed 's/^/[v2lab]   serial: /' >&2
    fi
    run_attempt "$accel"
fi

case "$attempt_result" in
    exit)
        log "exit code $guest_rc; boot ${t_boot}s, total $(elapsed)s"
        cleanup
        exit "${guest_rc:-125}"
        ;;
    timeout)
        warn "timeout: V2LAB_TIMEOUT=${timeout_s}s reached, VM killed (total $(elapsed)s)"
        save_logs
        cleanup
        exit 124
        ;;
    fail) show_failure "guest init: $fail_msg" ;;
    crash) show_failure "the VM stopped while the command was running (kernel panic or poweroff?)" ;;
    noboot) show_failure "the guest did not start the command (twice)" ;;
    *) show_failure "unexpected state '$attempt_result'" ;;
esac
cleanup
exit 125
