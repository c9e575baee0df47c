#!/bin/bash
# hb-loss-soak.sh KIND KEEPALIVE DEADTIME SECONDS   (a benchmark program)
#
# Can a pair of KIND ("ours" or "legacy") hold KEEPALIVE/DEADTIME (ha.cf
# values, e.g. 100ms / 600ms) for SECONDS with 30 % packet loss on both
# nodes' heartbeat traffic and every CPU busy? Counts false failovers (the
# backup holding the group, or "node ... is dead" in either log). Same lab as
# tests/hb/pair-test.sh.
set -u
KM=${1:-ours}; KB=$KM; KA=${2:-1}; DT=${3:-5}; SECS=${4:-600}
here=$(cd "$(dirname "$0")" && pwd -P)
OURS=${HEARTBEATD:-$here/../target/release/heartbeatd}
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
keepalive $KA
deadtime $DT
warntime $DT
initdead 10
udpport 694
ucast e1 $peer
auto_failback on
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
