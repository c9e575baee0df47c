#!/bin/bash
# Build (or reuse) the kernel + initramfs pair that tests/vm/run.sh boots.
#
#   tests/vm/build-initramfs.sh [--force] [OUTDIR]      (default OUTDIR: <repo>/target/vm)
#
# OUTDIR receives:
#   vmlinuz              copy of the host's Debian kernel image
#   initramfs.cpio.gz    busybox-static + the IPVS/veth/9p modules + /init
#   kernel-version       e.g. 6.1.0-56-amd64
#   stamp                what the pair was built from; the build is skipped when
#                        the kernel version, this script and busybox are unchanged
#
# Needs: linux-image-amd64 (kernel + /lib/modules/<ver>), busybox-static, kmod
# (modprobe), cpio, gzip.  HA_VM_KERNEL=<ver> picks a kernel other than the newest.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)

force=0
if [[ ${1:-} == --force ]]; then force=1; shift; fi
out=${1:-${HA_VM_DIR:-$repo/target/vm}}
mkdir -p "$out"
out=$(cd "$out" && pwd -P)

die() { echo "build-initramfs: $*" >&2; exit 1; }

# Modules the VM loads at boot (their dependencies are added by modprobe).
# Anything else can be loaded later inside the VM: the kernel's module helper
# runs the host's /sbin/modprobe from the shared host root.
MODULES=(
    ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sh ip_vs_sed ip_vs_nq
    ip_vs_dh ip_vs_fo ip_vs_mh ip_vs_lblc ip_vs_lblcr ip_vs_ovf
    veth dummy bridge nf_tables
    9p 9pnet_virtio virtio_pci
)

# --- pick the kernel --------------------------------------------------------
pick_kernel() {
    if [[ -n ${HA_VM_KERNEL:-} ]]; then echo "$HA_VM_KERNEL"; return; fi
    local f v best=
    for f in /boot/vmlinuz-*; do
        [[ -e $f ]] || continue
        v=${f#/boot/vmlinuz-}
        [[ -d /lib/modules/$v/kernel ]] || continue
        best+="$v"$'\n'
    done
    [[ -n $best ]] || die "no /boot/vmlinuz-<ver> with /lib/modules/<ver>; install linux-image-amd64"
    printf '%s' "$best" | sort -V | tail -n1
}
kver=$(pick_kernel)
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[[ -r $kernel ]] || die "cannot read $kernel"
[[ -d $moddir ]] || die "missing $moddir"

busybox=$(command -v busybox || true)
[[ -n $busybox ]] || die "busybox not found; install busybox-static"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
    ldd "$busybox" 2>&1 | grep -q 'not a dynamic executable' ||
    die "$busybox is not static; install busybox-static"
for t in cpio gzip modprobe; do
    command -v "$t" >/dev/null || die "$t not found (packages: cpio gzip kmod)"
done

stamp_text=$(
    echo "kernel=$kver $(stat -c '%s %Y' "$kernel")"
    echo "script=$(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1)"
    echo "busybox=$(sha256sum <"$busybox" | cut -d' ' -f1)"
)

up_to_date() {
    [[ $force == 0 && -s $out/initramfs.cpio.gz && -s $out/vmlinuz && -f $out/stamp ]] &&
        [[ $(cat "$out/stamp") == "$stamp_text" ]]
}

# Cheap check without the lock, then again under it (concurrent runs).
if up_to_date; then exit 0; fi
exec 9>"$out/.build.lock"
flock 9
if up_to_date; then exit 0; fi

echo "build-initramfs: building for kernel $kver in $out" >&2
t0=$(date +%s.%N)

stage=$(mktemp -d "$out/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -p "$root"/{bin,dev,proc,sys,mnt,modules,run,tmp}

# --- busybox ---------------------------------------------------------------
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
    [[ $a == busybox ]] || ln -s busybox "$root/bin/$a"
done

# --- modules, in dependency order ---------------------------------------------
# `modprobe --show-depends` prints "insmod /path/x.ko [params]" (or "builtin x")
# for each module and its dependencies, dependencies first.
deps=$(modprobe -S "$kver" -a --show-depends "${MODULES[@]}") ||
    die "modprobe -S $kver --show-depends failed (is $moddir/modules.dep there? run depmod $kver)"
declare -A seen=()
n=0
: >"$root/modules/order"
while read -r verb path params; do
    [[ $verb == insmod ]] || continue
    [[ -z ${seen[$path]:-} ]] || continue
    # crc32c-intel needs SSE4.2, which the emulated CPU lacks; crc32c_generic does.
    [[ $path == */crc32c-intel.ko* ]] && continue
    seen[$path]=1
    name=$(basename "$path")
    name=${name%%.ko*}
    dst=$(printf '%02d-%s.ko' "$n" "$name")
    case $path in
        *.ko) cp "$path" "$root/modules/$dst" ;;
        *.ko.xz) xz -dc "$path" >"$root/modules/$dst" ;;
        *.ko.zst) zstd -qdc "$path" >"$root/modules/$dst" ;;
        *.ko.gz) gzip -dc "$path" >"$root/modules/$dst" ;;
        *) die "unknown module format: $path" ;;
    esac
    # Parameters from the host's modprobe.d (e.g. dummy numdummies=0) are kept.
    printf '%s %s\n' "$dst" "$params" >>"$root/modules/order"
    n=$((n + 1))
done <<<"$deps"
((n > 0)) || die "no modules resolved for $kver"

# --- /init (stage 1, in the initramfs) ----------------------------------------
cat >"$root/init" <<'EOF'
#!/bin/sh
# Stage 1: load modules, assemble the new root from the host's root (9p, read
# only) plus tmpfs for the writable places, then switch_root into it and run
# stage 2 (/run/ha-vm/stage2) as PID 1.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

fatal() {
    echo "ha-vm: FATAL: $*"
    echo "VM-EXIT=init-failed"
    sync
    poweroff -f
}

while read -r ko params; do
    # shellcheck disable=SC2086
    insmod "/modules/$ko" $params || echo "ha-vm: insmod $ko failed"
done </modules/order

N=/mnt
opts=trans=virtio,version=9p2000.L,msize=512000
# The host root never changes under a run, so the page cache may keep it.
cache=loose
for w in $(cat /proc/cmdline); do case $w in ha_vm.cache=*) cache=${w#*=} ;; esac; done
mount -t 9p -o "$opts,ro,cache=$cache" hostroot $N || fatal "cannot mount the host root (9p tag hostroot)"
for d in tmp run var/run var/log var/lib var/tmp root; do
    # Debian's /var/run is a symlink to /run: never follow it out of $N.
    [ -d "$N/$d" ] && [ ! -L "$N/$d" ] || continue
    mount -t tmpfs -o mode=0755,size=50% tmpfs "$N/$d" || fatal "tmpfs on /$d"
done
chmod 1777 "$N/tmp" "$N/var/tmp" 2>/dev/null
mkdir -p "$N/run/ha-vm/share" "$N/run/lock" "$N/run/netns"
mount -t 9p -o "$opts" vmshare "$N/run/ha-vm/share" || fatal "cannot mount the work share (9p tag vmshare)"

# Extra writable host directories (run.sh --share-rw), at their host paths.
S=$N/run/ha-vm/share
if [ -f "$S/mounts" ]; then
    while read -r tag path; do
        mkdir -p "$N$path" 2>/dev/null
        mount -t 9p -o "$opts" "$tag" "$N$path" || fatal "cannot mount $tag on $path"
    done <"$S/mounts"
fi

mount --move /proc "$N/proc" || fatal "move /proc"
mount --move /sys "$N/sys" || fatal "move /sys"
mount --move /dev "$N/dev" || fatal "move /dev"
mkdir -p "$N/dev/pts" "$N/dev/shm"
# devtmpfs lacks what udev adds; bash's <(...) needs /dev/fd.
ln -sf /proc/self/fd "$N/dev/fd"
ln -sf /proc/self/fd/0 "$N/dev/stdin"
ln -sf /proc/self/fd/1 "$N/dev/stdout"
ln -sf /proc/self/fd/2 "$N/dev/stderr"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$N/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$N/dev/shm"
mount -t cgroup2 cgroup2 "$N/sys/fs/cgroup" 2>/dev/null
# ip netns needs a shared /run/netns; make everything shared like systemd does.
mount --make-rshared "$N" 2>/dev/null

ip link set lo up
hostname ha-vm

cp /bin/busybox /stage2 "$N/run/ha-vm/"
# switch_root (not chroot): / becomes a real mount root, so user namespaces
# work, and the kernel's module helper runs the host's /sbin/modprobe.
exec switch_root "$N" /run/ha-vm/busybox sh /run/ha-vm/stage2
fatal "switch_root failed"
EOF

# --- stage 2 (PID 1 in the host-root view) -----------------------------------
cat >"$root/stage2" <<'EOF'
# Stage 2: run the command that run.sh left in the work share, report its
# exit status (file + console line) and power off.
BB=/run/ha-vm/busybox
S=/run/ha-vm/share
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
rc=
if [ -x /bin/bash ] && [ -f "$S/cmd.sh" ]; then
    $BB env -i /bin/bash --noprofile --norc "$S/cmd.sh" </dev/null >"$S/stdout" 2>"$S/stderr"
    rc=$?
else
    echo "ha-vm: no /bin/bash in the host root or no $S/cmd.sh" >"$S/stderr"
    rc=126
fi
echo "$rc" >"$S/exit-status.tmp" && $BB mv "$S/exit-status.tmp" "$S/exit-status"
$BB sync
echo "VM-EXIT=$rc"
$BB poweroff -f
EOF
chmod 755 "$root/init"

# --- pack ---------------------------------------------------------------------
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
    cpio --null -o -H newc --quiet -R 0:0) | gzip -6 >"$stage/initramfs.cpio.gz"
cp "$kernel" "$stage/vmlinuz"

# --- uncompressed vmlinux for a PVH boot ---------------------------------------
# Under TCG the bzImage stub spends ~5 s decompressing the (xz) kernel.  QEMU can
# boot the ELF vmlinux directly through its PVH entry (CONFIG_PVH=y), which
# skips that; run.sh uses vmlinux when it is there.
extract_vmlinux() {
    local magic tool off
    for magic in '\xfd7zXZ\x00:xz -dc --single-stream' '\x28\xb5\x2f\xfd:zstd -qdc' \
        '\x1f\x8b\x08:gzip -dc'; do
        tool=${magic#*:}
        command -v "${tool%% *}" >/dev/null || continue
        for off in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$kernel" 2>/dev/null | cut -d: -f1 | head -n 5); do
            tail -c +$((off + 1)) "$kernel" | $tool >"$stage/vmlinux" 2>/dev/null
            [[ $(head -c 4 "$stage/vmlinux" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] && return 0
        done
    done
    return 1
}
rm -f "$out/vmlinux"
if [[ ${HA_VM_NO_PVH:-0} != 1 ]] && grep -qx 'CONFIG_PVH=y' "/boot/config-$kver" 2>/dev/null &&
    extract_vmlinux; then
    mv -f "$stage/vmlinux" "$out/vmlinux"
fi
mv -f "$stage/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
mv -f "$stage/vmlinuz" "$out/vmlinuz"
echo "$kver" >"$out/kernel-version"
printf '%s\n' "$stamp_text" >"$out/stamp"

t1=$(date +%s.%N)
awk -v n="$n" -v s="$(stat -c %s "$out/initramfs.cpio.gz")" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "build-initramfs: %d modules, %d bytes, %.1fs\n", n, s, b - a }' >&2
