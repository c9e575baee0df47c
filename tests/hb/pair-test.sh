#!/bin/bash
# pair-test.sh MASTER BACKUP [FAILBACK [MEDIUM]]
#   (each "ours" or "legacy"; on|off; ucast|bcast|mcast)
#
# A two-node cluster in two network namespaces joined by a veth pair (on
# e1: ucast by default, or bcast, or mcast 225.0.0.7; keepalive 1 /
# deadtime 5, auto_failback on), the resource a marker
# script that creates a file. MASTER is the preferred node. Checks, in order:
# the master acquires; steady state holds; kill -9 of the master -> the
# backup takes over (the time is printed); the master restarts -> failback;
# a graceful stop of the master -> immediate handover (well before
# deadtime). "legacy" is Debian's heartbeat 3.0.6, run in its own mount, UTS
# and PID namespaces with a private /etc/ha.d, /run and /var/lib/heartbeat.
# Exits 0 only if every check passes; everything is removed on exit.
set -u
KM=${1:-ours}; KB=${2:-ours}; FB=${3:-on}; export LAB_MEDIUM=${4:-ucast}
here=$(cd "$(dirname "$0")" && pwd -P)
. "$here/lab.sh"
lab_init hbp
lab_veth
lab_configs e1 1 5 $FB marker

echo "pair: $KM master, $KB backup, auto_failback $FB, $LAB_MEDIUM"
start m master $KM; start b backup $KB
if waitfor 60 '[ -e $W/master/HAVE ]'; then pass "master acquires ($(holder))"; else bad "master never acquired ($(holder))"; fi
sleep 3
if [ "$(holder)" = "master=HAS backup=-" ]; then pass "steady state"; else bad "steady state: $(holder)"; fi
if [ $KM = ours ]; then
  # ha.cf's default `realtime on`: the heartbeat threads run SCHED_RR (as
  # 3.0.6's processes do), the marker script it ran did not.
  rr=$(for t in /proc/$P_master/task/*; do chrt -p ${t##*/} 2>/dev/null; done | grep -c SCHED_RR)
  if [ "$rr" -ge 2 ]; then pass "realtime: $rr threads of heartbeatd under SCHED_RR"; else bad "realtime: $rr threads under SCHED_RR"; fi
fi
t0=$(date +%s.%N); kill -9 $P_master
if waitfor 30 '[ -e $W/backup/HAVE ]'; then
  t1=$(date +%s.%N); pass "kill -9 of master: backup took over after $(echo "$t1 - $t0" | bc | cut -c1-5) s (deadtime 5 s)"
else bad "kill -9 of master: no takeover ($(holder))"; fi
rm -f $W/master/HAVE
start m master $KM
if [ $FB = on ]; then
  if waitfor 60 '[ -e $W/master/HAVE ] && [ ! -e $W/backup/HAVE ]'; then pass "master back: auto_failback"; else bad "no failback ($(holder))"; fi
else
  sleep 15
  if [ "$(holder)" = "master=- backup=HAS" ]; then pass "master back: the backup keeps the group (auto_failback off)"; else bad "auto_failback off: $(holder)"; fi
  if [ $KM = ours ]; then
    HEARTBEATD_CONTROL=$W/master/ctl.sock ip netns exec ${T}m $OURS takeover all >/dev/null
    if waitfor 15 '[ -e $W/master/HAVE ] && [ ! -e $W/backup/HAVE ]'; then pass "hb_takeover brings it home"; else bad "takeover with auto_failback off: $(holder)"; fi
  fi
fi
# Both up: what cl_status answers on each node (ours through its control
# socket, the legacy's own cl_status inside its namespaces), as 3.0.6
# answers it. rscstatus is the set of groups a node holds (none, local,
# foreign, all), sets without a group included: after auto_failback each
# node holds its local set, the backup too although it has no group; after
# `takeover all` the master holds all and the backup none; with
# auto_failback off and no takeover the backup keeps all.
sleep 2
if [ $FB = on ]; then RM=local; RB=local; elif [ $KM = ours ]; then RM=all; RB=none; else RM=none; RB=all; fi
cl_expect master $KM rscstatus $RM
cl_expect master $KM "nodestatus backup" active
cl_expect backup $KB rscstatus $RB
cl_expect backup $KB "nodestatus master" active
# Links are the media's interfaces; the peer's is up while it is heard.
cl_expect master $KM "hblinkstatus backup e1" up
cl_expect backup $KB "hblinkstatus master e1" up
cl_expect master $KM "listhblinks backup" "$(printf '\te1')"
if [ $KM = ours ]; then
  ctl() { HEARTBEATD_CONTROL=$W/master/ctl.sock ip netns exec ${T}m $OURS "$@"; }
  sleep 1  # a standby during a resource transition is refused, as by the legacy
  ctl standby all >/dev/null
  if waitfor 10 '[ -e $W/backup/HAVE ] && [ ! -e $W/master/HAVE ]'; then pass "hb_standby on master: backup holds"; else bad "standby: $(holder)"; fi
  ctl takeover all >/dev/null
  if waitfor 10 '[ -e $W/master/HAVE ] && [ ! -e $W/backup/HAVE ]'; then pass "hb_takeover on master: master holds again"; else bad "takeover: $(holder)"; fi
fi
sleep 2
t0=$(date +%s.%N); stop_graceful master $KM
if waitfor 4 '[ -e $W/backup/HAVE ] && [ ! -e $W/master/HAVE ]'; then
  t1=$(date +%s.%N); pass "graceful stop of master: handover after $(echo "$t1 - $t0" | bc | cut -c1-5) s"
else bad "graceful stop: no handover within 4 s ($(holder))"; fi
if [ $fail != 0 ]; then
  echo "=== master ($KM) log"; tail -40 $W/master/ha-log; echo "=== backup ($KB) log"; tail -40 $W/backup/ha-log
fi
exit $fail
