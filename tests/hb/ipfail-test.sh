#!/bin/bash
# ipfail-test.sh [CASE...]   CASE = MASTER-BACKUP[:group], each "ours" or
#                            "legacy"; default: ours-ours legacy-ours
#                            ours-legacy legacy-legacy ours-ours:group
#
# Ping nodes and ipfail. Two directors, master and backup, keep their
# heartbeat link (ucast on veth e1) while each reaches a gateway
# (10.77.0.254, the ping node, a bridge in its own namespace) through its
# own eth0. ha.cf: keepalive 1, deadtime = deadping 5, auto_failback on,
# `ping 10.77.0.254`, `respawn hacluster /usr/libexec/heartbeat/ipfail`
# (ours runs its built-in ipfail; the legacy runs Debian's real one), the
# group `IPaddr2::10.77.0.100/24/eth0 marker` at home on the master.
# Checks, in order: the master holds the VIP; both see the ping node
# (`cl_status nodestatus`, `nodetype`, `listnodes [-p|-n]`; ours also its
# log lines and the status page's control-socket report);
# the master's link to the gateway is cut on the gateway side -> the
# master gives up, the backup holds the VIP (time from the cut printed)
# and the master does not; the master's ping node is `dead`; ours logs
# the legacy ipfail's reasons; the link returns -> auto_failback brings
# the VIP home, and the master's ping-node log lines from the cut on are
# exactly those a legacy master logs (the legacy cases are the oracle);
# both lose the gateway and
# get it back -> the VIP stays on the master. "legacy" is Debian's
# heartbeat 3.0.6 in its own mount/UTS/PID namespaces. Each case runs in
# its own namespaces (a child of this script), all removed on exit.
# Under CI=true a missing legacy binary fails; otherwise it is skipped
# (HB_LEGACY, HB_LEGACY_IPFAIL name other paths, to try that out).
# IPFAIL_LOGS=DIR keeps each case's two ha-logs there.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
LEGACY=${HB_LEGACY:-/usr/libexec/heartbeat/heartbeat}
LEGACY_IPFAIL=${HB_LEGACY_IPFAIL:-/usr/libexec/heartbeat/ipfail}

if [ "${1:-}" != one ]; then
  cases=${*:-ours-ours legacy-ours ours-legacy legacy-legacy ours-ours:group}
  rc=0; summary=""
  for c in $cases; do
    case $c in *legacy*)
      if [ ! -x $LEGACY ] || [ ! -x $LEGACY_IPFAIL ]; then
        if [ "${CI:-}" = true ]; then echo "FAIL $c: $LEGACY or $LEGACY_IPFAIL missing"; rc=1
        else echo "SKIP $c: $LEGACY or $LEGACY_IPFAIL missing"; fi
        continue
      fi;;
    esac
    out=$("$0" one "$c" 2>&1); r=$?
    echo "$out"
    [ $r = 0 ] || rc=1
    summary="$summary
  $c: $(echo "$out" | sed -n 's/^PASS .*VIP on the backup \([0-9.]* s\) after the cut.*/\1/p')"
  done
  echo "cut -> VIP on the other node:$summary"
  exit $rc
fi

. "$here/lab.sh"
lab_init hbi
PAIR=${2%%:*}; KM=${PAIR%-*}; KB=${PAIR#*-}
GW=10.77.0.254; VIP=10.77.0.100
# CASE:group pings through `ping_group gw GW 10.77.0.253` (the second
# member never answers): the ping node is then named gw.
if [ "$2" != "${2%:group}" ]; then PN=gw; PINGLINE="ping_group gw $GW 10.77.0.253"
else PN=$GW; PINGLINE="ping $GW"; fi
echo "=== ipfail: $KM master, $KB backup, $PINGLINE"

# e1: the heartbeat link. ${T}c is the gateway: a bridge the directors'
# eth0 hang on, its ports pm and pb the gateway side of each link.
lab_veth
ip netns add ${T}c; ip -n ${T}c link set lo up
ip -n ${T}c link add br0 type bridge; ip -n ${T}c addr add $GW/24 dev br0; ip -n ${T}c link set br0 up
for n in m b; do
  ip -n ${T}$n link add eth0 type veth peer name p$n netns ${T}c
  ip -n ${T}c link set p$n master br0; ip -n ${T}c link set p$n up
done
ip -n ${T}m addr add 10.77.0.1/24 dev eth0; ip -n ${T}b addr add 10.77.0.2/24 dev eth0
for n in m b; do ip -n ${T}$n link set eth0 up; done

lab_configs e1 1 5 on "IPaddr2::$VIP/24/eth0 marker"
for n in master backup; do
  printf '%s\nrespawn hacluster %s\napiauth ipfail gid=haclient uid=hacluster\n' "$PINGLINE" $LEGACY_IPFAIL >>$W/$n/etc/ha.cf
done

# Both kinds get a private /run/resource-agents (IPaddr2); the legacy's
# /run/heartbeat belongs to hacluster as Debian's tmpfiles.d makes it, so
# that ipfail (run as hacluster) reaches the API socket.
start_node() { # nsuffix name kind
  local d=$W/$2
  if [ $3 = legacy ]; then
    ip netns exec ${T}$1 unshare --mount --uts --pid --fork --mount-proc bash -c "
      mount --make-rprivate /; mount --bind $d/etc /etc/ha.d
      mount -t tmpfs r /run; mkdir -p /run/heartbeat/rsctmp /run/lock /run/resource-agents
      chown hacluster:haclient /run/heartbeat; chmod 750 /run/heartbeat
      mount --bind $d/state /var/lib/heartbeat
      hostname $2
      $LEGACY >$d/stderr 2>&1
      exec sleep infinity" &
    local u=$!; sleep 0.3; PIDS="$PIDS $(pgrep -P $u) $u"; eval "P_$2='$(pgrep -P $u)'"
  else
    ip netns exec ${T}$1 unshare --uts sh -c "mount -t tmpfs tmpfs /run/resource-agents && hostname $2 &&
      HEARTBEATD_PIDFILE=$d/pid HEARTBEATD_STATEDIR=$d/state HEARTBEATD_CONTROL=$d/ctl.sock exec $OURS -c $d/etc -f" >$d/stderr 2>&1 &
    local p=$!; PIDS="$PIDS $p"; eval "P_$2=$p"
  fi
}
mkdir -p /run/resource-agents
# The `dashboard` report of ours' control socket (what the status page
# shows): its `ping NAME STATUS` line.
dash_ping() { # name
  python3 - "$W/$1/ctl.sock" "$W/$1/dash.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[2]); s.settimeout(5)
s.sendto(b"dashboard", sys.argv[1])
print("\n".join(l for l in s.recv(65536).decode().splitlines() if l.startswith("ping ")))
PY
  rm -f "$W/$1/dash.sock"; }
dash_expect() { # name want
  local got; got=$(dash_ping $1 2>&1)
  [ "$got" = "$2" ] && pass "status page report of $1: '$got'" || bad "status page report of $1: '$got', want '$2'"; }
vip_on() { [ -n "$(ip -n ${T}$1 -o addr show dev eth0 to $VIP)" ]; }
where() { echo "master=$(vip_on m && echo VIP || echo -) backup=$(vip_on b && echo VIP || echo -)"; }

start_node m master $KM; start_node b backup $KB
if waitfor 60 'vip_on m'; then pass "master holds the VIP ($(where))"; else bad "master never took the VIP ($(where))"; fi
# Both ipfails must be up and have exchanged their counts before the cut.
sleep 8
[ "$(where)" = "master=VIP backup=-" ] && pass "steady state: $(where)" || bad "steady state: $(where)"
cl_expect master $KM "nodestatus $PN" ping
cl_expect backup $KB "nodestatus $PN" ping
cl_expect master $KM "nodetype $PN" ping
[ $KM = ours ] && dash_expect master "ping $PN ping"
cl_expect master $KM "listnodes -p" $PN
# The node walk: ha.cf's table (node master, node backup, ping) last first.
cl_expect master $KM "listnodes" "$PN
backup
master"
cl_expect master $KM "listnodes -n" "backup
master"
for n in master backup; do
  k=$KM; [ $n = backup ] && k=$KB
  [ $k = ours ] || continue
  for line in "info: Link $PN:$PN up." "info: Status update for node $PN: status ping"; do
    c=$(grep -c -F -- ": $line" $W/$n/ha-log)
    [ "$c" = 1 ] && pass "$n logs '$line'" || bad "$n: '$line' logged $c times, want 1"
  done
done

# The master's uplink is cut at the gateway; the heartbeat link stays.
CUT_AT=$(wc -l <$W/backup/ha-log); CUT_AT_M=$(wc -l <$W/master/ha-log)
t0=$(date +%s.%N); ip -n ${T}c link set pm down
if waitfor 40 'vip_on b'; then
  t1=$(date +%s.%N); pass "VIP on the backup $(echo "$t1 - $t0" | bc | sed 's/^\./0./' | cut -c1-5) s after the cut (deadping 5 s)"
else bad "the backup never took the VIP ($(where))"; fi
waitfor 10 '! vip_on m' && pass "the master gave the VIP away ($(where))" || bad "master still holds the VIP ($(where))"
cl_expect master $KM "nodestatus $PN" dead
cl_expect backup $KB "nodestatus $PN" ping
[ $KM = ours ] && dash_expect master "ping $PN dead"
[ $KB = ours ] && dash_expect backup "ping $PN ping"
if [ $KM = ours ]; then
  c=$(grep -c -F -- ": WARN: node $PN: is dead" $W/master/ha-log)
  [ "$c" = 1 ] && pass "master logs 'node $PN: is dead'" || bad "master: 'node $PN: is dead' logged $c times"
fi
# Ours says why, in the legacy ipfail's words (the legacy's own ipfail
# logs to syslog, not to ha-log). Counted from the cut on.
logged() { # name first-line text: how often since that ha-log line
  sed -n "$(($2+1)),\$p" $W/$1/ha-log | grep -c -F -- ": info: $3"; }
if [ $KB = ours ]; then
  c=$(logged backup $CUT_AT "Telling other node that we have more visible ping nodes.")
  [ "$c" = 1 ] && pass "backup (ours) tells the master it has more ping nodes" || bad "backup: 'Telling other node…' logged $c times"
fi
if [ $KM = ours ]; then
  for line in "Giving up because we were told that we have less ping nodes." "Delayed giveup in 2 seconds." "giveup() called (timeout worked)" "master wants to go standby [all]"; do
    c=$(logged master $CUT_AT_M "$line")
    [ "$c" = 1 ] && pass "master (ours) logs '$line'" || bad "master: '$line' logged $c times, want 1"
  done
fi
sleep 5
[ "$(where)" = "master=- backup=VIP" ] && pass "still on the backup while the master is cut: $(where)" || bad "after the cut: $(where)"

# The link returns: equal counts, auto_failback on brings the VIP home.
t0=$(date +%s.%N); ip -n ${T}c link set pm up
if waitfor 60 'vip_on m && ! vip_on b'; then
  t1=$(date +%s.%N); pass "link back: VIP home on the master after $(echo "$t1 - $t0" | bc | sed 's/^\./0./' | cut -c1-5) s"
else bad "no failback after the link returned ($(where))"; fi
cl_expect master $KM "nodestatus $PN" ping
# The master's ping-node lines from the cut on, as 3.0.6 logs them (the
# legacy master is the oracle: the same list must come from both kinds).
got=$(sed -n "$((CUT_AT_M+1)),\$p" $W/master/ha-log | sed -n 's/^.*heartbeat: \[[0-9]*\]: //p' \
  | grep -E -- "(node|Node|Link) $PN[: ]" | sed 's/interval [0-9]* ms/interval N ms/')
want="WARN: node $PN: is dead
info: Link $PN:$PN dead.
info: Link $PN:$PN up.
CRIT: Late heartbeat: Node $PN: interval N ms (> deadtime)
WARN: node $PN: is dead
info: Status update for node $PN: status ping"
[ "$got" = "$want" ] && pass "master ($KM) logs the ping node's death and return as 3.0.6" || bad "master ($KM) ping-node lines:
$got
want:
$want"

# Both lose the gateway: equal counts (0 and 0), nothing moves.
ip -n ${T}c link set pm down; ip -n ${T}c link set pb down
sleep 15
[ "$(where)" = "master=VIP backup=-" ] && pass "both cut: the VIP stays on the master" || bad "both cut: $(where)"
cl_expect backup $KB "nodestatus $PN" dead
ip -n ${T}c link set pm up; ip -n ${T}c link set pb up
sleep 8
[ "$(where)" = "master=VIP backup=-" ] && pass "both back: the VIP stays on the master" || bad "both back: $(where)"

# IPFAIL_LOGS=DIR keeps both logs for a look after the run.
if [ -n "${IPFAIL_LOGS:-}" ]; then
  mkdir -p "$IPFAIL_LOGS"; cp $W/master/ha-log "$IPFAIL_LOGS/$2-master.log"; cp $W/backup/ha-log "$IPFAIL_LOGS/$2-backup.log"
fi
if [ $fail != 0 ]; then
  echo "=== master ($KM) log"; tail -60 $W/master/ha-log; echo "=== backup ($KB) log"; tail -60 $W/backup/ha-log
fi
exit $fail
