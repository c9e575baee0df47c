#!/bin/bash
# reload-test.sh ACTIVE PASSIVE   (each "ours" or "legacy")
#
# A configuration reload on the active node while a client pings its VIP.
# master (ACTIVE) holds IPaddr::10.88.0.100/24/eth0; master, backup and a
# client share a bridge (heartbeat: ucast eth0, keepalive 1, deadtime 5,
# auto_failback on). Then, on the master: ha.cf's deadtime 5 -> 8 and a
# second group (IPaddr::10.88.0.101) appended to haresources, and
# `heartbeat -r` (`heartbeatd -r`), while the client pings the VIP every
# 20 ms. Checks: `heartbeatd -D`/`-DW` print the legacy's table byte for
# byte; `cl_status hbparameter -p deadtime` gives the new value; with ours
# on either side, no ping is lost and the backup logs no death and takes
# nothing (an ours backup must ride out the legacy's restart); with ours
# the master, the second VIP comes up, the unchanged group is not
# released, the backup sees no restart, a broken edit (an unknown
# directive) makes `-r` exit nonzero with `ha.cf:LINE:` and leaves the
# daemon running its previous configuration, and so does a plain SIGHUP;
# SIGUSR1/SIGUSR2 move the debug level; a changed node list is refused by
# the daemon (it keeps its peer). A legacy master's figures are printed,
# not asserted: it re-executes itself and does not start the added group
# (legacy legacy is the side-by-side figure). Printed: lost pings, time
# from -r to the new deadtime answered by hbparameter. Under CI=true a
# missing legacy heartbeat fails the mixed runs. Exits 0 only if every
# check passes; namespaces and processes are removed on exit.
set -u
KM=${1:-ours}; KB=${2:-ours}
here=$(cd "$(dirname "$0")" && pwd -P)
. "$here/lab.sh"
LEGACY=${LEGACY_HEARTBEAT:-/usr/libexec/heartbeat/heartbeat}  # overridable to test the CI rule
if [ "$KM$KB" != oursours ] && [ ! -x $LEGACY ]; then
  if [ "${CI:-}" = true ]; then echo "FAIL legacy heartbeat ($LEGACY) missing under CI"; exit 1; fi
  echo "SKIP reload-test.sh $KM $KB: no legacy heartbeat at $LEGACY"; exit 0
fi
lab_init hbr
# -D and -DW print the legacy's defaults table byte for byte.
if [ -x $LEGACY ]; then
  for f in -D -DW; do
    if diff <($OURS $f) <($LEGACY $f) >/dev/null; then pass "heartbeatd $f = heartbeat $f"; else bad "heartbeatd $f differs: $(diff <($OURS $f) <($LEGACY $f) | head -3)"; fi
  done
fi
# master and backup on a bridge inside the client's namespace (a host
# bridge would be subject to the host's bridge firewall).
for n in m b c; do ip netns add ${T}$n; ip -n ${T}$n link set lo up; done
ip -n ${T}c link add eth0 type bridge; ip -n ${T}c link set eth0 up
for n in m b; do
  ip -n ${T}$n link add eth0 type veth peer name p$n netns ${T}c
  ip -n ${T}c link set p$n master eth0; ip -n ${T}c link set p$n up
done
ip -n ${T}m addr add 10.88.0.1/24 dev eth0; ip -n ${T}b addr add 10.88.0.2/24 dev eth0
ip -n ${T}c addr add 10.88.0.50/24 dev eth0
for n in m b; do ip -n ${T}$n link set eth0 up; done
VIP=10.88.0.100; VIP2=10.88.0.101
lab_configs eth0 1 5 on "IPaddr::$VIP/24/eth0"
mkdir -p /run/resource-agents

# Runs a command inside node $1's namespaces (network, UTS; the legacy's
# mount and PID namespaces too), as its own tools would run there.
on() {
  local n=$1 k=$2; shift 2
  if [ $k = legacy ]; then
    nsenter -t $(eval echo \$P_$n) -m -u -p -n -r "$@"
  else
    nsenter -t $(eval echo \$P_$n) -u -n env HEARTBEATD_PIDFILE=$W/$n/pid HEARTBEATD_STATEDIR=$W/$n/state HEARTBEATD_CONTROL=$W/$n/ctl.sock "$@"
  fi
}
reload_cmd() { # node kind: the legacy's `heartbeat -r` or ours
  if [ $2 = legacy ]; then on $1 legacy $LEGACY -r; else on $1 ours $OURS -r -c $W/$1/etc; fi
}
vip_on() { ip -n ${T}$1 -o addr show dev eth0 | grep -q "inet $2/"; }
param() { cl $1 $2 hbparameter -p $3; }
now() { date +%s.%N; }
ms() { echo "($2 - $1) * 1000 / 1" | bc; }

echo "reload: $KM master (active), $KB backup"
start m master $KM; start b backup $KB
if waitfor 60 "vip_on m $VIP"; then pass "master holds $VIP"; else bad "master never took $VIP"; fi
sleep 3
got=$(param master $KM deadtime)
[ "$got" = 5 ] && pass "hbparameter deadtime before: $got" || bad "hbparameter deadtime before: '$got', want 5"

# The client pings the VIP every 20 ms, 750 times (15 s), the reload in the middle.
ip netns exec ${T}c ping -n -q -i 0.02 -c 750 $VIP > $W/ping.txt 2>&1 &
PING=$!; PIDS="$PIDS $PING"
sleep 3
sed -i 's/^deadtime 5$/deadtime 8/' $W/master/etc/ha.cf
echo "master IPaddr::$VIP2/24/eth0" >> $W/master/etc/haresources
t0=$(now)
out=$(reload_cmd master $KM 2>&1); rc=$?
[ $rc = 0 ] && pass "-r exits 0" || bad "-r exit $rc: $out"
if waitfor 30 '[ "$(param master $KM deadtime)" = 8 ]'; then
  t1=$(now); RELOAD_MS=$(ms $t0 $t1)
  pass "new deadtime in force (hbparameter deadtime = 8) $RELOAD_MS ms after -r"
else RELOAD_MS=never; bad "hbparameter deadtime after -r: '$(param master $KM deadtime)', want 8"; fi
if waitfor 20 "vip_on m $VIP2"; then SECOND=up; else SECOND=down; fi
wait $PING
sent=$(grep -o '[0-9]* packets transmitted' $W/ping.txt | cut -d' ' -f1)
recv=$(grep -oE "[0-9]+ (packets )?received" $W/ping.txt | cut -d" " -f1)
LOST=$(( ${sent:-0} - ${recv:-0} ))
DEATHS=$(grep -c "node master: is dead" $W/backup/ha-log)
echo "FIGURE $KM/$KB: pings sent ${sent:-0}, lost $LOST; -r to new deadtime $RELOAD_MS ms; second group $SECOND; peer death lines $DEATHS"
# The peer's side: asserted whenever ours is involved (a legacy master
# restarts itself, which an ours backup must ride out too).
if [ "$KM$KB" != legacylegacy ]; then
  [ $DEATHS = 0 ] && pass "backup ($KB) logged no death of master" || bad "backup logged 'node master: is dead' $DEATHS times"
  if vip_on b $VIP; then bad "backup took $VIP"; else pass "backup took nothing"; fi
  [ "${sent:-0}" -gt 500 ] && [ $LOST = 0 ] && pass "no ping lost through the reload ($sent sent)" || bad "pings: $sent sent, $LOST lost"
fi
if [ $KM = ours ]; then
  [ $SECOND = up ] && pass "second group up ($VIP2 on master)" || bad "second group: $VIP2 not on master"
  # A native IPaddr restarts within a ping interval: the log tells whether
  # the unchanged group was touched.
  n=$(grep -c "Releasing resource group: master IPaddr::$VIP/" $W/master/ha-log)
  [ $n = 0 ] && pass "unchanged group not touched (no release logged)" || bad "unchanged group released $n times by the reload"
  grep -q "Heartbeat restart on node master" $W/backup/ha-log && bad "backup saw a restart" || pass "backup saw no restart (same generation)"

  # Lines whose change needs a restart here (sockets and pingers are set
  # up once) are named in the log, not silently left as they were.
  echo "deadping 20" >> $W/master/etc/ha.cf
  reload_cmd master ours >/dev/null 2>&1
  if waitfor 10 'grep -q "deadping: changed lines take effect at the next start of heartbeat" $W/master/ha-log'; then pass "deadping change logged as taking effect at the next start"
  else bad "no 'deadping: changed lines take effect at the next start' line after -r"; fi
  # A broken edit: refused by -r with its line, the daemon untouched.
  echo "deadtme 9" >> $W/master/etc/ha.cf
  line=$(grep -n '^deadtme' $W/master/etc/ha.cf | cut -d: -f1)
  out=$(reload_cmd master ours 2>&1); rc=$?
  if [ $rc != 0 ] && echo "$out" | grep -q "ha.cf:$line:"; then pass "broken ha.cf: -r exit $rc, '$(echo "$out" | grep "ha.cf:$line:" | head -1)'"
  else bad "broken ha.cf: -r exit $rc, output: $out"; fi
  # The same edit through a plain SIGHUP: logged with its line, refused.
  kill -HUP $P_master; sleep 2
  if grep -q "ha.cf:$line:.*deadtme" $W/master/ha-log && kill -0 $P_master 2>/dev/null; then pass "SIGHUP with the broken file: refused with ha.cf:$line in the log, daemon running"
  else bad "SIGHUP with a broken file: $(grep -c "ha.cf:$line:" $W/master/ha-log) log lines, running: $(kill -0 $P_master 2>/dev/null && echo yes || echo no)"; fi
  got=$(param master ours deadtime)
  [ "$got" = 8 ] && pass "running configuration kept (deadtime $got)" || bad "after the broken edit: deadtime '$got', want 8"
  vip_on m $VIP && vip_on m $VIP2 && pass "both VIPs still on master" || bad "VIPs after the broken edit: $(ip -n ${T}m -o addr show dev eth0)"
  # SIGUSR1 raises the debug level, SIGUSR2 lowers it; the line itself is
  # a debug line, so lowering to 0 writes none.
  for s in USR1 USR1 USR2 USR2; do kill -$s $P_master; sleep 0.3; done
  levels=$(grep -o "debug now set to [0-9]*" $W/master/ha-log | awk '{print $NF}' | tr '\n' ' ')
  [ "$levels" = "1 2 1 " ] && pass "SIGUSR1 x2, SIGUSR2 x2: debug levels logged $levels" || bad "debug levels logged: '$levels', want '1 2 1 '"
  # A valid file with another node list: -r accepts it, the daemon refuses
  # it (it needs a restart) and keeps its peer.
  sed -i '/^deadtme/d; s/^node backup$/node other/' $W/master/etc/ha.cf
  out=$(reload_cmd master ours 2>&1); rc=$?; sleep 1
  if [ $rc = 0 ] && grep -q "ERROR: Reload refused: the node list changed" $W/master/ha-log; then pass "node list change refused by the daemon"
  else bad "node list change: -r exit $rc ($out), refusal logged: $(grep -c 'Reload refused' $W/master/ha-log)"; fi
  cl_expect master ours "nodestatus backup" active
else
  # The legacy's own -r on a broken file, for comparison.
  echo "deadtme 9" >> $W/master/etc/ha.cf
  out=$(reload_cmd master legacy 2>&1); rc=$?
  echo "FIGURE legacy -r on a broken ha.cf: exit $rc, '$(echo "$out" | grep -m1 deadtme)'"
fi
if [ $fail != 0 ] || [ -n "${SHOWLOGS:-}" ]; then
  for n in master backup; do
    echo "=== $n log"; grep -v "harc\|Running /etc/ha.d//rc.d" $W/$n/ha-log | tail -${LOGLINES:-40}; echo "=== $n stderr"; tail -20 $W/$n/stderr
  done
fi
exit $fail
