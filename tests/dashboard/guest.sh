#!/bin/bash
# The VM side of browser-test.sh (run by tests/vm/run.sh): a director with
# real kernel IPVS in the VM's root namespace serving its dashboard on the
# VM's virtio NIC (QEMU forwards a host port to it), two real web servers
# in namespace ${T}r, and a two-node heartbeatd pair (tests/hb/lab.sh) whose
# backup node's control socket feeds the page's cluster section.
#
# Steps are driven by the host through files in SYNC (a shared directory):
#   guest writes ready        -> host checks the page with both reals up
#   host writes kill-web2     -> web2 stopped; slow/huge-header clients start
#   host writes kill-master   -> master heartbeatd killed (-9): failover
#   host writes done          -> stop and exit
set -uo pipefail
SYNC=${1:?usage: guest.sh SYNC_DIR}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
OURS_LD=$repo/target/debug/ldirectord-rs
say() { echo "guest: $*" >>"$SYNC/guest.log"; }
wait_file() { # name secs
    local i
    for i in $(seq $(($2 * 5))); do [ -e "$SYNC/$1" ] && return 0; sleep 0.2; done
    say "no $1 from the host after $2 s"; return 1
}

# The NIC for the host's browser: QEMU's user network, guest 10.0.2.15.
modprobe virtio_net
nic=""
for i in $(seq 50); do
    nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
    [ -n "$nic" ] && break; sleep 0.1
done
[ -n "$nic" ] || { say "no NIC"; exit 1; }
ip addr add 10.0.2.15/24 dev "$nic"; ip link set "$nic" up

source "$repo/tests/hb/lab.sh"
lab_init dash
# heartbeat: master holds the marker group; deadtime 6 s for a quick failover.
lab_veth
lab_configs e1 1 6 on marker
start m master ours
start b backup ours

# Real servers 10.9.0.2 (web1) and 10.9.0.3 (web2) behind veth d0.
ip netns add ${T}r; ip -n ${T}r link set lo up
ip link add d0 type veth peer name r0 netns ${T}r
ip addr add 10.9.0.1/24 dev d0; ip link set d0 up
ip -n ${T}r addr add 10.9.0.2/24 dev r0; ip -n ${T}r addr add 10.9.0.3/24 dev r0
ip -n ${T}r link set r0 up
mkdir -p $W/www; echo test >$W/www/test.html
serve() { (cd $W/www && exec ip netns exec ${T}r python3 -m http.server --bind "$1" 80 >/dev/null 2>&1) & }
serve 10.9.0.2; web1=$!
serve 10.9.0.3; web2=$!
PIDS="$PIDS $web1 $web2"
ip addr add 10.9.0.100/32 dev lo

cat >$W/dash.cf <<CF
checktimeout=2
negotiatetimeout=2
checkinterval=1
logfile="$W/ldirectord.log"
quiescent=no
virtual=10.9.0.100:80
	real=10.9.0.2:80 masq 2
	real=10.9.0.3:80 masq 1
	service=http
	request="test.html"
	receive="test"
	scheduler=wrr
	protocol=tcp
	checktype=negotiate
CF
# `start` re-executes itself as the daemon: the option must survive that.
HEARTBEATD_CONTROL=$W/backup/ctl.sock LDIRECTORD_RS_HISTORY=$W/history \
    "$OURS_LD" --dashboard 0.0.0.0:9160 "$W/dash.cf" start || { say "start failed"; exit 1; }
page() { curl -s -m 5 http://127.0.0.1:9160/lvs/; }
waitfor 120 'page | grep -q "data-real=\"10.9.0.3:80\" data-state=\"up\"" && page | grep -q "data-holder=\"master\""' \
    || { say "page never showed web2 up and master holding"; page >>"$SYNC/guest.log"; cat $W/ldirectord.log >>"$SYNC/guest.log"; exit 1; }
# Some traffic through the virtual service (NAT from a local client), so the
# counters and graphs have something to show.
for i in $(seq 20); do curl -s -m 2 -o /dev/null http://10.9.0.100/test.html; done
say "ready"; touch "$SYNC/ready"

wait_file kill-web2 300 || exit 1
# Bad clients while the director must notice web2's death: six that trickle
# one byte a second, one with a 64 KiB header.
for i in 1 2 3 4 5 6; do
    (exec 3<>/dev/tcp/127.0.0.1/9160 || exit; for c in G E T ' ' / l v s / ' ' H T T P; do printf %s "$c" >&3; sleep 1; done) 2>/dev/null &
done
(exec 3<>/dev/tcp/127.0.0.1/9160 && { printf 'GET /lvs/ HTTP/1.1\r\nX: %s\r\n\r\n' "$(head -c 65536 /dev/zero | tr '\0' a)" >&3; cat <&3 >"$SYNC/huge-header.reply"; }) 2>/dev/null &
kill $web2
say "web2 killed at $(date +%s)"; date +%s >"$SYNC/web2-killed"

wait_file kill-master 300 || exit 1
kill -9 $P_master
say "master heartbeatd killed"

wait_file done 300 || exit 1
cp $W/ldirectord.log "$SYNC/ldirectord.log" 2>/dev/null
"$OURS_LD" "$W/dash.cf" stop
say "stopped"
exit 0
