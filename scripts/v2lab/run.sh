#!/usr/bin/env bash
# cgbench v2lab: run a command as root inside a throw-away QEMU VM that boots
# Debian's own kernel with a real cgroup2 at /sys/fs/cgroup and sees the
# host's files (host / over 9p, read-only, under a throw-away overlay).
#
# Usage: scripts/v2lab/run.sh [--] COMMAND [ARG...]     (exec of argv)
#        scripts/v2lab/run.sh [--] 'SHELL COMMAND LINE'  (one word: /bin/sh -c)
#
# The command runs in the project checkout (the invoking directory if it is
# inside the checkout, else the checkout root); its stdout/stderr stream to
# this terminal, stdin is /dev/null, and run.sh exits with its exit code
# (124: timeout, 125: the lab itself failed, 141: our stdout/stderr closed).
#
# In the guest: HOME=/scratch/home TMPDIR=/scratch/tmp (ext4 on a virtio disk,
# /dev/vda mounted at /scratch), npm_config_cache=/scratch/npm-cache,
# CGBENCH_LAB=v2, V2LAB_OUT=/v2lab-out (writable, = host dir $V2LAB_OUT), the
# host's PATH; a fresh tmpfs /tmp; no network (loopback only).
#
# Environment (host side):
#   V2LAB_OUT=DIR          host dir mounted writable at /v2lab-out (default: a fresh
#                          temp dir, removed again if the command left it empty)
#   V2LAB_TIMEOUT=1200     overall timeout in seconds (exit 124)
#   V2LAB_BOOT_TIMEOUT=60  boot watchdog: retry once if the command has not started by then
#   V2LAB_MEM=2G  V2LAB_SMP=2  V2LAB_DISK_SIZE=2G
#   V2LAB_ROOT=overlay|ro  guest root: host / + writable throw-away overlay on the
#                          scratch disk (default), or the host / read-only
#   V2LAB_CWD=DIR          working directory in the guest
#   V2LAB_PASS_ENV="A B"   more host variables to pass into the guest
#                          (LANG LC_ALL TERM TZ CI NODE_OPTIONS FORCE_COLOR NO_COLOR always are)
#   V2LAB_ACCEL=tcg        QEMU accelerator: tcg (default, multi-threaded),
#                          tcg,thread=single (faster single-threaded code, less
#                          faithful parallelism), or kvm (falls back to tcg if it does not boot)
#   V2LAB_QUIET=1          print no [v2lab] lines except errors
#   V2LAB_DEBUG=1          more [v2lab] lines; per-module timing in the kernel log
#   V2LAB_KEEP=1           keep the run dir (scratch image, logs)
#   V2LAB_CACHE=DIR        cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/cgbench-v2lab);
#                          the last serial console/dmesg/qemu logs are kept in its logs/
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
debug() { [ "${V2LAB_DEBUG:-0}" = 1 ] && log "$*"; return 0; }

v2lab_prepare

timeout_s=${V2LAB_TIMEOUT:-1200}
boot_timeout=${V2LAB_BOOT_TIMEOUT:-60}
mem=${V2LAB_MEM:-2G}
smp=${V2LAB_SMP:-2}
disk_size=${V2LAB_DISK_SIZE:-2G}
rootmode=${V2LAB_ROOT:-overlay}
accel=${V2LAB_ACCEL:-tcg}
case "$rootmode" in overlay|ro) ;; *) die "V2LAB_ROOT must be overlay or ro" ;; esac
case "$timeout_s$boot_timeout" in *[!0-9]*) die "V2LAB_TIMEOUT and V2LAB_BOOT_TIMEOUT are whole seconds" ;; esac
mkfs=$(find_tool mkfs.ext4) || die "mkfs.ext4 not found"

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
out_pid=""
err_pid=""
stop_qemu() {
    [ -n "$qemu_pid" ] || return 0
    kill "$qemu_pid" 2>/dev/null
    local i
    for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$qemu_pid" 2>/dev/null
    wait "$qemu_pid" 2>/dev/null
    qemu_pid=""
}
stop_readers() {
    local p
    for p in $out_pid $err_pid; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    out_pid="" err_pid=""
}
save_logs() {
    mkdir -p "$V2LAB_CACHE/logs" || return 0
    [ -f "$rundir/serial.log" ] && cp "$rundir/serial.log" "$V2LAB_CACHE/logs/last-serial.log"
    [ -f "$rundir/ctl/dmesg" ] && cp "$rundir/ctl/dmesg" "$V2LAB_CACHE/logs/last-dmesg.log"
    [ -f "$rundir/qemu.log" ] && cp "$rundir/qemu.log" "$V2LAB_CACHE/logs/last-qemu.log"
    return 0
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
    if [ "$out_auto" = 1 ] && ! rmdir "$outdir" 2>/dev/null; then
        log "output left in $outdir"
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
        warn "--- qemu log ($V2LAB_CACHE/logs/last-qemu.log) ---"
        tail -n 20 "$rundir/qemu.log" >&2
    fi
    warn "--- last lines of the guest serial console ($V2LAB_CACHE/logs/last-serial.log) ---"
    tail -n 30 "$rundir/serial.log" >&2 2>/dev/null
}

# --- the script the guest runs (POSIX sh, chrooted, after env -i) ---
sq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
{
    echo "# written by scripts/v2lab/run.sh"
    printf 'export PATH=%s\n' "$(sq "$PATH")"
    echo "export HOME=/scratch/home USER=root LOGNAME=root SHELL=/bin/sh"
    echo "export TMPDIR=/scratch/tmp npm_config_cache=/scratch/npm-cache"
    echo "export CGBENCH_LAB=v2 V2LAB_OUT=/v2lab-out"
    for v in LANG LC_ALL TERM TZ CI NODE_OPTIONS FORCE_COLOR NO_COLOR ${V2LAB_PASS_ENV:-}; do
        case "$v" in *[!A-Za-z0-9_]*|[0-9]*) warn "V2LAB_PASS_ENV: skipping '$v'"; continue ;; esac
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
# The guest mounts fresh tmpfs on /tmp and /run; init.sh keeps this directory visible if it is there.
printf '%s\n' "$cwd" > "$rundir/ctl/cwd"

# --- kernel command line ---
# vmlinux (ELF, PVH entry) boots several seconds faster under TCG than the
# compressed bzImage; V2LAB_BOOT=bzimage forces the latter.
kernel=$KDIR/vmlinux
if [ "${V2LAB_BOOT:-vmlinux}" = bzimage ] || [ ! -s "$kernel" ]; then kernel=$KDIR/vmlinuz; fi
# acpi=noirq: legacy PCI IRQ routing (ACPI link setup costs ~1 s under TCG);
# reboot=t + qemu -no-reboot: the guest's reboot/panic ends qemu.
append="console=ttyS0 loglevel=6 panic=-1 reboot=t rdinit=/init mitigations=off acpi=noirq"
append="$append i8042.noaux i8042.nokbd i8042.nopnp tsc=reliable random.trust_cpu=on"
append="$append v2lab.root=$rootmode"
[ "${V2LAB_DEBUG:-0}" = 1 ] && append="$append v2lab.debug=1"
[ "$v2lab_quiet" = 1 ] && append="$append v2lab.quiet=1"
[ -n "${V2LAB_CONTROLLERS:-}" ] && append="$append v2lab.controllers=$(echo "$V2LAB_CONTROLLERS" | tr ' ' ,)"
# skip the delay-loop calibration (about 1 s under TCG): lpj from the TSC rate
mhz=$(awk -F: '/^cpu MHz/ { print $2 + 0; exit }' /proc/cpuinfo 2>/dev/null)
hz=$(sed -n 's/^CONFIG_HZ=//p' "$KDIR/config" 2>/dev/null)
if [ -n "$mhz" ] && [ -n "$hz" ]; then
    append="$append lpj=$(awk -v m="$mhz" -v h="$hz" 'BEGIN { printf "%d", m * 1000000 / h }')"
fi
[ -n "${V2LAB_APPEND:-}" ] && append="$append $V2LAB_APPEND"

# does the guest's ctl port log have a line starting with $1? (no forks: the
# watch loop runs next to a busy TCG guest)
ctl_has() {
    local l
    while IFS= read -r l; do
        [[ $l == "$1"* ]] && return 0
    done < "$rundir/ctl.log"
    return 1
}

# one boot; sets attempt_result: exit | fail | noboot | crash | timeout | epipe
attempt_result=""
guest_rc=""
fail_msg=""
t_boot="?"
run_attempt() {
    local acc=$1 wd=$2 deadline_boot now started=0 line p
    rm -f "$rundir/ctl/rc" "$rundir/ctl/dmesg" "$rundir/ctl.log" "$rundir/serial.log" "$rundir/qemu.log" \
        "$rundir/out.fifo" "$rundir/err.fifo" "$rundir/scratch.img"
    truncate -s "$disk_size" "$rundir/scratch.img" || die "cannot create the scratch disk"
    "$mkfs" -q -F -L v2lab-scratch -E lazy_itable_init=0,lazy_journal_init=0 "$rundir/scratch.img" >&2 ||
        die "mkfs.ext4 failed"
    : > "$rundir/ctl.log"
    mkfifo "$rundir/out.fifo" "$rundir/err.fifo" || die "mkfifo failed"
    cat "$rundir/out.fifo" &
    out_pid=$!
    cat "$rundir/err.fifo" >&2 &
    err_pid=$!

    debug "qemu: accel $acc, ${kernel##*/}, $smp cpus, $mem, cwd $cwd"
    qemu-system-x86_64 \
        -name v2lab -nodefaults -no-user-config -no-reboot \
        -machine pc -accel "$acc" -cpu max -m "$mem" -smp "$smp" \
        -display none -vga none -nic none \
        -kernel "$kernel" -initrd "$INITRD" -append "$append" \
        -chardev file,id=con,path="$rundir/serial.log" -serial chardev:con \
        -device virtio-serial-pci,id=vser \
        -chardev file,id=cout,path="$rundir/out.fifo" -device virtserialport,bus=vser.0,chardev=cout,name=out \
        -chardev file,id=cerr,path="$rundir/err.fifo" -device virtserialport,bus=vser.0,chardev=cerr,name=err \
        -chardev file,id=cctl,path="$rundir/ctl.log" -device virtserialport,bus=vser.0,chardev=cctl,name=ctl \
        -fsdev local,id=fsroot,path=/,security_model=none,readonly=on,multidevs=remap \
        -device virtio-9p-pci,fsdev=fsroot,mount_tag=hostroot \
        -fsdev local,id=fsctl,path="$rundir/ctl",security_model=none \
        -device virtio-9p-pci,fsdev=fsctl,mount_tag=v2ctl \
        -fsdev local,id=fsout,path="$outdir",security_model=none \
        -device virtio-9p-pci,fsdev=fsout,mount_tag=v2out \
        -drive file="$rundir/scratch.img",if=none,id=scratch,format=raw,cache=unsafe,discard=unmap \
        -device virtio-blk-pci,drive=scratch \
        < /dev/null > "$rundir/qemu.log" 2>&1 &
    qemu_pid=$!

    deadline_boot=$((EPOCHSECONDS + wd))
    while :; do
        if [ "$started" = 0 ] && ctl_has STARTED; then
            started=1
            t_boot=$(elapsed)
            debug "command started after ${t_boot}s"
        fi
        if ! kill -0 "$qemu_pid" 2>/dev/null; then
            wait "$qemu_pid" 2>/dev/null
            qemu_pid=""
            break
        fi
        # a reader that failed means our stdout/stderr went away (e.g.
        # "run.sh cmd | head"): end the VM, as SIGPIPE would end the command.
        # (A reader that ended with 0 saw EOF: qemu is exiting.)
        for p in $out_pid $err_pid; do
            if ! kill -0 "$p" 2>/dev/null; then
                if wait "$p" 2>/dev/null; then
                    [ "$p" = "$out_pid" ] && out_pid=""
                    [ "$p" = "$err_pid" ] && err_pid=""
                else
                    attempt_result=epipe
                    stop_qemu; stop_readers
                    return
                fi
            fi
        done
        now=$EPOCHSECONDS
        if [ "$now" -ge "$t_deadline" ]; then
            attempt_result=timeout
            stop_qemu; stop_readers
            return
        fi
        if [ "$started" = 0 ] && [ "$now" -ge "$deadline_boot" ]; then
            attempt_result=noboot
            stop_qemu; stop_readers
            return
        fi
        sleep 0.05
    done
    # qemu has exited: the readers get EOF and finish printing
    for p in $out_pid $err_pid; do wait "$p" 2>/dev/null; done
    out_pid="" err_pid=""
    line=$(grep -E '^(EXIT|FAIL) ' "$rundir/ctl.log" | tail -n1)
    [ -n "$line" ] || line=$(grep -aE '^FAIL ' "$rundir/serial.log" 2>/dev/null | tail -n1)
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

t_deadline=$((EPOCHSECONDS + timeout_s))
if [ "${accel%%,*}" != tcg ]; then
    # kvm and friends get a short watchdog: a stock kernel may not boot there
    wd=$boot_timeout; [ "$wd" -gt 20 ] && wd=20
    run_attempt "$accel" "$wd"
    if [ "$attempt_result" = noboot ] || [ "$attempt_result" = fail ]; then
        warn "no boot with accel $accel; using tcg"
        tail -n 3 "$rundir/qemu.log" 2>/dev/null | sed 's/^/[v2lab]   qemu: /' >&2
        save_logs
        accel=tcg
        run_attempt "$accel" "$boot_timeout"
    fi
else
    run_attempt "$accel" "$boot_timeout"
fi
if [ "$attempt_result" = noboot ]; then
    # one boot in a hundred or so hangs silently under TCG: retry once
    save_logs
    cp "$rundir/serial.log" "$V2LAB_CACHE/logs/noboot-serial.log" 2>/dev/null
    warn "the guest did not start the command within ${boot_timeout}s; retrying once (log: $V2LAB_CACHE/logs/noboot-serial.log)"
    tail -n 5 "$rundir/serial.log" 2>/dev/null | sed 's/^/[v2lab]   serial: /' >&2
    run_attempt "$accel" "$boot_timeout"
fi

case "$attempt_result" in
    exit)
        log "exit code ${guest_rc:-?}; boot ${t_boot}s, total $(elapsed)s"
        cleanup
        exit "${guest_rc:-125}"
        ;;
    timeout)
        warn "timeout: V2LAB_TIMEOUT=${timeout_s}s reached, VM killed (total $(elapsed)s)"
        save_logs
        cleanup
        exit 124
        ;;
    epipe)
        warn "stdout/stderr closed; VM killed"
        cleanup
        exit 141
        ;;
    fail) show_failure "guest init: $fail_msg" ;;
    crash) show_failure "the VM stopped while the command was running (kernel panic?)" ;;
    noboot) show_failure "the guest did not start the command (twice)" ;;
    *) show_failure "unexpected state '$attempt_result'" ;;
esac
cleanup
exit 125
