#!/bin/bash
# `make deb`: heartbeatd_VERSION_amd64.deb and ldirectord-rs_VERSION_amd64.deb
# in target/deb/, from a release build, with dpkg-deb (no debhelper: the
# packages are two binaries, their links and docs, and maintainer scripts
# generated from packaging/deb/diversions).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
cd "$root"
CARGO=${CARGO:-cargo}
TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
OUT=$TARGET_DIR/deb
VERSION=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
ARCH=$(dpkg --print-architecture)
DATE=$(git log -1 --format=%cD 2>/dev/null || date -R)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

"$CARGO" build --release -p heartbeatd -p ldirectord-rs
rm -rf "$OUT"
mkdir -p "$OUT"

# The legacy paths a package takes over, one line each: package, path, and
# either "-> TARGET" (a symlink) or "ours" (a file the package stages itself).
diversions() { grep -v '^#' "$here/diversions" | awk -v p="$1" '$1 == p'; }

gz() { gzip -9n -c "$1" > "$2"; }

# Maintainer scripts: divert before unpacking (preinst), give the legacy
# files back after removing ours (postrm), for every line of `diversions`.
maintainer_scripts() {
    local pkg=$1 dir=$2 paths
    paths=$(diversions "$pkg" | awk '{print $2}' | tr '\n' ' ')
    cat > "$dir/DEBIAN/preinst" <<EOF
#!/bin/sh
# Ours runs under the legacy names: each legacy file is moved aside to
# NAME.distrib (dpkg-divert --rename), so Debian's own init script, unit,
# resource.d link and Pacemaker's agent call $pkg unchanged.
set -e
case "\$1" in
    install|upgrade)
        for f in $paths; do
            dpkg-divert --package $pkg --divert "\$f.distrib" --rename --add "\$f" >/dev/null
        done
        ;;
esac
exit 0
EOF
    cat > "$dir/DEBIAN/postrm" <<EOF
#!/bin/sh
# Gives each diverted legacy file its name back (ours are gone by now).
set -e
case "\$1" in
    remove|abort-install|disappear)
        for f in $paths; do
            dpkg-divert --package $pkg --rename --remove "\$f" >/dev/null
        done
        if [ -d /run/systemd/system ]; then systemctl --system daemon-reload >/dev/null || true; fi
        ;;
    purge)
        update-rc.d $pkg remove >/dev/null
        ;;
esac
exit 0
EOF
    cat > "$dir/DEBIAN/postinst" <<EOF
#!/bin/sh
# Registered but not enabled: where the legacy package is installed its own
# init script and unit already run $pkg (see preinst), and two start paths
# for one daemon would race at boot. Without the legacy package, enable it
# with: systemctl enable $pkg (or update-rc.d $pkg enable).
set -e
case "\$1" in
    configure)
        update-rc.d $pkg defaults-disabled >/dev/null
        if [ -d /run/systemd/system ]; then systemctl --system daemon-reload >/dev/null || true; fi
        ;;
esac
exit 0
EOF
    cat > "$dir/DEBIAN/prerm" <<EOF
#!/bin/sh
# A running daemon is left alone on upgrade; on removal its own unit is
# stopped (the legacy name's daemon keeps running until it is restarted).
set -e
case "\$1" in
    remove)
        if [ -d /run/systemd/system ]; then
            deb-systemd-invoke stop $pkg.service >/dev/null || true
        fi
        ;;
esac
exit 0
EOF
    chmod 0755 "$dir/DEBIAN/preinst" "$dir/DEBIAN/postrm" "$dir/DEBIAN/postinst" "$dir/DEBIAN/prerm"
}

# shlibs:Depends of a binary, from dpkg-shlibdeps.
depends_of() {
    local tmp
    tmp=$(mktemp -d)
    mkdir "$tmp/debian"
    printf 'Source: x\n\nPackage: x\nArchitecture: any\n' > "$tmp/debian/control"
    (cd "$tmp" && dpkg-shlibdeps -O "$1" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
    rm -rf "$tmp"
}

stage() {
    local pkg=$1 bin=$2 summary=$3 suggests=$4 dir=$OUT/$1
    mkdir -p "$dir/DEBIAN" "$dir/usr/sbin" "$dir/usr/share/doc/$pkg" \
        "$dir/lib/systemd/system" "$dir/etc/init.d"
    install -m 0755 "$TARGET_DIR/release/$bin" "$dir/usr/sbin/$bin"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$dir/usr/sbin/$bin"
    install -m 0644 "packaging/systemd/$pkg.service" "$dir/lib/systemd/system/$pkg.service"
    install -m 0755 "packaging/init.d/$pkg" "$dir/etc/init.d/$pkg"
    install -m 0644 "$here/copyright" "$dir/usr/share/doc/$pkg/copyright"
    {
        echo "$pkg ($VERSION) unstable; urgency=medium"
        echo
        echo "  * Built from linux-ha-rs $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
        echo
        echo " -- linux-ha-rs developers <linux-ha-rs@users.noreply.github.com>  $DATE"
    } > "$OUT/changelog.$pkg"
    gz "$OUT/changelog.$pkg" "$dir/usr/share/doc/$pkg/changelog.gz"
    rm "$OUT/changelog.$pkg"
    diversions "$pkg" | while read -r _ path arrow target; do
        [ "$arrow" = "->" ] || continue
        mkdir -p "$dir$(dirname "$path")"
        ln -s "$target" "$dir$path"
    done
    echo "/etc/init.d/$pkg" > "$dir/DEBIAN/conffiles"
    maintainer_scripts "$pkg" "$dir"
    cat > "$dir/DEBIAN/control" <<EOF
Package: $pkg
Version: $VERSION
Architecture: $ARCH
Maintainer: linux-ha-rs developers <linux-ha-rs@users.noreply.github.com>
Installed-Size: @SIZE@
Depends: $(depends_of "$dir/usr/sbin/$bin")
Suggests: $suggests
Section: admin
Priority: optional
Description: $summary
EOF
}

stage heartbeatd heartbeatd \
    "two-node failover, drop-in for heartbeat 3.0.6" "heartbeat, ldirectord-rs"
cat >> "$OUT/heartbeatd/DEBIAN/control" <<'EOF'
 heartbeatd reads /etc/ha.d (ha.cf, haresources, authkeys) verbatim, speaks
 heartbeat 3.0.6's UDP protocol (a mixed old/new pair works during an
 upgrade), runs resource groups left to right and stops them right to left,
 and takes over virtual IPs with gratuitous ARP.
 .
 Installed beside Debian's heartbeat package, it takes over the daemon path
 /usr/libexec/heartbeat/heartbeat, cl_status, hb_standby and hb_takeover
 with dpkg-divert, so /etc/init.d/heartbeat, heartbeat.service and the
 operator commands run heartbeatd; removing it gives the legacy files back.
EOF
mkdir -p "$OUT/heartbeatd/usr/share/man/man5" "$OUT/heartbeatd/usr/share/man/man8"
gz man/heartbeatd.8 "$OUT/heartbeatd/usr/share/man/man8/heartbeatd.8.gz"
gz man/ha.cf.5 "$OUT/heartbeatd/usr/share/man/man5/ha.cf.5.gz"

stage ldirectord-rs ldirectord-rs \
    "LVS director health checks, drop-in for ldirectord 4.12" "heartbeatd, ldirectord"
cat >> "$OUT/ldirectord-rs/DEBIAN/control" <<'EOF'
 ldirectord-rs reads ldirectord.cf verbatim, runs every checktype and
 service check, keeps the kernel's IPVS table in step over generic netlink
 (no ipvsadm), and serves a monitoring page.
 .
 Installed beside Debian's ldirectord package, it takes over
 /usr/sbin/ldirectord and heartbeat's resource.d/ldirectord with
 dpkg-divert, so /etc/init.d/ldirectord, ldirectord.service, haresources
 and Pacemaker's ocf:heartbeat:ldirectord run ldirectord-rs; removing it
 gives the legacy files back.
EOF
mkdir -p "$OUT/ldirectord-rs/usr/share/man/man5" "$OUT/ldirectord-rs/usr/share/man/man8"
gz man/ldirectord-rs.8 "$OUT/ldirectord-rs/usr/share/man/man8/ldirectord-rs.8.gz"
gz man/ldirectord.cf.5 "$OUT/ldirectord-rs/usr/share/man/man5/ldirectord.cf.5.gz"

for pkg in heartbeatd ldirectord-rs; do
    dir=$OUT/$pkg
    (cd "$dir" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z |
        xargs -0 md5sum | sed 's| \./| |') > "$dir/DEBIAN/md5sums"
    size=$(du -sk --exclude=DEBIAN "$dir" | cut -f1)
    sed -i "s/@SIZE@/$size/" "$dir/DEBIAN/control"
    find "$dir" -type d -exec chmod 0755 {} +
    find "$dir" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    dpkg-deb --root-owner-group -Zxz --build "$dir" "$OUT/${pkg}_${VERSION}_${ARCH}.deb" >/dev/null
    echo "$OUT/${pkg}_${VERSION}_${ARCH}.deb"
done
