#!/bin/bash
# The package test (issue 14): in a throwaway Debian 12 root built by
# mmdebstrap from Debian's archive, the legacy heartbeat and ldirectord are
# installed and configured with the seed's files; then our .debs are
# installed (the legacy names must run ours), removed (the legacy must come
# back, working, /etc/ha.d untouched), installed again and purged. The root
# runs in private network, mount, UTS and PID namespaces: every process it
# starts dies with them. The root tarball is cached in target/pkgtest/.
# Usage: tests/pkg/package-test.sh [DEB_DIR]   (default target/deb)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
TARGET_DIR=${CARGO_TARGET_DIR:-$top/target}
DEBS=${1:-$TARGET_DIR/deb}
CACHE=$TARGET_DIR/pkgtest
PACKAGES=heartbeat,ldirectord,ipvsadm,resource-agents,iproute2,procps,init-system-helpers,busybox
MIRRORS=(
    "deb http://deb.debian.org/debian bookworm main"
    "deb http://deb.debian.org/debian bookworm-updates main"
    "deb http://deb.debian.org/debian-security bookworm-security main"
)

ls "$DEBS"/heartbeatd_*.deb "$DEBS"/ldirectord-rs_*.deb >/dev/null ||
    { echo "FAIL: no packages in $DEBS (run make deb)"; exit 1; }
command -v mmdebstrap >/dev/null || { echo "FAIL: mmdebstrap is not installed"; exit 1; }

mkdir -p "$CACHE"
key=$(printf '%s\n' "$PACKAGES" "${MIRRORS[@]}" | sha256sum | cut -c1-12)
tarball=$CACHE/bookworm-$key.tar
if [ ! -s "$tarball" ]; then
    echo "building the throwaway Debian 12 root ($tarball)"
    # The packages' own daemons must not start while the root is built.
    mmdebstrap --variant=apt --format=tar --include="$PACKAGES" \
        --essential-hook='printf "#!/bin/sh\nexit 101\n" > "$1/usr/sbin/policy-rc.d"; chmod +x "$1/usr/sbin/policy-rc.d"' \
        bookworm "$tarball.part" "${MIRRORS[@]}"
    mv "$tarball.part" "$tarball"
fi

W=$(mktemp -d /tmp/pkgtest.XXXXXX)
NS=pkgt$$
cleanup() { ip netns del "$NS" 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir "$W/root"
tar -C "$W/root" -xf "$tarball"
mkdir -p "$W/root/root/pkg/seed"
cp "$DEBS"/heartbeatd_*.deb "$DEBS"/ldirectord-rs_*.deb "$W/root/root/pkg/"
cp "$top"/compat-configs/seed/* "$W/root/root/pkg/seed/"
cp "$here/package-inner.sh" "$W/root/root/pkg/"
# Its own names only: nothing resolves through this machine's.
printf '127.0.0.1 localhost\n192.168.72.2 MASTER\n192.168.72.3 BACKUP\n' > "$W/root/etc/hosts"

# The seed's MASTER: eth0 on the service LAN, eth1 for heartbeat.
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add eth0 type veth peer name lan0
ip -n "$NS" link add eth1 type veth peer name hb0
ip -n "$NS" addr add 192.168.72.2/24 dev eth0
ip -n "$NS" addr add 192.168.1.2/24 dev eth1
for l in eth0 lan0 eth1 hb0; do ip -n "$NS" link set "$l" up; done

ip netns exec "$NS" unshare --mount --uts --pid --fork bash -c '
    set -e
    r=$1
    mount --make-rprivate /
    mount -t proc proc "$r/proc"
    mount -t sysfs sys "$r/sys"
    # A /dev of its own, where the syslogd of the root makes /dev/log.
    mount -t tmpfs -o mode=0755 dev "$r/dev"
    for n in null zero full random urandom tty; do
        touch "$r/dev/$n"
        mount --bind "/dev/$n" "$r/dev/$n"
    done
    mkdir "$r/dev/pts" "$r/dev/shm"
    ln -s /proc/self/fd "$r/dev/fd"
    mount -t tmpfs run "$r/run"
    hostname MASTER
    exec chroot "$r" /bin/bash /root/pkg/package-inner.sh
' _ "$W/root"
