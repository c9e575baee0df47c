#!/bin/bash
# Runs inside the throwaway Debian 12 root of package-test.sh, as MASTER of
# the seed topology (eth0 192.168.72.2, eth1 192.168.1.2). Prints PASS/FAIL
# lines; exits 1 if any check failed.
set -u
fail=0
ok() { echo "PASS $*"; }
bad() { echo "FAIL $*"; fail=1; }
# check WHAT COMMAND...: PASS if COMMAND succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; return 1; fi
}
# like STRING GLOB: STRING matches the shell pattern GLOB.
like() {
    # shellcheck disable=SC2053
    [[ $1 == $2 ]]
}
# The kernel of the test machine has no IPVS: ldirectord-rs keeps its table
# in its own process (the legacy ldirectord is only asked for its status).
export LDIRECTORD_RS_IPVS=standin
PKG=/root/pkg
# What a booted system's tmpfiles would have made.
mkdir -p /run/lock /run/resource-agents /var/run/heartbeat /var/lib/heartbeat/rsctmp
# The seed logs to syslog (local0): a syslog daemon for the root's /dev/log.
busybox syslogd -O /var/log/syslog

# --- the operator's legacy cluster, configured with the seed's files ---
cp "$PKG"/seed/ha.cf "$PKG"/seed/haresources "$PKG"/seed/ldirectord.cf /etc/ha.d/
install -m 0600 "$PKG"/seed/authkeys /etc/ha.d/authkeys
# Debian 12 moved ipfail from the seed's /usr/lib/heartbeat to /usr/libexec.
sed -i 's|/usr/lib/heartbeat/ipfail|/usr/libexec/heartbeat/ipfail|' /etc/ha.d/ha.cf
echo 'CONFIG_FILE=/etc/ha.d/ldirectord.cf' >> /etc/default/ldirectord

# A fingerprint of /etc/ha.d: every file's content and every link's target.
ha_d_state() {
    find /etc/ha.d -xdev \( -type f -printf '%p %m ' -exec sha256sum {} \; \) \
        -o \( -type l -printf '%p -> %l\n' \) | sort
}
ha_d_state > /root/ha.d.before

# The process a pid file names, as "EXE CMDLINE".
# The pid a pid file holds (3.0.6 pads it with spaces).
pid_in() { tr -d ' \n' < "$1" 2>/dev/null; }
proc_of() {
    local pid
    pid=$(pid_in "$1") || return 1
    echo "$(readlink "/proc/$pid/exe") $(tr '\0' ' ' < "/proc/$pid/cmdline")"
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
    local n=$(($1 * 10))
    shift
    while ((n-- > 0)); do "$@" && return 0; sleep 0.1; done
    return 1
}
is_legacy_heartbeat() { [[ $(proc_of /var/run/heartbeat.pid) == /usr/libexec/heartbeat/heartbeat\ * ]]; }
is_our_heartbeat() { [[ $(proc_of /var/run/heartbeat.pid) == /usr/sbin/heartbeatd\ * ]]; }
no_heartbeat() { ! kill -0 "$(pid_in /var/run/heartbeat.pid)" 2>/dev/null; }

# (3.0.6's own cl_status said "Heartbeat is stopped" for the first 10 s of a
# node started with the seed's files, initdead 120; `heartbeat -s` answers.)
legacy_status() { /etc/init.d/heartbeat status 2>&1 | grep -q "heartbeat OK .* is running on master"; }
legacy_is_back() {
    local stage=$1 v
    v=$(/usr/libexec/heartbeat/heartbeat -V 2>&1)
    check "$stage: /usr/libexec/heartbeat/heartbeat is 3.0.6 again ($v)" [ "${v%% *}" = 3.0.6 ]
    check "$stage: /usr/sbin/ldirectord is the Perl script again" \
        grep -q '^#!.*perl' /usr/sbin/ldirectord
    check "$stage: no diversions left" [ -z "$(dpkg-divert --list | grep -E 'heartbeatd|ldirectord-rs')" ]
    # Conffiles (" c ") differ: the operator's seed files are in /etc/ha.d.
    check "$stage: dpkg --verify heartbeat ldirectord (legacy files intact)" \
        [ -z "$(dpkg --verify heartbeat ldirectord 2>&1 | grep -v '^.........  *c ')" ]
    ha_d_state > /root/ha.d.now
    check "$stage: /etc/ha.d untouched" cmp -s /root/ha.d.before /root/ha.d.now
    /etc/init.d/heartbeat start > /root/start.out 2>&1
    check "$stage: Debian's /etc/init.d/heartbeat starts the legacy heartbeat" \
        wait_for 20 is_legacy_heartbeat || { cat /root/start.out; tail -5 /var/log/ha-log; }
    check "$stage: /etc/init.d/heartbeat status (heartbeat -s, the legacy)" wait_for 10 legacy_status ||
        /etc/init.d/heartbeat status
    /etc/init.d/heartbeat stop > /dev/null 2>&1
    check "$stage: /etc/init.d/heartbeat stop stops it" wait_for 30 no_heartbeat
    out=$(/usr/sbin/ldirectord /etc/ha.d/ldirectord.cf status 2>&1)
    check "$stage: legacy ldirectord status: $out" [ "$out" = "ldirectord is stopped for /etc/ha.d/ldirectord.cf" ]
}

# --- 0: the legacy, before ---
legacy_is_back "legacy before"

# --- 1: install ours ---
if apt-get install -y -q "$PKG"/heartbeatd_*.deb "$PKG"/ldirectord-rs_*.deb > /root/apt.out 2>&1; then
    ok "apt install ./heartbeatd_*.deb ./ldirectord-rs_*.deb"
else
    bad "apt install: $(tail -5 /root/apt.out)"
fi
dpkg-divert --list | grep -E 'heartbeatd|ldirectord-rs' | sed 's/^/  /'
ha_d_state > /root/ha.d.now
check "installed: /etc/ha.d untouched" cmp -s /root/ha.d.before /root/ha.d.now
check "installed: legacy packages still installed" \
    bash -c 'dpkg -s heartbeat ldirectord | grep -c "Status: install ok installed" | grep -qx 2'

# --- 2: the names run ours ---
v=$(/usr/libexec/heartbeat/heartbeat -V 2>&1)
check "heartbeat's daemon path runs heartbeatd ($v)" like "$v" 'heartbeatd *'
v=$(/usr/sbin/ldirectord -v 2>&1 | head -1)
check "/usr/sbin/ldirectord runs ldirectord-rs ($v)" like "$v" 'ldirectord-rs *'
v=$(/etc/ha.d/resource.d/ldirectord -v 2>&1 | head -1)
check "resource.d/ldirectord runs ldirectord-rs ($v)" like "$v" 'ldirectord-rs *'
for n in /usr/bin/cl_status /usr/share/heartbeat/hb_standby /usr/share/heartbeat/hb_takeover; do
    check "$n is heartbeatd" [ "$(readlink -f $n)" = /usr/sbin/heartbeatd ]
done
check "heartbeat.service's ExecStart is heartbeatd" \
    [ "$(readlink -f "$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' /lib/systemd/system/heartbeat.service)")" = /usr/sbin/heartbeatd ]
check "ldirectord.service's ExecStart is ldirectord-rs" \
    [ "$(readlink -f "$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' /lib/systemd/system/ldirectord.service)")" = /usr/sbin/ldirectord-rs ]
/usr/libexec/heartbeat/heartbeat -t > /root/t.out 2>&1
check "heartbeat -t accepts the seed's files ($(grep -c . /root/t.out) lines)" [ $? = 0 ]
/usr/sbin/ldirectord -t /etc/ha.d/ldirectord.cf > /root/t.out 2>&1
check "ldirectord -t accepts the seed's ldirectord.cf" [ $? = 0 ]

# Debian's init script, then `service`, each start -> status -> operator
# commands -> stop.
for how in "/etc/init.d/heartbeat" "service heartbeat"; do
    $how start > /root/start.out 2>&1
    check "$how start runs heartbeatd" wait_for 10 is_our_heartbeat
    out=$($how status 2>&1)
    # Node names are lower case, as 3.0.6 keeps them.
    check "$how status: $out" like "$out" '*is running on master*'
    out=$(cl_status hbstatus 2>&1)
    check "cl_status hbstatus: $out" [ "$out" = "Heartbeat is running on this machine." ]
    out=$(cl_status listnodes 2>&1 | sort | tr '\n' ' ')
    # The ping node is a node too, as 3.0.6 lists it.
    check "cl_status listnodes: $out" [ "$out" = "192.168.72.1 backup master " ]
    $how stop > /dev/null 2>&1
    check "$how stop stops it" wait_for 60 no_heartbeat
done

# The systemd units' own command lines, run as systemd runs them (there is
# no systemd in this root): heartbeat.service is Type=simple with -f.
/usr/libexec/heartbeat/heartbeat -f > /root/fg.out 2>&1 &
fg=$!
check "heartbeat.service's ExecStart (-f) runs heartbeatd in the foreground" \
    wait_for 10 bash -c "[ \"\$(readlink /proc/$fg/exe)\" = /usr/sbin/heartbeatd ] && [ \"\$(cat /var/run/heartbeat.pid 2>/dev/null)\" = $fg ]"
/usr/libexec/heartbeat/heartbeat -k > /dev/null 2>&1
check "heartbeat.service's ExecStop (-k) ends it" wait_for 60 bash -c "! kill -0 $fg 2>/dev/null"
wait "$fg" 2>/dev/null

# ldirectord: Debian's init script, ldirectord.service's command line, and
# resource.d/ldirectord as haresources calls it. Each keeps the legacy's
# argv (Pacemaker's agent and scripts find it with pgrep -f).
ld_pid_ours() {
    [[ $(proc_of "$1") == /usr/sbin/ldirectord-rs\ * ]]
}
for how in "/etc/init.d/ldirectord|/var/run/ldirectord.ldirectord.cf.pid|/usr/sbin/ldirectord /etc/ha.d/ldirectord.cf start" \
           "/usr/sbin/ldirectord|/run/ldirectord.ldirectord.pid|/usr/sbin/ldirectord start" \
           "/etc/ha.d/resource.d/ldirectord ldirectord.cf|/var/run/ldirectord.ldirectord.cf.pid|/etc/ha.d/resource.d/ldirectord ldirectord.cf start"; do
    IFS='|' read -r cmd pidfile argv <<< "$how"
    $cmd start > /root/ld.out 2>&1
    check "$cmd start runs ldirectord-rs (pid file $pidfile)" wait_for 10 ld_pid_ours "$pidfile"
    got=$(proc_of "$pidfile" | cut -d' ' -f2- | sed 's/ $//')
    check "... with the legacy's argv: '$got'" [ "$got" = "$argv" ]
    check "... pgrep -f finds it" bash -c "pgrep -f '^$argv\$' > /dev/null"
    out=$($cmd status 2>&1)
    check "$cmd status: $out" like "$out" '*ldirectord for * is running with pid: *'
    $cmd stop > /dev/null 2>&1
    check "$cmd stop stops it" wait_for 20 bash -c "[ ! -e $pidfile ]"
done

# A resource group through heartbeatd: native IPaddr, a resource.d script of
# the legacy package heartbeatd does not run natively (Delay), and
# ldirectord-rs through resource.d/ldirectord. Short timings so the lone
# node takes its group at once; the seed's files are put back after.
cp -a /etc/ha.d /root/ha.d.seed
sed -i -e 's/^keepalive .*/keepalive 1/' -e 's/^deadtime .*/deadtime 3/' \
    -e 's/^warntime .*/warntime 2/' -e 's/^initdead .*/initdead 3/' /etc/ha.d/ha.cf
echo "MASTER IPaddr::192.168.72.8/24/eth0 Delay::1::0 ldirectord::ldirectord.cf" > /etc/ha.d/haresources
vip_up() { ip -4 addr show dev eth0 | grep -q '192.168.72.8/'; }
ld_up() { ld_pid_ours /var/run/ldirectord.ldirectord.cf.pid; }
# Delay's start leaves its tracking file, its stop removes it (its status
# sleeps 30 s, so it is not polled).
delay_up() { compgen -G '/run/resource-agents/Delay*' > /dev/null; }
ld_down() { ! ld_up; }
group_down() { ! delay_up && ! vip_up; }
/etc/init.d/heartbeat start > /dev/null 2>&1
check "group: the VIP is up (native IPaddr)" wait_for 30 vip_up
check "group: Delay (the legacy's resource.d script) started" wait_for 30 delay_up
check "group: ldirectord-rs runs (resource.d/ldirectord)" wait_for 30 ld_up
/etc/init.d/heartbeat stop > /dev/null 2>&1
check "group: stop releases ldirectord-rs" wait_for 60 ld_down
check "group: stop releases Delay and the VIP" group_down
grep -E 'Running /etc/ha.d/resource.d/(Delay|ldirectord)' /var/log/ha-log | sed 's/^/  /'
rm -rf /etc/ha.d && cp -a /root/ha.d.seed /etc/ha.d

# --- 3: remove gives the legacy back ---
apt-get remove -y -q heartbeatd ldirectord-rs > /root/apt.out 2>&1 ||
    bad "apt remove: $(tail -5 /root/apt.out)"
legacy_is_back "after apt remove"
check "after apt remove: our init scripts stay as conffiles until purge" [ -e /etc/init.d/heartbeatd ]

# --- 4: purge ---
apt-get install -y -q "$PKG"/heartbeatd_*.deb "$PKG"/ldirectord-rs_*.deb > /root/apt.out 2>&1 ||
    bad "apt install again: $(tail -5 /root/apt.out)"
v=$(/usr/sbin/ldirectord -v 2>&1 | head -1)
check "installed again: /usr/sbin/ldirectord runs ldirectord-rs" like "$v" 'ldirectord-rs *'
apt-get purge -y -q heartbeatd ldirectord-rs > /root/apt.out 2>&1 ||
    bad "apt purge: $(tail -5 /root/apt.out)"
legacy_is_back "after apt purge"
check "after apt purge: nothing of ours is left" \
    bash -c '[ ! -e /etc/init.d/heartbeatd ] && [ ! -e /etc/init.d/ldirectord-rs ] && [ ! -e /usr/sbin/heartbeatd ] && ! dpkg -l heartbeatd ldirectord-rs 2>/dev/null | grep -q "^[ir]"'

exit $fail
