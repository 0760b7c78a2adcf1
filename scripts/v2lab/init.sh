#!/bin/sh
# cgbench v2lab guest init: PID 1 of the throw-away QEMU VM (busybox sh).
#
# Copied into the initramfs as /init by prepare.sh (its hash is part of the
# initramfs cache key). It
#   1. loads the few modules the lab needs (list in /etc/v2lab/modules),
#   2. mounts the host's / (9p, read-only), the run's control share, the
#      writable output share and the scratch disk (ext4 on virtio-blk),
#   3. builds /newroot = host root (+ throw-away overlay, or read-only),
#      with fresh /proc /sys /dev /tmp /run and cgroup2 at /sys/fs/cgroup,
#   4. runs /run/v2lab/cmd.sh (written by run.sh) chrooted into /newroot,
#      stdout/stderr wired to two virtio-serial ports streamed by the host,
#   5. reports the exit code and resets the VM (qemu -no-reboot then exits).
# Protocol on the "ctl" port (one line each): "BOOTED", "STARTED", "EXIT <rc>",
# "FAIL <reason>". Nothing here writes to the host except into the shares.

PATH=/bin
export PATH
/bin/busybox --install -s /bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec 0</dev/console 1>/dev/console 2>&1

CTL=/dev/console
OUT=/dev/console
ERR=/dev/console

say() { if [ "$CTL" = /dev/console ]; then echo "$*" > /dev/console; else echo "$*" >&7; fi; }
klog() { echo "v2lab-init: $*" > /dev/kmsg; }
# qemu runs with -no-reboot (and the kernel with reboot=t): a reset ends qemu
halt_vm() {
    reboot -f
    sleep 5
    echo b > /proc/sysrq-trigger
}
fail() {
    klog "FAIL: $*"
    if [ "$ERR" = /dev/console ]; then echo "[v2lab] guest: $*" > /dev/console; else echo "[v2lab] guest: $*" >&9; fi
    say "FAIL $*"
    dmesg > /ctl/dmesg 2>/dev/null
    sync
    halt_vm
}

# --- arguments from the kernel command line (v2lab.root=overlay|ro, ...) ---
ROOTMODE=overlay
V2LAB_DEBUG=
QUIET=
CONTROLLERS="cpu io memory pids"
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        v2lab.root=*) ROOTMODE=${arg#v2lab.root=} ;;
        v2lab.debug=1) V2LAB_DEBUG=1 ;;
        v2lab.quiet=1) QUIET=1 ;;
        v2lab.controllers=*) CONTROLLERS=$(echo "${arg#v2lab.controllers=}" | tr , ' ') ;;
    esac
done

klog stage modules
# --- modules (dependency order, computed on the host) ---
# insmod (unlike modprobe) does not apply "module.param=value" from the
# kernel command line: pass them on (e.g. V2LAB_APPEND="ext4.foo=1")
CMDLINE=$(cat /proc/cmdline)
while read -r m; do
    [ -n "$m" ] || continue
    args=""
    for arg in $CMDLINE; do
        case "$arg" in "${m%.ko}".*=*) args="$args ${arg#${m%.ko}.}" ;; esac
    done
    insmod "/lib/modules/$m" $args 2>/dev/null || klog "insmod $m failed"
    [ -n "$V2LAB_DEBUG" ] && klog "loaded $m"
done < /etc/v2lab/modules

klog stage ports
# --- virtio-serial ports: out, err, ctl (names set by qemu) ---
n=0
while [ $n -lt 200 ]; do
    for d in /sys/class/virtio-ports/vport*; do
        [ -r "$d/name" ] || continue
        name=$(cat "$d/name")
        [ -n "$name" ] && [ -c "/dev/${d##*/}" ] && ln -sf "/dev/${d##*/}" "/dev/v2lab-$name" 2>/dev/null
    done
    [ -e /dev/v2lab-ctl ] && [ -e /dev/v2lab-out ] && [ -e /dev/v2lab-err ] && break
    n=$((n + 1))
    usleep 10000
done
if [ -e /dev/v2lab-ctl ]; then CTL=/dev/v2lab-ctl; fi
if [ -e /dev/v2lab-out ]; then OUT=/dev/v2lab-out; fi
if [ -e /dev/v2lab-err ]; then ERR=/dev/v2lab-err; fi
# the ports are opened once and kept open (fd 7/8/9) so nothing is lost
exec 7> "$CTL" 8> "$OUT" 9> "$ERR"
say BOOTED

klog stage mounts
# --- shares and scratch disk ---
mkdir -p /host /ctl /out /scratch /newroot
P9="trans=virtio,version=9p2000.L,msize=512000"
mount -t 9p -o "$P9,cache=mmap" v2ctl /ctl || fail "cannot mount the control share"
mount -t 9p -o "$P9,ro,cache=loose" hostroot /host || fail "cannot mount the host root (9p)"
mount -t 9p -o "$P9,cache=mmap" v2out /out || fail "cannot mount the output share"
[ -b /dev/vda ] || fail "no scratch disk /dev/vda"
mount -t ext4 -o noatime /dev/vda /scratch || fail "cannot mount the scratch disk"

klog stage root
# --- the root the command sees ---
case "$ROOTMODE" in
    overlay)
        mkdir -p /scratch/.v2lab-root/upper /scratch/.v2lab-root/work
        if ! mount -t overlay overlay \
            -o lowerdir=/host,upperdir=/scratch/.v2lab-root/upper,workdir=/scratch/.v2lab-root/work \
            /newroot; then
            klog "overlay failed, falling back to a read-only root"
            ROOTMODE=ro
        fi
        ;;
esac
if [ "$ROOTMODE" != overlay ]; then
    # read-only: a tmpfs skeleton whose top-level dirs are bind mounts of
    # the (read-only) host root, so that new mount points can be created
    mount -t tmpfs -o mode=755 root /newroot || fail "cannot mount the tmpfs root"
    for p in /host/* /host/.[!.]*; do
        [ -e "$p" ] || [ -L "$p" ] || continue
        b=${p#/host/}
        case "$b" in proc|sys|dev|tmp|run|scratch|v2lab-out) mkdir -p "/newroot/$b"; continue ;; esac
        if [ -L "$p" ]; then
            cp -a "$p" "/newroot/$b"
        elif [ -d "$p" ]; then
            mkdir -p "/newroot/$b" && mount --bind "$p" "/newroot/$b"
        else
            touch "/newroot/$b" && mount --bind "$p" "/newroot/$b"
        fi
    done
fi

klog stage newroot-mounts
R=/newroot
mkdir -p $R/proc $R/sys $R/dev $R/tmp $R/run $R/scratch $R/v2lab-out 2>/dev/null
mount -t proc proc $R/proc || fail "cannot mount /proc"
mount -t sysfs sysfs $R/sys || fail "cannot mount /sys"
mount -t devtmpfs devtmpfs $R/dev || fail "cannot mount /dev"
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 shm $R/dev/shm
# A checkout under /tmp or /run (CI clones anywhere) would vanish under the fresh tmpfs mounts:
# hold it aside, mount the tmpfs, then move it back in place (writable in overlay mode).
CWD=$(cat /ctl/cwd 2>/dev/null)
case "$CWD" in
    /tmp/*|/run/*) mkdir -p /keep && mount --bind "$R$CWD" /keep || fail "cannot hold $CWD" ;;
    *) CWD= ;;
esac
mount -t tmpfs -o mode=1777 tmp $R/tmp
mount -t tmpfs -o mode=755 run $R/run
if [ -n "$CWD" ]; then
    mkdir -p "$R$CWD" && mount --move /keep "$R$CWD" || fail "cannot put $CWD back under the fresh tmpfs"
fi
mount -t cgroup2 -o nsdelegate cgroup2 $R/sys/fs/cgroup || fail "cannot mount cgroup2"
mount --bind /scratch $R/scratch || fail "cannot bind /scratch"
mount --bind /out $R/v2lab-out || fail "cannot bind /v2lab-out"
mkdir -p $R/run/v2lab && mount --bind /ctl $R/run/v2lab || fail "cannot bind the control share"
mkdir -p /scratch/tmp /scratch/home /scratch/npm-cache
chmod 1777 /scratch/tmp

klog stage cgroup
hostname v2lab
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null

# --- cgroup2: make the controllers available to the root's children ---
CG=$R/sys/fs/cgroup
for c in $CONTROLLERS; do
    echo "+$c" > $CG/cgroup.subtree_control 2>/dev/null || klog "cannot enable controller $c"
done

if [ -z "$QUIET" ]; then
    echo "[v2lab] guest kernel: $(uname -r) ($ROOTMODE root)" >&9
    echo "[v2lab] cgroup2 controllers: $(cat $CG/cgroup.controllers) (subtree_control: $(cat $CG/cgroup.subtree_control))" >&9
fi

[ -r /ctl/cmd.sh ] || fail "no /run/v2lab/cmd.sh in the control share"
klog stage started
say STARTED
env -i /bin/chroot $R /bin/sh /run/v2lab/cmd.sh < /dev/null >&8 2>&9 7>&- 8>&- 9>&-
rc=$?
klog "stage command exited rc=$rc"

# the command's leftovers (daemons, background jobs) go down with the VM
echo "$rc" > /ctl/rc
dmesg > /ctl/dmesg 2>/dev/null
sync
say "EXIT $rc"
exec 7>&- 8>&- 9>&-
halt_vm
