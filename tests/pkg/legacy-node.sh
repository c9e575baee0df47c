# shellcheck shell=bash
# Sourced (inside the IPVS VM) by tests/pkg/rolling-upgrade.sh and
# benches/conn-survival.sh: a director of the seed topology as a machine of
# its own, where Debian's heartbeat 3.0.6 and ldirectord 4.12 run as
# installed (/etc/init.d/heartbeat start), on an overlayfs of the VM's root.
# Needs tests/demo/seed-topology.sh sourced first (seed_hacf, waitfor), $W
# (the caller's work dir) and PIDS; `modprobe overlay` done by the caller.
#
#   director_up NODE        NODE's root, namespaces, hostname, /etc/hosts,
#                           syslogd and the seed's /etc/ha.d (seed_hacf);
#                           sets KEEPER_<node>
#   director_down NODE      kills everything there, removes its root
#   in_node NODE CMD...     CMD on that director, as its root shell
#   node_file NODE PATH     that director's PATH, from the VM
#   keeper NODE             the PID of the director's PID 1

# --- a director: its own root, namespaces, names, syslogd ----------------------
# keeper NODE: the PID (in the VM) of the director's PID 1 (a bash that
# reaps the daemons it inherits), whose root is the director's chroot.
keeper() { eval "echo \$KEEPER_$1"; }
# in_node NODE CMD...: CMD on that director, as an administrator's root shell there.
in_node() {
    local d=$1; shift
    nsenter -t "$(keeper "$d")" -m -u -p -n -r -w -- env -i \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}
node_file() { echo "/proc/$(keeper "$1")/root$2"; } # node path: a director's file, from the VM

director_up() { # node
    local d=$1 R=$W/$1/root name=${1^^}
    mkdir -p "$W/$d/upper" "$W/$d/work" "$R"
    mount -t overlay "rolling-$d" -o "lowerdir=/,upperdir=$W/$d/upper,workdir=$W/$d/work" "$R" || return 1
    seed_hacf "$R/etc/ha.d" "$d"
    printf '%s\n' "$name" >"$R/etc/hostname"
    printf '127.0.0.1\tlocalhost\n192.168.72.2\tMASTER\n192.168.72.3\tBACKUP\n192.168.1.2\tMASTER-hb\n192.168.1.3\tBACKUP-hb\n192.168.72.9\tWEB1\n192.168.72.10\tWEB2\n192.168.72.1\tgateway\n' >"$R/etc/hosts"
    # Services are restarted by the steps themselves, never by a maintainer
    # script behind our back (the usual policy of a chroot).
    printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"; chmod 755 "$R/usr/sbin/policy-rc.d"
    # man-db's trigger would rebuild the whole index under emulation (minutes).
    rm -f "$R/var/lib/man-db/auto-update"
    # The seed (a CentOS build) respawns /usr/lib/heartbeat/ipfail; Debian's
    # package has it in /usr/libexec/heartbeat: the link its admin adds, so
    # ha.cf stays the seed's.
    [ -e "$R/usr/lib/heartbeat/ipfail" ] || ln -s /usr/libexec/heartbeat/ipfail "$R/usr/lib/heartbeat/ipfail"
    # A fresh node: no uuid or state of any other machine.
    rm -rf "$R/var/lib/heartbeat"; mkdir -p "$R"/var/lib/heartbeat/cores/{root,hacluster,nobody}
    # shellcheck disable=SC2016 # (expanded by that bash, from its arguments)
    ip netns exec "$d" unshare --mount --uts --pid --fork bash -c '
        R=$1
        mount --make-rprivate /
        mount -t proc proc "$R/proc"
        mount --rbind /sys "$R/sys"
        for m in run tmp var/tmp var/log; do mount -t tmpfs -o mode=0755 "$m" "$R/$m"; done
        chmod 1777 "$R/tmp" "$R/var/tmp"; mkdir -p "$R/run/lock"
        # A /dev of its own: syslogd makes /dev/log there.
        mount -t tmpfs -o mode=0755,size=1m dev "$R/dev"
        for n in null zero full random urandom tty; do touch "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"; done
        mkdir "$R/dev/pts" "$R/dev/shm"
        mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts"; ln -s pts/ptmx "$R/dev/ptmx"
        mount -t tmpfs -o mode=1777 shm "$R/dev/shm"
        ln -s /proc/self/fd "$R/dev/fd"
        ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"
        hostname "$2"
        exec chroot "$R" /bin/bash -c "
            cd /
            /bin/busybox syslogd -n -O /var/log/syslog </dev/null >/dev/null 2>&1 &
            trap \"exit 0\" TERM
            while :; do sleep 3600 & wait; done"' keeper "$R" "$name" </dev/null >"$W/$d/keeper.out" 2>&1 &
    local u=$! k=""
    PIDS="$PIDS $u"
    for _ in $(seq 50); do k=$(pgrep -P $u) && break; sleep 0.1; done
    [ -n "$k" ] || return 1
    eval "KEEPER_$d=$k"; PIDS="$PIDS $k"
    # Wait until the keeper is inside its root (some 20 execs: seconds under TCG).
    waitfor 60 "[ -e /proc/$k/root/etc/ha.d/ha.cf ] && [ \"\$(readlink /proc/$k/root)\" != / ]"
}

director_down() { # node
    local d=$1 k
    k=$(keeper "$d")
    [ -n "$k" ] && kill -9 "$k" 2>/dev/null
    ip netns pids "$d" 2>/dev/null | xargs -r kill -9 2>/dev/null
    sleep 0.5
    # The overlay is the whole host root: unmount it (all of its stacked
    # mounts) before removing anything, and never cross into it.
    while mountpoint -q "$W/$d/root"; do
        umount "$W/$d/root" 2>/dev/null || umount -l "$W/$d/root" || break
    done
    rm -rf --one-file-system "${W:?}/$d"
    ip -n "$d" addr del "$SEED_VIP/24" dev eth0 2>/dev/null
    ip netns exec "$d" ipvsadm -C 2>/dev/null
    eval "KEEPER_$d="
}
