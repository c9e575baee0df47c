# Sourced by tests/hb/*.sh and benches/hb-*.sh: a two-node heartbeat lab in
# network namespaces ${T}m (master) and ${T}b (backup), removed on exit.
#
#   lab_init PREFIX             work dir $W, tag $T, cleanup trap
#   lab_veth                    e1 between the nodes: 10.88.0.1 / 10.88.0.2
#   lab_bridge                  eth0 of both nodes and a client ${T}c on a
#                               bridge: .1, .2 and client .50
#   lab_configs IF KA DT FB RES ha.cf, authkeys, haresources ("master RES")
#                               and a marker resource for both nodes; the
#                               medium is $LAB_MEDIUM: ucast (default),
#                               bcast or mcast (group 225.0.0.7)
#   start NS NAME KIND          run "ours" (heartbeatd) or "legacy" (3.0.6,
#                               in its own mount/UTS/PID namespaces); sets $P_NAME
#   waitfor SECS CONDITION, has NAME, holder, stop_graceful NAME KIND
#   cl NAME KIND ARGS...        cl_status on that node (ours or the legacy's)
#   cl_expect NAME KIND "ARGS" WANT   pass if cl answers WANT
lab_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
OURS=${HEARTBEATD:-$lab_here/../../target/debug/heartbeatd}
PIDS=""
fail=0
pass() { echo "PASS $*"; }
bad() { echo "FAIL $*"; fail=1; }

lab_init() {
  T=$1$$
  W=$(mktemp -d /tmp/$1.XXXXXX)
  trap lab_cleanup EXIT
}

lab_cleanup() {
  for p in $PIDS; do kill -9 $p 2>/dev/null; done
  sleep 0.3
  for n in m b c; do ip netns del ${T}$n 2>/dev/null; done
  ip link del ${T}br 2>/dev/null
  rm -rf "$W"
}

lab_veth() {
  ip netns add ${T}m; ip netns add ${T}b
  ip link add e1 netns ${T}m type veth peer name e1 netns ${T}b
  ip -n ${T}m addr add 10.88.0.1/24 brd + dev e1; ip -n ${T}m link set e1 up; ip -n ${T}m link set lo up
  ip -n ${T}b addr add 10.88.0.2/24 brd + dev e1; ip -n ${T}b link set e1 up; ip -n ${T}b link set lo up
}

lab_bridge() {
  ip link add ${T}br type bridge; ip link set ${T}br up
  for n in m b c; do
    ip netns add ${T}$n; ip -n ${T}$n link set lo up
    ip link add ${T}$n type veth peer name eth0 netns ${T}$n; ip link set ${T}$n master ${T}br up
  done
  ip -n ${T}m addr add 10.88.0.1/24 dev eth0; ip -n ${T}b addr add 10.88.0.2/24 dev eth0
  ip -n ${T}c addr add 10.88.0.50/24 dev eth0
  for n in m b c; do ip -n ${T}$n link set eth0 up; done
}

lab_configs() { # interface keepalive deadtime auto_failback resource
  local n d peer medium
  for n in master backup; do
    d=$W/$n; mkdir -p $d/etc $d/state
    cp -a /etc/ha.d/. $d/etc/
    peer=10.88.0.2; [ $n = backup ] && peer=10.88.0.1
    case ${LAB_MEDIUM:-ucast} in
      ucast) medium="ucast $1 $peer";;
      bcast) medium="bcast $1";;
      mcast) medium="mcast $1 225.0.0.7 694 1 0";;
      *) echo "lab_configs: unknown medium ${LAB_MEDIUM}" >&2; return 1;;
    esac
    cat > $d/etc/ha.cf <<CF
logfile $d/ha-log
keepalive $2
deadtime $3
warntime ${LAB_WARNTIME:-$3}
initdead 10
udpport 694
$medium
auto_failback $4
node master
node backup
CF
    echo "master $5" > $d/etc/haresources
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
}

start() { # nsuffix name kind
  local d=$W/$2
  if [ $3 = legacy ]; then
    ip netns exec ${T}$1 unshare --mount --uts --pid --fork --mount-proc bash -c "
      mount --make-rprivate /; mount --bind $d/etc /etc/ha.d
      mount -t tmpfs r /run; mkdir -p /run/heartbeat /run/lock /run/resource-agents
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
holder() { echo "master=$(has master) backup=$(has backup)"; }
waitfor() { # secs condition
  local i; for i in $(seq $(($1*10))); do eval "$2" && return 0; sleep 0.1; done; return 1; }
stop_graceful() { # name kind
  if [ $2 = legacy ]; then
    pkill -TERM --ns $(eval echo \$P_$1) --nslist pid -f "master control process"
  else
    kill -TERM $(eval echo \$P_$1)
  fi
}
cl() { # name kind args...: cl_status on that node
  local n=$1 k=$2; shift 2
  if [ $k = legacy ]; then
    # -r: entering a mount namespace resets the root to the namespace's;
    # inside a chroot (the fresh-machine CI root) that is the outer one.
    nsenter -t $(eval echo \$P_$n) -m -u -p -n -r cl_status "$@" 2>&1
  else
    HEARTBEATD_CONTROL=$W/$n/ctl.sock ip netns exec ${T}${n:0:1} $OURS cl_status "$@" 2>&1
  fi
}
cl_expect() { # name kind "args" want
  local got; got=$(cl $1 $2 $3)
  if [ "$got" = "$4" ]; then pass "cl_status $3 on $1 ($2): '$got'"; else bad "cl_status $3 on $1 ($2): '$got', want '$4'"; fi
}
