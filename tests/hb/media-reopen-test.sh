#!/bin/bash
# media-reopen-test.sh   (a heartbeatd pair, both "ours")
#
# The heartbeat link's interface is deleted and created again under both
# running daemons (e1 is a veth pair: deleting one end deletes both). Their
# sockets stay bound to the old interface index and hear nothing more, with
# no error; heartbeatd must say the medium is gone, open it again when the
# interface is back, and the nodes must keep each other alive: no
# "is dead" for twice the deadtime after the link returns. Exits 0 only if
# every check passes; everything is removed on exit.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
. "$here/lab.sh"
lab_init hbm
lab_veth
lab_configs e1 1 5 on marker

start m master ours; start b backup ours
if waitfor 30 '[ -e $W/master/HAVE ]' && waitfor 10 'grep -q "Status update for node backup: status active" $W/master/ha-log'; then
  pass "pair up"
else bad "pair never came up"; fi

ip -n ${T}m link del e1
sleep 2
ip link add e1 netns ${T}m type veth peer name e1 netns ${T}b
ip -n ${T}m addr add 10.88.0.1/24 dev e1; ip -n ${T}m link set e1 up
ip -n ${T}b addr add 10.88.0.2/24 dev e1; ip -n ${T}b link set e1 up
sleep 10   # twice the deadtime

for n in master:10.88.0.2 backup:10.88.0.1; do
  node=${n%%:*}; peer=${n#*:}; log=$W/$node/ha-log
  # Whole log lines after "ERROR: " / "info: ", compared exactly.
  if grep -qx ".*: ERROR: ucast e1 $peer: interface e1 is gone; reopening" $log; then
    pass "$node: the lost interface is logged"
  else bad "$node: no 'interface e1 is gone' line"; fi
  if grep -qx ".*: info: ucast e1 $peer: reopened" $log; then
    pass "$node: the medium is reopened"
  else bad "$node: no 'reopened' line"; fi
  if grep -q ": is dead" $log; then bad "$node: a node was declared dead: $(grep ': is dead' $log)"
  else pass "$node: nobody declared dead"; fi
done
st=$(HEARTBEATD_CONTROL=$W/master/ctl.sock ip netns exec ${T}m $OURS cl_status nodestatus backup)
if [ "$st" = active ]; then pass "master sees backup active"; else bad "master sees backup '$st'"; fi
if [ "$(holder)" = "master=HAS backup=-" ]; then pass "no takeover: $(holder)"; else bad "resources moved: $(holder)"; fi
if [ $fail = 0 ]; then echo "media-reopen-test: all passed"; fi
exit $fail
