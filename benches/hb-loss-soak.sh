#!/bin/bash
# hb-loss-soak.sh [KIND [KEEPALIVE DEADTIME [SECONDS]]]   (a benchmark program)
#
# Can a pair of KIND ("ours" or "legacy") hold KEEPALIVE/DEADTIME (ha.cf
# values; by default 2ms / 20ms, which ours held in one run and not in
# another (one false "dead"); 5ms / 50ms the same; 1ms / 10ms had two) for
# SECONDS (default 600) with 30 % packet loss on both nodes' heartbeat
# traffic and every CPU busy? Counts false failovers (the
# backup holding the group, or "node ... is dead" in either log). Same lab as
# tests/hb/pair-test.sh.
set -u
KM=${1:-ours}; KB=$KM; KA=${2:-2ms}; DT=${3:-20ms}; SECS=${4:-600}
here=$(cd "$(dirname "$0")" && pwd -P)
HEARTBEATD=${HEARTBEATD:-$here/../target/release/heartbeatd}
. "$here/../tests/hb/lab.sh"
lab_init hbs
lab_veth
lab_configs e1 $KA $DT on marker

start m master $KM; start b backup $KB
waitfor 60 '[ -e $W/master/HAVE ]' || { echo "master never acquired"; exit 1; }
sleep 3
for n in m b; do
  ip netns exec ${T}$n nft -f - <<NFT
table inet loss {
  chain out { type filter hook output priority 0; udp dport 694 numgen random mod 100 < 30 drop; }
}
NFT
done
hogs=""; for c in $(seq $(nproc)); do (while :; do :; done) & hogs="$hogs $!"; done
PIDS="$PIDS $hogs"
t_end=$(( $(date +%s) + SECS )); samples=0; flips=0
while [ $(date +%s) -lt $t_end ]; do
  samples=$((samples + 1)); [ -e $W/backup/HAVE ] && flips=$((flips + 1)); sleep 1
done
kill $hogs 2>/dev/null
dead=$(cat $W/*/ha-log | grep -c "is dead")
echo "$KM keepalive=$KA deadtime=$DT, ${SECS}s at 30% loss + busy CPU: $dead 'is dead' events, backup held the group in $flips of $samples samples"
[ $dead = 0 ] && [ $flips = 0 ]
