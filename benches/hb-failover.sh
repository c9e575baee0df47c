#!/bin/bash
# hb-failover.sh [KIND [KEEPALIVE DEADTIME [RUNS]]]   (KIND: ours | legacy)
#
# The defaults are 5ms / 150ms and 5 runs: the smallest setting that
# benches/hb-loss-soak.sh (10 min at 30 % loss, every CPU busy) held, in
# each of its four runs; see that script for the settings that did not.
#
# Failover benchmark (a program, not a test): a pair of KIND on a LAN
# bridge with a client namespace; the resource group is the VIP
# `IPaddr2::10.88.0.100/24/eth0` (ours: native; legacy: Debian's script).
# The client pings the VIP every 20 ms; after `kill -9` of the active node
# the time until the VIP answers again is measured (the kill until the
# first reply from the other node's MAC). Prints one line per run and the
# median. Everything runs in namespaces removed on exit.
set -u
KIND=${1:-ours}; KA=${2:-5ms}; DT=${3:-150ms}; RUNS=${4:-5}
here=$(cd "$(dirname "$0")" && pwd -P)
HEARTBEATD=${HEARTBEATD:-$here/../target/release/heartbeatd}
. "$here/../tests/hb/lab.sh"
lab_init hbf
lab_bridge
ip netns exec ${T}c sysctl -qw net.ipv4.conf.all.arp_accept=1 net.ipv4.conf.eth0.arp_accept=1
lab_configs eth0 $KA $DT off IPaddr2::10.88.0.100/24/eth0
vip_mac() { ip -n ${T}c neigh show 10.88.0.100 | awk '{print $5}'; }
mac_of() { ip -n ${T}$1 link show eth0 | awk '/link\/ether/ {print $2}'; }
start m master $KIND; start b backup $KIND
for i in $(seq 600); do ip -n ${T}m -o addr show dev eth0 | grep -q 10.88.0.100 && break; sleep 0.1; done
ip -n ${T}m -o addr show dev eth0 | grep -q 10.88.0.100 || { echo "master never took the VIP"; tail -20 $W/master/ha-log; exit 1; }
sleep 2
active=m; standby=b; results=""
for r in $(seq $RUNS); do
  # Ping the VIP every 20 ms with timestamps; the killed node's link goes
  # down with it, so any reply after the kill comes from the other node.
  ip netns exec ${T}c python3 $here/vip-pinger.py 10.88.0.100 > $W/ping.$r 2>&1 &
  pinger=$!; PIDS="$PIDS $pinger"; sleep 0.5
  # A standby that already holds the VIP (a pair flapping at this setting)
  # would answer at once: such a run measures no failover, and says so.
  split=""
  ip -n ${T}$standby -o addr show dev eth0 | grep -q 10.88.0.100 && split=" (NOT a failover: the standby already held the VIP)"
  # The node dies: its link first, so no reply can come from it after t0.
  ip -n ${T}$active link set eth0 down
  kill -9 $(eval echo \$P_$( [ $active = m ] && echo master || echo backup ))
  t0=$(date +%s.%N)
  t1=""
  for i in $(seq 600); do
    t1=$(awk -v t0=$t0 '$1 > t0 { print $1; exit }' $W/ping.$r)
    [ -n "$t1" ] && break
    sleep 0.1
  done
  kill $pinger 2>/dev/null
  if [ -z "$t1" ]; then echo "run $r: no answer within 60 s"; head -3 $W/ping.$r; tail -3 $W/ping.$r; for f in $W/*/ha-log; do echo "== $f"; tail -n 15 $f; done; exit 1; fi
  dt=$(echo "$t1 - $t0" | bc); results="$results $dt"
  echo "run $r: kill -9 of the active node -> VIP answers from the other after $(printf %.3f $dt) s$split"
  # Bring the killed node back as the new standby, as after a reboot
  # (no VIP), once the survivor holds everything.
  sleep 2
  ip -n ${T}$active addr del 10.88.0.100/24 dev eth0 2>/dev/null
  ip -n ${T}$active link set eth0 up
  n=$( [ $active = m ] && echo master || echo backup ); start $active $n $KIND
  sleep 12  # past initdead, so the next kill meets a settled pair
  tmp=$active; active=$standby; standby=$tmp
done
[ -n "${BENCH_DEBUG:-}" ] && for f in $W/*/ha-log; do echo "== $f"; tail -n 25 $f; done
# A settled pair logs one "is dead" per kill; more is the pair flapping.
echo "$KIND keepalive=$KA deadtime=$DT: $(cat $W/*/ha-log | grep -c "is dead") 'is dead' lines for $RUNS kills"
echo "$KIND keepalive=$KA deadtime=$DT: median $(printf '%s\n' $results | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}') s over $RUNS runs"
