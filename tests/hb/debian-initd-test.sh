#!/bin/bash
# Debian's own /etc/init.d/heartbeat, unchanged, driving heartbeatd through
# HEARTBEAT= in /etc/default/heartbeat: start, status, stop. Runs in private
# network, mount and UTS namespaces (a one-node view: the peer never
# answers, so the node takes its group after initdead). Exits 0 if all pass.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
OURS=${HEARTBEATD:-$here/../../target/debug/heartbeatd}
W=$(mktemp -d /tmp/hb-initd.XXXXXX); NS=hbinit$$
trap 'ip netns del $NS 2>/dev/null; rm -rf "$W"' EXIT
mkdir -p $W/etc $W/default
cp -a /etc/ha.d/. $W/etc/
cat > $W/etc/ha.cf <<CF
logfile /var/log/ha-log
keepalive 1
deadtime 5
initdead 6
ucast e1 10.89.0.2
node solo
node other
CF
printf 'auth 1\n1 sha1 x\n' > $W/etc/authkeys; chmod 600 $W/etc/authkeys
echo "solo marker" > $W/etc/haresources
printf '#!/bin/sh\ncase "$1" in start) touch %s/HAVE;; stop) rm -f %s/HAVE;; status) [ -e %s/HAVE ] && echo running || echo stopped;; esac\n' $W $W $W > $W/etc/resource.d/marker
chmod +x $W/etc/resource.d/marker
{ cat /etc/default/heartbeat 2>/dev/null; echo "HEARTBEAT=$OURS"; } > $W/default/heartbeat
ip netns add $NS
ip -n $NS link add e1 type veth peer name e2
ip -n $NS addr add 10.89.0.1/24 dev e1; ip -n $NS link set e1 up; ip -n $NS link set e2 up; ip -n $NS link set lo up
ip netns exec $NS unshare --mount --uts bash -c "
  mount --make-rprivate /; mount --bind $W/etc /etc/ha.d; mount --bind $W/default /etc/default
  mount -t tmpfs r /run; mkdir -p /run/lock; mount -t tmpfs l /var/log; mount -t tmpfs v /var/lib/heartbeat
  hostname solo
  fail=0
  ok() { echo \"PASS \$*\"; }; bad() { echo \"FAIL \$*\"; fail=1; }
  /etc/init.d/heartbeat start >/dev/null; rc=\$?
  [ \$rc = 0 ] && ok 'init.d start (exit 0)' || bad \"init.d start exit \$rc\"
  for i in \$(seq 100); do [ -e $W/HAVE ] && break; sleep 0.2; done
  [ -e $W/HAVE ] && ok 'the resource group started' || bad 'group never started'
  out=\$(/etc/init.d/heartbeat status); rc=\$?
  [ \$rc = 0 ] && [[ \$out == *'is running on solo'* ]] && ok \"init.d status: \$out\" || bad \"status \$rc: \$out\"
  # reload runs heartbeat -r: nothing changed, so the daemon says so.
  /etc/init.d/heartbeat reload >/dev/null 2>&1; sleep 1
  grep -q 'info: Configuration unchanged.' /var/log/ha-log && ok 'init.d reload: Configuration unchanged.' || bad \"reload: \$(tail -3 /var/log/ha-log)\"
  /etc/init.d/heartbeat stop >/dev/null; rc=\$?
  [ \$rc = 0 ] && [ ! -e $W/HAVE ] && ok 'init.d stop released the group' || bad \"stop \$rc\"
  out=\$(/etc/init.d/heartbeat status); rc=\$?
  [ \$rc = 3 ] && ok \"init.d status after stop: \$out (exit 3)\" || bad \"status after stop \$rc: \$out\"
  exit \$fail"
