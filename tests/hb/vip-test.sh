#!/bin/bash
# vip-test.sh: heartbeatd carrying the VIPs of an LVS-DR director pair, the
# resources native (crates/ha-ipaddr): IPaddr2::10.88.0.100/24/eth0 (with
# the lvs_support heartbeat's wrapper turns on) and
# IPv6addr::2001:db8:88::100/64/eth0. master, backup and a client share a
# bridge inside the client's namespace; the backup, as an LVS-DR backup,
# keeps 10.88.0.100/32 on lo. Checks, in order: the master acquires both
# VIPs and the client resolves them to its MAC; the master dies (daemon
# killed, VIPs gone, link down: a node lost) -> the backup takes its lo
# copy off, holds both VIPs, and the client's ARP and neighbour caches
# follow (gratuitous ARP, unsolicited neighbour advertisement); the master
# returns -> auto_failback: the backup puts the VIP back on lo and the
# caches follow the master again. Each heartbeatd has a private
# /run/resource-agents (where the lvs_support note lives). Exits 0 only if
# every check passes; everything is removed on exit.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
. "$here/lab.sh"
lab_init hbv
VIP4=10.88.0.100; VIP6=2001:db8:88::100

for n in m b c; do ip netns add ${T}$n; ip -n ${T}$n link set lo up; done
ip -n ${T}c link add br0 type bridge mcast_snooping 0; ip -n ${T}c link set br0 up
for n in m b; do
  ip -n ${T}$n link add eth0 type veth peer name p$n netns ${T}c
  ip -n ${T}c link set p$n master br0; ip -n ${T}c link set p$n up
done
ip -n ${T}m addr add 10.88.0.1/24 dev eth0; ip -n ${T}m addr add 2001:db8:88::1/64 dev eth0 nodad
ip -n ${T}b addr add 10.88.0.2/24 dev eth0; ip -n ${T}b addr add 2001:db8:88::2/64 dev eth0 nodad
ip -n ${T}c addr add 10.88.0.50/24 dev br0; ip -n ${T}c addr add 2001:db8:88::50/64 dev br0 nodad
for n in m b; do ip -n ${T}$n link set eth0 up; done
# The LVS-DR backup: the VIP on lo, unanswered on the LAN.
ip -n ${T}b addr add $VIP4/32 dev lo
ip netns exec ${T}b sysctl -q -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2

lab_configs eth0 1 5 on "IPaddr2::$VIP4/24/eth0 IPv6addr::$VIP6/64/eth0 marker"
mkdir -p /run/resource-agents
start_node() { # nsuffix name
  local d=$W/$2
  ip netns exec ${T}$1 unshare --uts sh -c "mount -t tmpfs tmpfs /run/resource-agents && hostname $2 &&
    HEARTBEATD_PIDFILE=$d/pid HEARTBEATD_STATEDIR=$d/state HEARTBEATD_CONTROL=$d/ctl.sock exec $OURS -c $d/etc -f" >$d/stderr 2>&1 &
  local p=$!; PIDS="$PIDS $p"; eval "P_$2=$p"
}
mac() { ip -n ${T}$1 -o link show eth0 | grep -o 'link/ether [^ ]*' | cut -d' ' -f2; }
MAC_M=$(mac m); MAC_B=$(mac b)
# `ip -o addr` of $2 in node $1 without index and lifetimes, or "-".
addr() {
  local l; l=$(ip -n ${T}$1 -o addr show to $2 | head -1 | sed 's/^[0-9]*: //; s/\\.*//' | tr -s ' ')
  echo "${l:--}" | sed 's/ $//'
}
# The client's cached MAC for $1, after sending it a datagram.
poke() { ip netns exec ${T}c bash -c "echo x > /dev/udp/$1/9" 2>/dev/null; }
cached() { ip -n ${T}c neigh show $1 dev br0 | grep -o 'lladdr [^ ]*' | cut -d' ' -f2; }

start_node m master; start_node b backup
if waitfor 60 '[ -e $W/master/HAVE ]'; then pass "master acquires"; else bad "master never acquired ($(holder))"; fi
m4=$(addr m $VIP4); m6=$(addr m $VIP6); b4=$(addr b $VIP4)
[ "$m4" = "eth0 inet $VIP4/24 scope global secondary eth0" ] && pass "master: $m4" || bad "master IPv4 VIP: [$m4]"
[ "$m6" = "eth0 inet6 $VIP6/64 scope global" ] && pass "master: $m6" || bad "master IPv6 VIP: [$m6]"
[ "$b4" = "lo inet $VIP4/32 scope global lo" ] && pass "backup keeps its lo copy: $b4" || bad "backup lo copy: [$b4]"
poke $VIP4; poke $VIP6
waitfor 3 '[ "$(cached $VIP4)" = $MAC_M ] && [ "$(cached $VIP6)" = $MAC_M ]' \
  && pass "client resolves both VIPs to the master" || bad "client: $VIP4 at [$(cached $VIP4)], $VIP6 at [$(cached $VIP6)], master is $MAC_M"

# The master is lost: its daemon, its addresses and its link.
kill -9 $P_master
ip -n ${T}m addr del $VIP4/24 dev eth0; ip -n ${T}m addr del $VIP6/64 dev eth0; ip -n ${T}m link set eth0 down
rm -f $W/master/HAVE
if waitfor 30 '[ -e $W/backup/HAVE ]'; then pass "backup takes over"; else bad "no takeover ($(holder))"; fi
b4=$(addr b $VIP4); b6=$(addr b $VIP6)
[ "$b4" = "eth0 inet $VIP4/24 scope global secondary eth0" ] && pass "backup: $b4" || bad "backup IPv4 VIP after takeover: [$b4]"
lo4=$(ip -n ${T}b -o addr show dev lo to $VIP4)
[ -z "$lo4" ] && pass "backup took its lo copy off" || bad "backup still has the lo copy: [$lo4]"
[ "$b6" = "eth0 inet6 $VIP6/64 scope global" ] && pass "backup: $b6" || bad "backup IPv6 VIP after takeover: [$b6]"
waitfor 5 '[ "$(cached $VIP4)" = $MAC_B ] && [ "$(cached $VIP6)" = $MAC_B ]' \
  && pass "client's caches follow the backup (gratuitous ARP, neighbour advertisement)" \
  || bad "client after takeover: $VIP4 at [$(cached $VIP4)], $VIP6 at [$(cached $VIP6)], backup is $MAC_B"

ip -n ${T}m link set eth0 up
start_node m master
if waitfor 60 '[ -e $W/master/HAVE ] && [ ! -e $W/backup/HAVE ]'; then pass "master back: auto_failback"; else bad "no failback ($(holder))"; fi
waitfor 10 '[ "$(addr m $VIP6)" = "eth0 inet6 $VIP6/64 scope global" ]'
b4=$(addr b $VIP4); b6=$(addr b $VIP6)
[ "$b4" = "lo inet $VIP4/32 brd 255.255.255.255 scope global lo" ] && pass "backup puts the VIP back on lo: $b4" || bad "backup after release: [$b4]"
[ "$b6" = "-" ] && pass "backup released the IPv6 VIP" || bad "backup IPv6 VIP after release: [$b6]"
[ "$(addr m $VIP6)" = "eth0 inet6 $VIP6/64 scope global" ] && pass "master holds the IPv6 VIP again" || bad "master IPv6 VIP: [$(addr m $VIP6)]"
waitfor 5 '[ "$(cached $VIP4)" = $MAC_M ] && [ "$(cached $VIP6)" = $MAC_M ]' \
  && pass "client's caches follow the master again" \
  || bad "client after failback: $VIP4 at [$(cached $VIP4)], $VIP6 at [$(cached $VIP6)], master is $MAC_M"

if [ $fail != 0 ]; then
  echo "=== master log"; tail -40 $W/master/ha-log; echo "=== backup log"; tail -40 $W/backup/ha-log
fi
exit $fail
