#!/bin/bash
# pair-test.sh MASTER BACKUP [FAILBACK]   (each "ours" or "legacy"; on|off)
#
# A two-node cluster in two network namespaces joined by a veth pair (ucast
# on e1, keepalive 1 / deadtime 5, auto_failback on), the resource a marker
# script that creates a file. MASTER is the preferred node. Checks, in order:
# the master acquires; steady state holds; kill -9 of the master -> the
# backup takes over (the time is printed); the master restarts -> failback;
# a graceful stop of the master -> immediate handover (well before
# deadtime). "legacy" is Debian's heartbeat 3.0.6, run in its own mount, UTS
# and PID namespaces with a private /etc/ha.d, /run and /var/lib/heartbeat.
# Exits 0 only if every check passes; everything is removed on exit.
set -u
KM=${1:-ours}; KB=${2:-ours}; FB=${3:-on}
here=$(cd "$(dirname "$0")" && pwd -P)
OURS=${HEARTBEATD:-$here/../../target/debug/heartbeatd}
T=hbp$$
W=$(mktemp -d /tmp/hb-pair.XXXXXX)
fail=0
pass() { echo "PASS $*"; }
bad() { echo "FAIL $*"; fail=1; }
PIDS=""
cleanup() { for p in $PIDS; do kill -9 $p 2>/dev/null; done; sleep 0.3; ip netns del ${T}m 2>/dev/null; ip netns del ${T}b 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
ip netns add ${T}m; ip netns add ${T}b
ip link add e1 netns ${T}m type veth peer name e1 netns ${T}b
ip -n ${T}m addr add 10.88.0.1/24 dev e1; ip -n ${T}m link set e1 up; ip -n ${T}m link set lo up
ip -n ${T}b addr add 10.88.0.2/24 dev e1; ip -n ${T}b link set e1 up; ip -n ${T}b link set lo up
for n in master backup; do
  d=$W/$n; mkdir -p $d/etc $d/state
  cp -a /etc/ha.d/. $d/etc/
  peer=10.88.0.2; [ $n = backup ] && peer=10.88.0.1
  cat > $d/etc/ha.cf <<CF
logfile $d/ha-log
keepalive 1
deadtime 5
warntime 3
initdead 10
udpport 694
ucast e1 $peer
auto_failback $FB
node master
node backup
CF
  echo "master marker" > $d/etc/haresources
  printf 'auth 1\n1 sha1 SomeSharedSecret\n' > $d/etc/authkeys; chmod 600 $d/etc/authkeys
  cat > $d/etc/resource.d/marker <<SH
#!/bin/sh
case "\$1" in
  start) touch $d/HAVE;;
  stop) rm -f $d/HAVE;;
  status) if [ -e $d/HAVE ]; then echo running; else echo stopped; fi;;
esac
SH
  chmod +x $d/etc/resource.d/marker
done
start() { # nsuffix name kind
  local d=$W/$2
  if [ $3 = legacy ]; then
    ip netns exec ${T}$1 unshare --mount --uts --pid --fork --mount-proc bash -c "
      mount --make-rprivate /; mount --bind $d/etc /etc/ha.d
      mount -t tmpfs r /run; mkdir -p /run/heartbeat /run/lock
      mount --bind $d/state /var/lib/heartbeat
      hostname $2
      /usr/libexec/heartbeat/heartbeat >$d/stderr 2>&1
      exec sleep infinity" &
    local u=$!; sleep 0.3; PIDS="$PIDS $(pgrep -P $u) $u"; eval "P_$2='$(pgrep -P $u)'"
  else
    ip netns exec ${T}$1 unshare --uts sh -c "hostname $2; HEARTBEATD_PIDFILE=$d/pid HEARTBEATD_STATEDIR=$d/state HEARTBEATD_CONTROL=$d/ctl.sock exec $OURS -c $d/etc -f" >$d/stderr 2>&1 &
    local p=$!; PIDS="$PIDS $p"; eval "P_$2=$p"
  fi
}
has() { [ -e $W/$1/HAVE ] && echo HAS || echo -; }
show() { echo "--- $(date +%T) $1: master=$(has master) backup=$(has backup)"; }
waitfor() { # secs condition
  local i; for i in $(seq $(($1*10))); do eval "$2" && return 0; sleep 0.1; done; return 1; }
holder() { echo "master=$(has master) backup=$(has backup)"; }
stop_graceful() { # name kind
  if [ $2 = legacy ]; then
    pkill -TERM --ns $(eval echo \$P_$1) --nslist pid -f "master control process"
  else
    kill -TERM $(eval echo \$P_$1)
  fi
}

echo "pair: $KM master, $KB backup, auto_failback $FB"
start m master $KM; start b backup $KB
if waitfor 60 '[ -e $W/master/HAVE ]'; then pass "master acquires ($(holder))"; else bad "master never acquired ($(holder))"; fi
sleep 3
if [ "$(holder)" = "master=HAS backup=-" ]; then pass "steady state"; else bad "steady state: $(holder)"; fi
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
if [ $KM = ours ]; then
  ctl() { HEARTBEATD_CONTROL=$W/master/ctl.sock ip netns exec ${T}m $OURS "$@"; }
  echo "      cl_status rscstatus: $(ctl cl_status rscstatus), nodestatus backup: $(ctl cl_status nodestatus backup)"
  sleep 3  # a standby during a resource transition is refused, as by the legacy
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
