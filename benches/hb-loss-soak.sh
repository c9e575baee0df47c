#!/bin/bash
# hb-loss-soak.sh [KIND [KEEPALIVE DEADTIME [SECONDS]]]   (a benchmark program)
#
# Can a pair of KIND ("ours" or "legacy") hold KEEPALIVE/DEADTIME (ha.cf
# values; by default 5ms / 150ms) for SECONDS (default 600) with 30 %
# packet loss on both nodes' heartbeat traffic and every CPU busy? Counts
# false failovers (the backup holding the group, or "node ... is dead" in
# either log). Same lab as tests/hb/pair-test.sh. LAB_WARNTIME (an ha.cf
# time, e.g. 20ms) logs every heartbeat later than that, and the longest
# is printed: the margin left under the deadtime.
#
# The default is the smallest deadtime heartbeatd held in every run (four
# of four; one of them rode out a 103 ms stall). Less failed in some
# run: 5ms/100ms (1-2 "is dead" in three of four runs), 2ms/20ms,
# 2ms/40ms, 5ms/50ms, 1ms/10ms; 110-140 ms were not tried. With 30 % loss,
# a deadtime of N keepalives misses N heartbeats in a row about
# (seconds / keepalive) * 0.3^N times, so 20 keepalives or more leave the
# deadtime to the machine's stalls; and this machine (a VM) stalls the
# daemon now and then for 101-103 ms (its "Clock jumped forward" lines;
# cause unknown). The legacy logged 100-110 ms late heartbeats too, at
# 5ms/100ms and 5ms/150ms, but its heartbeats are far less regular, so
# those may not be stalls.
set -u
KM=${1:-ours}; KB=$KM; KA=${2:-5ms}; DT=${3:-150ms}; SECS=${4:-600}
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
steal() { awk '/^cpu /{print $9}' /proc/stat; }
steal0=$(steal)
hogs=""; for c in $(seq $(nproc)); do (while :; do :; done) & hogs="$hogs $!"; done
PIDS="$PIDS $hogs"
t_end=$(( $(date +%s) + SECS )); samples=0; flips=0
while [ $(date +%s) -lt $t_end ]; do
  samples=$((samples + 1)); [ -e $W/backup/HAVE ] && flips=$((flips + 1)); sleep 1
done
kill $hogs 2>/dev/null
dead=$(cat $W/*/ha-log | grep -c "is dead")
# Kept for reading afterwards: lab_cleanup removes $W.
keep=$(mktemp -d /tmp/hb-soak-logs.XXXXXX)
for n in master backup; do cp $W/$n/ha-log $keep/$n.log; done
late=$(grep -ho "Late heartbeat: Node [a-z]*: interval [0-9]* ms" $keep/*.log | awk '{print $6}' | sort -n | tail -1)
echo "longest late heartbeat logged: ${late:-none} ms (warntime ${LAB_WARNTIME:-$DT}); hypervisor steal: $(( $(steal) - steal0 )) ticks; logs in $keep"
echo "$KM keepalive=$KA deadtime=$DT, ${SECS}s at 30% loss + busy CPU: $dead 'is dead' events, backup held the group in $flips of $samples samples"
[ $dead = 0 ] && [ $flips = 0 ]
