# shellcheck shell=bash
# Sourced (inside the IPVS VM) by tests/demo/seed-demo.sh and
# tests/pkg/rolling-upgrade.sh: the reference deployment's network
# (shared/reference/seed-topology.md) in network namespaces, its web servers,
# its /etc/ha.d files, and the helpers both scripts observe it with.
#
#   client 192.168.72.100 --+                +-- WEB1 .72.9  (VIP on lo, DR)
#   MASTER eth0 .72.2 ------+-- LAN bridge --+-- WEB2 .72.10 (VIP on lo, DR)
#   BACKUP eth0 .72.3 ------+                +-- gateway .72.1 (ipfail's ping node)
#   MASTER eth1 192.168.1.2 === heartbeat link === BACKUP eth1 192.168.1.3
#
# The caller sets $W (its work dir, on a tmpfs) and $root (the repository)
# before calling anything, and calls seed_cleanup from its EXIT trap.
#
#   seed_network                 the namespaces $SEED_NS, the LAN bridge `lan`,
#                                the heartbeat link eth1, forwarding on the
#                                directors, DR settings on the real servers
#   seed_serve NAME              a web server in NAME (web1|web2) serving
#                                test.html ("test") and index.html ("WEB1"...);
#                                sets WEBPID_<name>; python3's http.server, or
#                                busybox httpd if SEED_HTTPD=busybox
#   seed_hacf DIR NODE           the seed's ha.cf, haresources, authkeys and
#                                ldirectord.cf in DIR for NODE (master|backup);
#                                DEMO_FAST=1 shortens ha.cf's timings
#   seed_cleanup                 kills $PIDS and everything in $SEED_NS,
#                                removes the namespaces and the bridge
#   say, check NAME COND, waitfor SECS COND, vip_on NS, table NS, reals NS,
#   reaches NS ADDR, since T, mac NS, conns NS

SEED_NS="client master backup web1 web2 gw"
SEED_VIP=192.168.72.8
PIDS=${PIDS:-}
fail=${fail:-0}
T0=$(date +%s.%N)
ts() { printf '[%6.1fs]' "$(echo "$(date +%s.%N) - $T0" | bc)"; }
say() { echo "$(ts) $*"; }
check() { if eval "$2"; then say "OK   $1"; else say "FAIL $1"; fail=1; return 1; fi; }
# waitfor SECS CONDITION: polls CONDITION until it holds or SECS seconds of
# wall-clock time have passed (a slow emulated VM stretches each poll).
waitfor() {
    local end=$(($(date +%s) + $1))
    while :; do
        eval "$2" && return 0
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.2
    done
}

seed_cleanup() {
    local p n
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    for n in $SEED_NS; do
        ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
        ip netns del "$n" 2>/dev/null
    done
    ip link del lan 2>/dev/null
}

seed_network() {
    local n d w
    ip link add lan type bridge; ip link set lan up
    for n in $SEED_NS; do ip netns add "$n"; ip -n "$n" link set lo up; done
    seed_lan client 192.168.72.100; seed_lan master 192.168.72.2; seed_lan backup 192.168.72.3
    seed_lan web1 192.168.72.9; seed_lan web2 192.168.72.10
    # The seed's gateway, the directors' ping node (ha.cf: ping 192.168.72.1):
    # a namespace on the LAN that answers ICMP echo, as a router does.
    seed_lan gw 192.168.72.1
    ip netns exec gw sysctl -qw net.ipv4.icmp_echo_ignore_all=0
    ip link add eth1 netns master type veth peer name eth1 netns backup
    ip -n master addr add 192.168.1.2/24 dev eth1; ip -n master link set eth1 up
    ip -n backup addr add 192.168.1.3/24 dev eth1; ip -n backup link set eth1 up
    for d in master backup; do ip netns exec $d sysctl -qw net.ipv4.ip_forward=1; done
    # LVS-DR real servers: the VIP on lo, and never answer ARP for it.
    for w in web1 web2; do
        ip netns exec $w sh -c "ip addr add $SEED_VIP/32 dev lo label lo:0
            sysctl -qw net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2
            sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2"
    done
    # The client accepts gratuitous ARP, as a LAN's router or switch would learn it.
    ip netns exec client sysctl -qw net.ipv4.conf.all.arp_accept=1 net.ipv4.conf.eth0.arp_accept=1
}
seed_lan() { # ns addr: NS's eth0 on the LAN bridge
    ip link add "v$1" type veth peer name eth0 netns "$1"
    ip link set "v$1" master lan up
    ip -n "$1" addr add "$2/24" dev eth0; ip -n "$1" link set eth0 up
}

seed_serve() { # name
    mkdir -p "$W/www-$1"; echo test >"$W/www-$1/test.html"; echo "$1" | tr "[:lower:]" "[:upper:]" >"$W/www-$1/index.html"
    if [ "${SEED_HTTPD:-python}" = busybox ]; then
        # Forks per connection, no interpreter: far cheaper on the VM's emulated CPU.
        ip netns exec "$1" busybox httpd -f -p 80 -h "$W/www-$1" >/dev/null 2>&1 &
    else
        ip netns exec "$1" sh -c "cd $W/www-$1 && exec python3 -m http.server 80" >/dev/null 2>&1 &
    fi
    eval "WEBPID_$1=$!"; PIDS="$PIDS $!"
}

seed_hacf() { # dir node
    local etc=$1
    mkdir -p "$etc"
    cp "${root:?}"/compat-configs/seed/{ha.cf,haresources,authkeys,ldirectord.cf} "$etc/"
    chmod 600 "$etc/authkeys"
    if [ -n "${DEMO_FAST:-}" ]; then
        sed -i -e 's/^keepalive .*/keepalive 1/' -e 's/^deadtime .*/deadtime 5/' \
            -e 's/^warntime .*/warntime 3/' -e 's/^initdead .*/initdead 10/' "$etc/ha.cf"
    fi
    # The seed's BACKUP differs only in its ucast address.
    [ "$2" = backup ] && sed -i 's/^ucast eth1 192.168.1.3/ucast eth1 192.168.1.2/' "$etc/ha.cf"
    return 0
}

vip_on() { ip -n "$1" -o addr show dev eth0 | grep -q "$SEED_VIP/"; }
table() { ip netns exec "$1" ipvsadm -Ln 2>/dev/null; }
reals() { table "$1" | grep -c '^  -> 192.168.72.\(9\|10\):80'; }
reaches() { ip netns exec "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1; } # ns addr
since() { printf '%.1f' "$(echo "$(date +%s.%N) - $1" | bc)"; }
mac() { ip -n "$1" link show eth0 | awk '/link\/ether/ {print $2}'; }
# The connections director $1's IPVS has scheduled to the VIP's port 80.
# (The kernel folds its per-CPU counters into what it shows every 2 s.)
conns() { ip netns exec "$1" ipvsadm -Ln --stats 2>/dev/null | awk -v v="$SEED_VIP:80" '$1 == "TCP" && $2 == v {print $3}'; }
