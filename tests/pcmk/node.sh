# shellcheck shell=bash
# Run by tests/pcmk/cluster-test.sh inside a director's network namespace
# and a fresh mount + UTS namespace (unshare): gives the node private
# copies of everything Corosync and Pacemaker keep state in, starts them,
# and then stays as the node's handle (`sleep`), so the test can enter the
# namespaces again (nsenter -t PID) to run crm_mon, kill the daemons and
# start them again.
#
#   node.sh NAME W [ENGINE]
#       W: the test's work dir (export/, etc-ha.d/, sbin/, hosts, NAME/ for
#       this node's logs); ENGINE: pacemaker (default) or heartbeatd
set -eu
name=$1 W=$2 engine=${3:-pacemaker}
hostname "$name"
# tmpfs, not bind mounts of one dir: no node may see another's CIB,
# ring buffers, pid files or keys.
for d in /var/lib/pacemaker /var/lib/corosync /var/log/pacemaker /var/log/corosync \
    /run /dev/shm /etc/corosync /etc/ha.d; do
    mkdir -p "$d"
    mount -t tmpfs -o mode=0755 tmpfs "$d"
done
chmod 1777 /dev/shm
mount --bind "$W/hosts" /etc/hosts
# /usr/sbin/ldirectord-rs, the path the export names, without installing
# anything on the host: the built binary layered over the real /usr/sbin.
mount -t overlay overlay -o "lowerdir=$W/sbin:/usr/sbin" /usr/sbin
cp -a "$W/etc-ha.d/." /etc/ha.d/
if [ "$engine" = heartbeatd ]; then
    # The seed's ha.cf logs to /var/log/ha-log and ha-debug: this node's
    # own directory there, not the host's /var/log.
    mkdir -p "$W/$name/log"
    mount --bind "$W/$name/log" /var/log
    export LDIRECTORD_RS_IPVS=standin
    touch "$W/$name/ready"
    exec sleep infinity
fi
cp "$W/export/corosync.conf" "$W/export/authkey" /etc/corosync/
chmod 0400 /etc/corosync/authkey
mkdir -p /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox \
    /var/lib/pacemaker/cores /run/resource-agents
chown -R hacluster:haclient /var/lib/pacemaker /var/log/pacemaker
chmod 0750 /var/lib/pacemaker/cib /var/lib/pacemaker/pengine
# The agent's environment is execd's, which is pacemakerd's: this selects
# ldirectord-rs's in-process IPVS table (the host kernel has no IPVS).
export LDIRECTORD_RS_IPVS=standin
touch "$W/$name/ready" # the test starts the stack once this exists
exec sleep infinity
