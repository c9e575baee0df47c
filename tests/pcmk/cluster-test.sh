#!/bin/bash
# Issue 16's three-node cluster: the seed's /etc/ha.d exported with
# `heartbeatd export-pacemaker`, a third director added to corosync.conf as
# an operator would, and Corosync 3 + Pacemaker 2 run on three directors,
# each in its own network, mount and UTS namespaces (tests/pcmk/node.sh).
# Pacemaker's own agents start the VIP (ocf:heartbeat:IPaddr2) and
# ldirectord-rs (ocf:heartbeat:ldirectord); a client fetches pages through
# the VIP from WEB1/WEB2. The director holding the group is killed (kill -9
# of everything it runs, then its links down); another must take the VIP
# and the table and the client must be served again. The failover time
# (kill -> first page through the VIP from the new holder) is printed. The
# killed node comes back and the seed's `auto_failback on` (stickiness 0,
# home MASTER) must bring the group home; with PCMK_TEST_FAILBACK=off
# (the export's stickiness 1000) the group must stay where it is.
#
# The host kernel has no IPVS: ldirectord-rs keeps its stand-in table
# (LDIRECTORD_RS_IPVS=standin) and each director runs a small follower
# that copies the reals of that table (read from ldirectord-rs's own
# /metrics) into nftables DNAT rules while the director holds the VIP, in
# place of the kernel's IPVS data path. The table is ldirectord-rs's; only
# the packet forwarding is the stand-in's.
#
#   client .72.100 --+              +-- WEB1 .72.9   WEB2 .72.10
#   master .72.2 ----+-- LAN -------+-- gateway .72.1 (the ping node)
#   backup .72.3 ----+
#   third  .72.4 ----+   eth1 of the three on a second bridge: 192.168.1.2/.3/.4
#
# PCMK_TEST_ENGINE=heartbeatd runs the same test on the same topology with
# heartbeatd in place of Corosync + Pacemaker, for issue 16's comparison of
# failover times: the same seed files (ha.cf with the same deadtime 5,
# haresources with the VIP and ldirectord::ldirectord.cf, authkeys) in each
# director's /etc/ha.d, resource.d/ldirectord linked to ldirectord-rs as
# the package installs it, the same clients, reals, follower and kill.
# Heartbeat is two-node: only the seed's MASTER and BACKUP run (the third
# director is not created). The Pacemaker-only checks (export, cibadmin,
# three nodes online) are replaced by heartbeatd's own (cl_status).
#
# Needs root, nft, and for the pacemaker engine corosync, pacemaker and
# resource-agents. Off CI a missing piece skips loudly; under CI=true it
# fails. Exits 0 if every check passed.
#   PCMK_TEST_KEEP=1              leave the work dir (logs) in place
#   PCMK_TEST_FAILBACK=off        ha.cf's auto_failback off instead of the seed's on
#   PCMK_TEST_ENGINE=heartbeatd   heartbeatd instead of corosync + pacemaker
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
HB=${HEARTBEATD:-$root/target/debug/heartbeatd}
LD=${LDIRECTORD_RS:-$root/target/debug/ldirectord-rs}
VIP=192.168.72.8

missing() {
    if [ "${CI:-}" = true ]; then echo "FAIL (CI=true): $*"; exit 1; fi
    echo "SKIP: $*"; exit 0
}
ENGINE=${PCMK_TEST_ENGINE:-pacemaker}
case $ENGINE in
pacemaker) NODES="master backup third" ;;
heartbeatd) NODES="master backup" ;;
*) echo "FAIL: PCMK_TEST_ENGINE=$ENGINE (pacemaker or heartbeatd)"; exit 1 ;;
esac
[ "$(id -u)" = 0 ] || missing "needs root (namespaces)"
for t in nft curl python3 bc; do
    command -v "$t" >/dev/null || missing "$t is missing (apt-get install nftables curl python3 bc)"
done
if [ "$ENGINE" = pacemaker ]; then
    for t in corosync pacemakerd crm_mon cibadmin crm_resource corosync-cmapctl; do
        command -v "$t" >/dev/null || missing "$t is missing (apt-get install corosync pacemaker resource-agents)"
    done
    for f in /usr/lib/ocf/resource.d/heartbeat/IPaddr2 /usr/lib/ocf/resource.d/heartbeat/ldirectord \
        /usr/lib/ocf/resource.d/pacemaker/ping; do
        [ -x "$f" ] || missing "$f is missing (apt-get install resource-agents pacemaker)"
    done
fi
for b in "$HB" "$LD"; do
    [ -x "$b" ] || { echo "FAIL: $b is missing (cargo build -p heartbeatd -p ldirectord)"; exit 1; }
done

T=pk$$                       # namespace and link prefix, unique per run
W=$(mktemp -d /tmp/pcmk-test.XXXXXX)
PIDS=""
fail=0
T0=$(date +%s.%N)
say() { printf '[%6.1fs] %s\n' "$(echo "$(date +%s.%N) - $T0" | bc)" "$*"; }
FAILED=""
check() { if eval "$2"; then say "OK   $1"; else say "FAIL $1"; fail=1; FAILED="$FAILED
    $1"; return 1; fi; }
waitfor() { # SECS CONDITION
    local end=$(($(date +%s) + $1))
    while :; do
        eval "$2" && return 0
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.2
    done
}

cleanup() {
    local p n
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    for n in $NODES client web1 web2 gw; do
        ip netns pids "$T$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
    done
    sleep 0.3
    for n in $NODES client web1 web2 gw; do ip netns del "$T$n" 2>/dev/null; done
    ip link del "${T}lan" 2>/dev/null
    ip link del "${T}hb" 2>/dev/null
    if [ "$fail" != 0 ] || [ -n "${PCMK_TEST_KEEP:-}" ]; then
        echo "logs kept in $W"
    else
        rm -rf "$W"
    fi
}
# Quietly: bash reports each background job the cleanup kills ("Killed"),
# which would bury the verdict at the end of a CI log.
finish() {
    cleanup 2>/dev/null
    [ -z "$FAILED" ] || echo "pcmk cluster test ($ENGINE, auto_failback ${FAILBACK:-?}) failed checks:$FAILED"
}
trap finish EXIT

# --- network ---------------------------------------------------------------
ip link add "${T}lan" type bridge && ip link set "${T}lan" up
ip link add "${T}hb" type bridge && ip link set "${T}hb" up
nports=0
# Addresses with their broadcast address, as ifupdown and NetworkManager
# configure them (`ip addr add` alone sets none): the seed's `bcast eth1`
# is how BACKUP reaches MASTER under heartbeatd (its `ucast eth1
# 192.168.1.3` is BACKUP's own address).
port() { # ns bridge ifname addr (host ends numbered: IFNAMSIZ is 15)
    nports=$((nports + 1))
    ip link add "${T}v$nports" type veth peer name "$3" netns "$T$1"
    ip link set "${T}v$nports" master "$2" up
    ip -n "$T$1" addr add "$4/24" broadcast + dev "$3"
    ip -n "$T$1" link set "$3" up
}
i=2
for n in $NODES client web1 web2 gw; do ip netns add "$T$n"; ip -n "$T$n" link set lo up; done
for n in $NODES; do
    port "$n" "${T}lan" eth0 "192.168.72.$i"
    port "$n" "${T}hb" eth1 "192.168.1.$i"
    ip netns exec "$T$n" sysctl -qw net.ipv4.ip_forward=1
    i=$((i + 1))
done
port client "${T}lan" eth0 192.168.72.100
port web1 "${T}lan" eth0 192.168.72.9
port web2 "${T}lan" eth0 192.168.72.10
port gw "${T}lan" eth0 192.168.72.1
ip netns exec "${T}client" sysctl -qw net.ipv4.conf.all.arp_accept=1 net.ipv4.conf.eth0.arp_accept=1

for w in web1 web2; do
    mkdir -p "$W/www-$w"; echo test >"$W/www-$w/test.html"; echo "$w" >"$W/www-$w/index.html"
    ip netns exec "$T$w" sh -c "cd $W/www-$w && exec python3 -m http.server 80" >/dev/null 2>&1 &
    PIDS="$PIDS $!"
done

# --- the seed's /etc/ha.d ---------------------------------------------------
# The seed's files, with a shorter deadtime so the test fits in CI's time
# (the export turns deadtime into corosync's token: 5 s here, 30 s in the
# seed). Nothing else is changed.
mkdir -p "$W/ha.d" "$W/etc-ha.d" "$W/sbin"
cp "$root"/compat-configs/seed/{ha.cf,haresources,authkeys,ldirectord.cf} "$W/ha.d/"
chmod 600 "$W/ha.d/authkeys"
FAILBACK=${PCMK_TEST_FAILBACK:-on}
sed -i "s/^deadtime .*/deadtime 5/; s/^warntime .*/warntime 3/; s/^auto_failback .*/auto_failback $FAILBACK/" "$W/ha.d/ha.cf"
# Every director resolves the node names through /etc/hosts (the export's
# stderr asks for it; heartbeatd needs none, it is harmless there).
printf '127.0.0.1 localhost\n192.168.1.2 master\n192.168.1.3 backup\n192.168.1.4 third\n' >"$W/hosts"
cp "$W/ha.d/ldirectord.cf" "$W/etc-ha.d/"
echo "dashboard = 127.0.0.1:9099" >"$W/etc-ha.d/ldirectord-rs.conf"
cp "$LD" "$W/sbin/ldirectord-rs"

if [ "$ENGINE" = heartbeatd ]; then
    # The whole seed /etc/ha.d; resource.d/ldirectord is the package's
    # link to ldirectord-rs (IPaddr:: heartbeatd runs natively).
    cp -a "$W/ha.d/." "$W/etc-ha.d/"
    mkdir -p "$W/etc-ha.d/resource.d"
    ln -s /usr/sbin/ldirectord-rs "$W/etc-ha.d/resource.d/ldirectord"
else
    "$HB" export-pacemaker -c "$W/ha.d" -o "$W/export" 2>"$W/export.stderr"
    check "export-pacemaker wrote corosync.conf, authkey, cib.xml" \
        '[ -s "$W/export/corosync.conf" ] && [ -s "$W/export/authkey" ] && [ -s "$W/export/cib.xml" ]' || exit 1
    # The operator's edit for a third director: one more node in the nodelist,
    # and two_node off (three votes give a majority without it).
    awk '/^nodelist \{/ {in_nl = 1}
         in_nl && /^\}/ {print "    node {\n        ring0_addr: third\n        name: third\n        nodeid: 3\n    }"; in_nl = 0}
         /two_node/ {next}
         {print}' "$W/export/corosync.conf" >"$W/export/corosync.conf.3" &&
        mv "$W/export/corosync.conf.3" "$W/export/corosync.conf"
fi

# --- the directors ---------------------------------------------------------
declare -A H # node -> handle pid (node.sh's sleep) in the node's namespaces
for n in $NODES; do
    mkdir -p "$W/$n"
    ip netns exec "$T$n" unshare --mount --uts --propagation private \
        bash "$here/node.sh" "$n" "$W" "$ENGINE" >"$W/$n/node.out" 2>&1 &
    H[$n]=$!
    PIDS="$PIDS $!"
done
on() { # node cmd...: run in the node's namespaces, with its environment
    local n=$1; shift
    # -r -w: the node's own root and directory; joining a mount namespace
    # alone would land at that namespace's root, which is not ours when the
    # test itself runs chrooted (a fresh-machine CI root).
    nsenter -t "${H[$n]}" -m -u -n -r -w -- env LDIRECTORD_RS_IPVS=standin "$@"
}
start_stack() { # node
    if [ "$ENGINE" = heartbeatd ]; then
        # Its pid file, state and control socket in the node's own dir.
        mkdir -p "$W/$1/state"
        on "$1" env HEARTBEATD_PIDFILE="$W/$1/hb.pid" HEARTBEATD_STATEDIR="$W/$1/state" \
            HEARTBEATD_CONTROL="$W/$1/ctl.sock" sh -c "$HB -f >>$W/$1/heartbeatd.out 2>&1 &" </dev/null
    else
        on "$1" sh -c "corosync -f >>$W/$1/corosync.out 2>&1 &
            sleep 1; pacemakerd -f >>$W/$1/pacemakerd.out 2>&1 &" </dev/null
    fi
    # The stand-in data path (see the header): the reals of ldirectord-rs's
    # table as DNAT rules while this node holds the VIP.
    ip netns exec "$T$1" bash "$here/follower.sh" "$VIP" 9099 >>"$W/$1/follower.out" 2>&1 &
    PIDS="$PIDS $!"
}
for n in $NODES; do
    check "$n's namespaces are set up" 'waitfor 20 "[ -e \"$W/$n/ready\" ]"' || exit 1
done
for n in $NODES; do start_stack "$n"; done

ask=master                              # the node the cluster tools run on
crm() { on "$ask" "$@" 2>/dev/null; }
cl() { on "$1" env HEARTBEATD_CONTROL="$W/$1/ctl.sock" "$HB" cl_status "${@:2}" 2>/dev/null; }
online() { crm crm_mon -1 | grep -q "Online: \[ $1 \]"; }
all_online() { # every director of $NODES is a member
    if [ "$ENGINE" = heartbeatd ]; then
        [ "$(cl master nodestatus backup)" = active ] && [ "$(cl backup nodestatus master)" = active ]
    else online "backup master third"; fi
}
status() { # node: the cluster's view from that node
    if [ "$ENGINE" = heartbeatd ]; then
        local n; for n in $NODES; do echo "$n: $(cl "$1" nodestatus "$n")"; done
        echo "rscstatus: $(cl "$1" rscstatus)"
    else on "$1" crm_mon -1 2>&1; fi
}
if [ "$ENGINE" = heartbeatd ]; then
    check "heartbeatd: MASTER and BACKUP see each other active" 'waitfor 90 all_online' || {
        status master; exit 1; }
else
    check "corosync + pacemaker: three nodes online" 'waitfor 90 all_online' || {
        status master; exit 1; }
    check "cibadmin loads the exported cib.xml" \
        'on master cibadmin --replace --xml-file "$W/export/cib.xml" >"$W/cibadmin.out" 2>&1'
    # Corosync's effective totem timeouts (what the failover waits on).
    on master corosync-cmapctl 2>/dev/null | grep '^runtime.config.totem\.' >"$W/totem.txt"
fi

holder() { # the node whose eth0 has the VIP (first one found)
    local n
    for n in $NODES; do
        ip -n "$T$n" -o addr show dev eth0 2>/dev/null | grep -q " $VIP/" && { echo "$n"; return; }
    done
}
# Reals in ldirectord-rs's table on node $1: those its checks report up
# (see follower.sh for why not the dashboard's IPVS view).
reals() { ip netns exec "$T$1" curl -s --max-time 1 http://127.0.0.1:9099/metrics |
    grep -c '^ldirectord_check_up{real="192.168.72.\(9\|10\):80"} 1$'; }
page() { ip netns exec "${T}client" curl -s --max-time 1 "http://$VIP/" 2>/dev/null; }
served() { case "$(page)" in web1 | web2) return 0 ;; esac; return 1; }

check "the group starts on MASTER, its home" 'waitfor 120 "[ \"\$(holder)\" = master ] && [ \"\$(reals master)\" = 2 ]"' ||
    { status master; }
# PCMK_TEST_HOLD=SECS: time to look at the running cluster (debugging).
[ -n "${PCMK_TEST_HOLD:-}" ] && { say "holding ${PCMK_TEST_HOLD}s: handles ${H[*]}"; sleep "$PCMK_TEST_HOLD"; }
if [ "$ENGINE" = heartbeatd ]; then
    check "ldirectord-rs was started by heartbeatd (resource.d/ldirectord)" \
        'on master pgrep -f "resource.d/ldirectord ldirectord.cf start" >/dev/null'
else
    check "ldirectord-rs was started by ocf:heartbeat:ldirectord" \
        'on master pgrep -f "/usr/sbin/ldirectord-rs /etc/ha.d/ldirectord.cf start" >/dev/null'
fi
check "client is served through the VIP" 'waitfor 20 served'
both_answer() { # ten pages, round robin: both web servers among them ($seen)
    seen=""
    for _ in $(seq 1 10); do seen="$seen $(page)"; done
    echo "$seen" | grep -q web1 && echo "$seen" | grep -q web2
}
# The follower copies the table into its rules on its own rhythm (0.3 s):
# the first page can come while only one real is in them (a CI run's logs
# put its one-shot sample in such a window), so wait as after the failover.
check "both real servers answer (rr)" 'waitfor 15 both_answer'
say "     pages through master:$seen"
status master >"$W/status.before"

# --- kill the holder -------------------------------------------------------
# What the failover waits on (observed on this topology, deadtime 5):
#  - pacemaker: corosync declares the killed node lost after the token
#    timeout and then waits the consensus timeout before the new membership
#    forms. With three nodes the effective token is 5650 ms (token 5000 +
#    token_coefficient 650 per node past two) and consensus 6780 ms (1.2 x
#    token), both read with corosync-cmapctl (runtime.config.totem.*, kept
#    in totem.txt); corosync logs "token timed out (5650ms), waiting 6780ms
#    for consensus" and the membership comes ~12.4 s after the kill, then
#    Pacemaker starts IPaddr2 and ldirectord: 12.9-14.8 s in all (6 runs).
#  - heartbeatd: the peer is dead deadtime (5 s) after its last heartbeat,
#    which came up to keepalive (2 s) before the kill: 3-5 s, then
#    IPaddr and resource.d/ldirectord start at once: 4.5-5.2 s (6 runs).
victim=$(holder) new=""
[ -n "$victim" ] || { say "FAIL no director holds the VIP: nothing to kill"; exit 1; }
say "killing $victim: kill -9 of everything it runs, links down"
t_kill=$(date +%s.%N)
for p in $(ip netns pids "$T$victim"); do
    [ "$p" = "${H[$victim]}" ] || kill -9 "$p" 2>/dev/null
done
ip -n "$T$victim" link set eth0 down
ip -n "$T$victim" link set eth1 down
# holder() sees the VIP on the dead node's downed eth0 too: look past it.
holder_alive() { local n; for n in $NODES; do [ "$n" = "$victim" ] && continue
    ip -n "$T$n" -o addr show dev eth0 | grep -q " $VIP/" && { echo "$n"; return; }; done; }
moved() { [ -n "$(holder_alive)" ] && served; }
if check "another director takes the VIP and the client is served again" 'waitfor 90 moved'; then
    t_ok=$(date +%s.%N)
    new=$(holder_alive)
    failover=$(printf '%.1f' "$(echo "$t_ok - $t_kill" | bc)")
    if [ "$ENGINE" = heartbeatd ]; then
        why="heartbeatd, ha.cf keepalive $(awk '$1 == "keepalive" {print $2}' "$W/ha.d/ha.cf") deadtime 5"
    else
        why="pacemaker, corosync token $(awk '/token:/ {print $2}' "$W/export/corosync.conf") ms from ha.cf deadtime 5"
        why="$why; effective token $(awk '$1 == "runtime.config.totem.token" {print $NF}' "$W/totem.txt") ms"
        why="$why, consensus $(awk '$1 == "runtime.config.totem.consensus" {print $NF}' "$W/totem.txt") ms"
    fi
    say "FAILOVER TIME: ${failover}s (kill -> first page through the VIP from $new; $why)"
    check "$new has ldirectord-rs's table (2 reals)" 'waitfor 20 "[ \"\$(reals $new)\" = 2 ]"'
    # The follower rewrites the data path from ldirectord-rs's report on
    # its own rhythm: give it a few seconds after the table is there.
    check "both real servers answer through $new" 'waitfor 15 both_answer'
    say "     pages through $new:$seen"
fi
status "$(holder_alive)" >"$W/status.failover"

# --- the killed node returns -----------------------------------------------
# As after a reboot: no VIP on its interfaces, no runtime state.
ip -n "$T$victim" addr del "$VIP/24" dev eth0 2>/dev/null
on "$victim" sh -c 'rm -rf /dev/shm/* /run/*; mkdir -p /run/resource-agents'
ip -n "$T$victim" link set eth0 up
ip -n "$T$victim" link set eth1 up
say "$victim back: $ENGINE started again"
start_stack "$victim"
ask=$(holder_alive)
check "$victim rejoins (all nodes online)" 'waitfor 90 all_online'
only_on() { # node: the VIP on that director's eth0 and no other's
    local n
    for n in $NODES; do
        if ip -n "$T$n" -o addr show dev eth0 | grep -q " $VIP/"; then
            [ "$n" = "$1" ] || return 1
        elif [ "$n" = "$1" ]; then return 1; fi
    done
}
if [ "$FAILBACK" = on ]; then
    # resource-stickiness 0: the home preference (100) wins.
    check "auto_failback on: the group goes back to MASTER" 'waitfor 90 "only_on master"'
    want=master
else
    # resource-stickiness 1000 per member beats the home preference: the
    # group must still be on $new once the cluster has settled.
    if [ "$ENGINE" = pacemaker ]; then
        check "auto_failback off: $victim back, cluster settled" \
            'waitfor 60 "on $ask crm_resource --wait --timeout=5s >/dev/null 2>&1"'
    fi
    check "auto_failback off: the group stays on $new" 'sleep 10; only_on "$new"'
    want=$new
fi
check "client served through $want again" 'waitfor 30 "[ \"\$(reals $want)\" = 2 ] && served"'
status "$want" >"$W/status.after"

if [ "$fail" = 0 ]; then say "pcmk cluster test ($ENGINE): all checks passed (failover ${failover:-?}s)"; else
    say "pcmk cluster test ($ENGINE): FAILED"; cat "$W/status.after" 2>/dev/null; fi
exit "$fail"
