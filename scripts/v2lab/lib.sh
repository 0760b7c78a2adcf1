# cgbench v2lab: shared helpers for prepare.sh / run.sh / clean.sh (bash).
# Sourced, not executed. Everything the lab caches lives in $V2LAB_CACHE.

V2LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
V2LAB_REPO=$(cd "$V2LAB_DIR/../.." && pwd -P)
if [ -z "${V2LAB_CACHE:-}" ]; then
    if [ -n "${XDG_CACHE_HOME:-}" ]; then
        V2LAB_CACHE=$XDG_CACHE_HOME/cgbench-v2lab
    elif [ -n "${HOME:-}" ] && [ -d "$HOME" ] && [ -w "$HOME" ]; then
        V2LAB_CACHE=$HOME/.cache/cgbench-v2lab
    else
        V2LAB_CACHE=${TMPDIR:-/tmp}/cgbench-v2lab-$(id -u)
    fi
fi
# modules the guest needs (their dependencies are added from the .ko files)
V2LAB_MODULES="virtio virtio_ring virtio_pci virtio_console virtio_blk 9pnet 9pnet_virtio 9p ext4 overlay"

v2lab_quiet=${V2LAB_QUIET:-0}
log() { [ "$v2lab_quiet" = 1 ] || echo "[v2lab] $*" >&2; }
warn() { echo "[v2lab] $*" >&2; }
die() { echo "[v2lab] error: $*" >&2; exit 125; }
is_root() { [ "$(id -u)" = 0 ]; }

# find a tool in PATH or the sbin dirs a non-root PATH may lack
find_tool() {
    local t=$1 d
    if command -v "$t" >/dev/null 2>&1; then command -v "$t"; return 0; fi
    for d in /usr/sbin /sbin /usr/local/sbin; do
        [ -x "$d/$t" ] && { echo "$d/$t"; return 0; }
    done
    return 1
}

apt_updated=0
apt_update_once() {
    is_root || return 1
    [ "$apt_updated" = 1 ] && return 0
    log "apt-get update"
    apt-get update -qq >&2 || return 1
    apt_updated=1
}

# install a Debian package on the host (root only); $1 = package, $2 = what
ensure_pkg() {
    local pkg=$1 what=$2
    is_root || die "$what is missing: run 'apt-get install -y --no-install-recommends $pkg' as root"
    log "installing $pkg"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >&2; then
        apt_update_once || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >&2 ||
            die "could not install $pkg"
    fi
}

ensure_host_tools() {
    command -v qemu-system-x86_64 >/dev/null 2>&1 || ensure_pkg qemu-system-x86 "qemu-system-x86_64"
    find_tool mkfs.ext4 >/dev/null || ensure_pkg e2fsprogs "mkfs.ext4"
    command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is missing (the lab needs a Debian host)"
    command -v apt-get >/dev/null 2>&1 || die "apt-get is missing (the lab needs a Debian host)"
    command -v xz >/dev/null 2>&1 || { is_root && ensure_pkg xz-utils "xz"; } || true
}

# The Debian kernel package to boot: $V2LAB_KERNEL_PKG, else what
# linux-image-amd64 depends on. Prints the package name.
resolve_kernel_pkg() {
    if [ -n "${V2LAB_KERNEL_PKG:-}" ]; then echo "$V2LAB_KERNEL_PKG"; return 0; fi
    local p memo=$V2LAB_CACHE/kernel-pkg lists=/var/lib/apt/lists
    # apt-cache takes about a second: remember its answer until apt's lists change
    if [ -s "$memo" ] && [ "$memo" -nt "$lists" ] && [ -s "$V2LAB_CACHE/kernel/$(sed 's/^linux-image-//' "$memo")/vmlinuz" ]; then
        cat "$memo"; return 0
    fi
    p=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n1)
    if [ -z "$p" ] && apt_update_once; then
        p=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n1)
    fi
    if [ -z "$p" ]; then
        # offline or no apt lists: fall back to the newest kernel in the cache
        p=$(ls -1d "$V2LAB_CACHE"/kernel/*/vmlinuz 2>/dev/null | sort -V | tail -n1)
        [ -n "$p" ] || return 1
        p=${p%/vmlinuz}; p=linux-image-${p##*/}
        warn "apt does not know linux-image-amd64; using the cached $p"
        echo "$p"; return 0
    fi
    echo "$p" > "$memo.tmp" && mv "$memo.tmp" "$memo"
    echo "$p"
}

# apt-get download $1 into directory $2; prints the .deb path
apt_download() {
    local pkg=$1 dir=$2 f
    ( cd "$dir" && apt-get download "$pkg" ) >"$dir/apt.log" 2>&1 ||
        { apt_update_once && ( cd "$dir" && apt-get download "$pkg" ) >"$dir/apt.log" 2>&1; } ||
        { cat "$dir/apt.log" >&2; return 1; }
    f=$(ls -1 "$dir"/"${pkg}"_*.deb 2>/dev/null | head -n1)
    [ -n "$f" ] || return 1
    echo "$f"
}

# module dependencies read from the .ko's .modinfo section
ko_depends() {
    tr '\0' '\n' < "$1" | sed -n 's/^depends=//p' | head -n1 | tr , ' '
}

# decompress the payload of a bzImage ($1) into an ELF vmlinux ($2)
extract_vmlinux() {
    local img=$1 out=$2 off
    command -v xz >/dev/null 2>&1 || return 1
    off=$(LC_ALL=C grep -abo $'\xfd7zXZ' "$img" | head -n1 | cut -d: -f1)
    [ -n "$off" ] || return 1
    tail -c +$((off + 1)) "$img" | xz -dc > "$out" 2>/dev/null
    [ "$(head -c 4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ]
}

# Download + unpack the kernel (vmlinuz, vmlinux, config, needed modules)
# into $V2LAB_CACHE/kernel/$kver. Sets KVER and KDIR.
prepare_kernel() {
    local pkg tmp deb mdir m dep done_list order
    pkg=$(resolve_kernel_pkg) || die "cannot tell which kernel to use: apt does not know linux-image-amd64 (run 'apt-get update' as root, or set V2LAB_KERNEL_PKG)"
    KVER=${pkg#linux-image-}
    KDIR=$V2LAB_CACHE/kernel/$KVER
    [ -s "$KDIR/vmlinuz" ] && [ -s "$KDIR/modules.list" ] &&
        [ "$(cat "$KDIR/modules.want" 2>/dev/null)" = "$V2LAB_MODULES" ] && return 0

    log "downloading kernel $pkg (once; cached in $KDIR)"
    mkdir -p "$V2LAB_CACHE/kernel"
    tmp=$(mktemp -d "$V2LAB_CACHE/kernel/.tmp.XXXXXX")
    deb=$(apt_download "$pkg" "$tmp") || { rm -rf "$tmp"; die "apt-get download $pkg failed"; }
    mkdir -p "$tmp/x" "$tmp/k/modules"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards './boot/*' './lib/modules/*' ||
        { rm -rf "$tmp"; die "cannot unpack $deb"; }
    cp "$tmp/x/boot/vmlinuz-$KVER" "$tmp/k/vmlinuz" || { rm -rf "$tmp"; die "no vmlinuz in $deb"; }
    cp "$tmp/x/boot/config-$KVER" "$tmp/k/config" 2>/dev/null || true
    mdir=$tmp/x/lib/modules/$KVER
    # index: module name -> path (names use _ and - interchangeably)
    find "$mdir/kernel" -name '*.ko' |
        awk -F/ '{ n = $NF; sub(/\.ko$/, "", n); gsub("-", "_", n); print n, $0 }' > "$tmp/index"
    # depth-first: dependencies before the module
    done_list=" "
    order=()
    add_mod() {
        local name=${1//-/_} path d
        case "$done_list" in *" $name "*) return 0 ;; esac
        path=$(awk -v n="$name" '$1 == n { print $2; exit }' "$tmp/index")
        if [ -z "$path" ]; then
            # built in (or absent): nothing to load
            grep -q "/${name}.ko\$\|/${1}.ko\$" "$mdir/modules.builtin" 2>/dev/null ||
                warn "module $1 not found in $pkg (assuming built in)"
            done_list="$done_list$name "
            return 0
        fi
        done_list="$done_list$name "
        for d in $(ko_depends "$path"); do add_mod "$d"; done
        cp "$path" "$tmp/k/modules/$name.ko"
        order+=("$name.ko")
    }
    for m in $V2LAB_MODULES; do add_mod "$m"; done
    # crc32c for ext4's metadata checksums (loaded through the crypto API)
    for m in crc32c_intel crc32c_generic; do add_mod "$m"; done
    printf '%s\n' "${order[@]}" > "$tmp/k/modules.list"
    echo "$V2LAB_MODULES" > "$tmp/k/modules.want"
    if extract_vmlinux "$tmp/k/vmlinuz" "$tmp/k/vmlinux"; then :; else rm -f "$tmp/k/vmlinux"; fi
    rm -rf "$KDIR"
    mv "$tmp/k" "$KDIR"
    rm -rf "$tmp"
}

# true if ELF file $1 has no PT_INTERP program header (statically linked)
elf_is_static() {
    local f=$1 phoff phentsize phnum i type
    [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || return 1
    phoff=$(od -An -t u8 -j 32 -N 8 "$f" | tr -d ' ')
    phentsize=$(od -An -t u2 -j 54 -N 2 "$f" | tr -d ' ')
    phnum=$(od -An -t u2 -j 56 -N 2 "$f" | tr -d ' ')
    for ((i = 0; i < phnum; i++)); do
        type=$(od -An -t u4 -j $((phoff + i * phentsize)) -N 4 "$f" | tr -d ' ')
        [ "$type" = 3 ] && return 1
    done
    return 0
}

# A static busybox for the initramfs: the host's if it is static, else the
# busybox-static package's (apt-get download, never installed). Sets BUSYBOX.
prepare_busybox() {
    BUSYBOX=$V2LAB_CACHE/busybox
    [ -x "$BUSYBOX" ] && return 0
    local b tmp deb
    for b in /bin/busybox /usr/bin/busybox; do
        if [ -x "$b" ] && elf_is_static "$b" && "$b" cpio --help >/dev/null 2>&1; then
            cp "$b" "$BUSYBOX.tmp" && mv "$BUSYBOX.tmp" "$BUSYBOX" && return 0
        fi
    done
    log "downloading busybox-static (once)"
    tmp=$(mktemp -d "$V2LAB_CACHE/.bb.XXXXXX")
    deb=$(apt_download busybox-static "$tmp") || { rm -rf "$tmp"; die "apt-get download busybox-static failed"; }
    dpkg-deb -x "$deb" "$tmp/x" || { rm -rf "$tmp"; die "cannot unpack $deb"; }
    cp "$tmp/x/bin/busybox" "$BUSYBOX.tmp" && mv "$BUSYBOX.tmp" "$BUSYBOX"
    rm -rf "$tmp"
    [ -x "$BUSYBOX" ] || die "no busybox in busybox-static"
}

# Build (or reuse) the initramfs for $KVER. Key: kernel + hash of init.sh,
# the module list and busybox. Sets INITRD.
prepare_initramfs() {
    local key tmp a
    key=$( { cat "$V2LAB_DIR/init.sh" "$KDIR/modules.list"; sha256sum < "$BUSYBOX"; } | sha256sum | cut -c1-16)
    INITRD=$V2LAB_CACHE/initramfs-$KVER-$key.cpio
    [ -s "$INITRD" ] && return 0
    log "building initramfs ($KVER, init $key)"
    tmp=$(mktemp -d "$V2LAB_CACHE/.initrd.XXXXXX")
    mkdir -p "$tmp/root/bin" "$tmp/root/dev" "$tmp/root/proc" "$tmp/root/sys" "$tmp/root/etc/v2lab" "$tmp/root/lib/modules"
    cp "$BUSYBOX" "$tmp/root/bin/busybox"
    ln -s busybox "$tmp/root/bin/sh"   # init installs the other applet links
    cp "$V2LAB_DIR/init.sh" "$tmp/root/init"
    chmod 755 "$tmp/root/init"
    cp "$KDIR"/modules/*.ko "$tmp/root/lib/modules/"
    cp "$KDIR/modules.list" "$tmp/root/etc/v2lab/modules"
    ( cd "$tmp/root" && find . | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null ) > "$tmp/initrd.cpio" ||
        { rm -rf "$tmp"; die "cpio failed"; }
    mv "$tmp/initrd.cpio" "$INITRD"
    rm -rf "$tmp"
    # older initramfs images of this kernel are stale now
    for a in "$V2LAB_CACHE"/initramfs-"$KVER"-*.cpio; do
        [ "$a" = "$INITRD" ] || rm -f "$a"
    done
}

# Everything the lab needs on the host; sets KVER KDIR BUSYBOX INITRD.
v2lab_prepare() {
    mkdir -p "$V2LAB_CACHE" || die "cannot create $V2LAB_CACHE"
    ensure_host_tools
    exec 5>"$V2LAB_CACHE/.lock"
    command -v flock >/dev/null 2>&1 && flock 5
    prepare_kernel
    prepare_busybox
    prepare_initramfs
    command -v flock >/dev/null 2>&1 && flock -u 5
    exec 5>&-
}
