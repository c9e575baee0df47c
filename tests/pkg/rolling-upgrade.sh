#!/bin/bash
# `make rolling-upgrade-test`: a rolling upgrade of a live legacy pair, on the
# seed topology (tests/demo/seed-topology.sh) in the IPVS VM, measured
# against the legacy's own handovers.
#
#   tests/pkg/rolling-upgrade.sh [baseline] [upgrade]     (default: both)
#
# Each director (MASTER, BACKUP) is a machine of its own: a network, mount,
# UTS and PID namespace whose root is an overlayfs (lower: the host's root as
# the VM sees it, read-only 9p, where Debian's heartbeat 3.0.6 and ldirectord
# 4.12 packages are installed; upper: a tmpfs), entered with chroot, with a
# fresh /run, /tmp, /var/log, /var/lib/heartbeat and /dev, its own hostname,
# /etc/hosts and syslogd, and the seed's ha.cf, haresources, authkeys and
# ldirectord.cf with DEMO_FAST's short timings. dpkg works there as on a
# real machine: its database is the host's, copied up on write.
# A client makes 20 requests/s (each a new TCP connection and an HTTP GET of
# http://VIP/ with a 1 s deadline; tests/pkg/http-load.py) to WEB1/WEB2
# through the VIP (LVS-DR) all along.
#
# Run "baseline" (the legacy pair only, nothing upgraded), then "upgrade", on
# the same topology and the same steps, each from a freshly booted legacy pair:
#   a  BACKUP: /etc/init.d/heartbeat restart
#      (upgrade: dpkg -i heartbeatd_*.deb ldirectord-rs_*.deb, then that)
#   b  MASTER: hb_standby (legacy's): the VIP and the table move to BACKUP
#   c  MASTER: /etc/init.d/heartbeat restart (upgrade: dpkg -i first)
#   d  auto_failback brings the VIP and the table home to MASTER
# A step's window runs from its command to the expected state (VIP, IPVS
# table, which daemon runs on each node: /proc/PID/exe) plus 3 s; its
# failed requests are those started in that window. The table (failed and
# total requests per step for both runs) is printed and written to
# target/pkg/rolling-upgrade.txt (after a failure, each node's ha-log of that
# run too: target/pkg/RUN-NODE-ha-log). Exit status 1 if an expected state is
# wrong or an upgrade step fails more requests than the baseline's same
# step + ROLLING_TOLERANCE (default 20 requests, i.e. 1 s of traffic: the
# seed's checkinterval=1 means a new director's ldirectord adds the reals
# up to one check interval later from one handover to the next, so two runs
# of the same daemons already differ by up to ~20 requests).
#
# Our packages: $ROLLING_DEBS (default target/deb), built by `make deb`.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
OUT=${CARGO_TARGET_DIR:-$root/target}/pkg
DEBS=${ROLLING_DEBS:-${CARGO_TARGET_DIR:-$root/target}/deb}
TOL=${ROLLING_TOLERANCE:-20}
RUNS=${*:-baseline upgrade}
if [[ ${HA_IN_VM:-} != 1 ]]; then
    mkdir -p "$OUT"
    exec "$root/tests/vm/run.sh" --timeout 2400 --mem 1G --smp "${ROLLING_SMP:-2}" --share-rw "$OUT" \
        --env ROLLING_DEBS="$DEBS" --env ROLLING_TOLERANCE="$TOL" --env ROLLING_DEBUG --env CI -- "$0" "$@"
fi

W=$(mktemp -d /tmp/rolling.XXXXXX)
export DEMO_FAST=1 SEED_HTTPD=busybox
# shellcheck source=tests/demo/seed-topology.sh
source "$root/tests/demo/seed-topology.sh"
NODES=(master backup)
RATE=20
SETTLE=3
CLIENT=""
# KEEPER_master, KEEPER_backup: see keeper().

# shellcheck disable=SC2317 # (the EXIT trap)
cleanup() {
    exec 2>/dev/null
    stop_run
    seed_cleanup
    rm -rf --one-file-system "$W"
}
trap cleanup EXIT

for r in $RUNS; do
    case $r in baseline | upgrade) ;; *) echo "usage: $0 [baseline] [upgrade]" >&2; exit 2 ;; esac
done
HB_DEB=$(find "$DEBS" -maxdepth 1 -name "heartbeatd_*_amd64.deb" 2>/dev/null | sort -V | tail -n 1)
LD_DEB=$(find "$DEBS" -maxdepth 1 -name "ldirectord-rs_*_amd64.deb" 2>/dev/null | sort -V | tail -n 1)
if [[ " $RUNS " == *" upgrade "* ]] && [[ -z $HB_DEB || -z $LD_DEB ]]; then
    echo "rolling-upgrade: no heartbeatd_*_amd64.deb and ldirectord-rs_*_amd64.deb in $DEBS (run make deb)" >&2
    exit 1
fi
for t in /usr/libexec/heartbeat/heartbeat /usr/sbin/ldirectord /etc/init.d/heartbeat /usr/share/heartbeat/hb_standby; do
    [ -x $t ] || { echo "rolling-upgrade: $t missing: install Debian's heartbeat and ldirectord" >&2; exit 1; }
done
modprobe overlay || { echo "rolling-upgrade: no overlayfs" >&2; exit 1; }

# --- a director: its own root, namespaces, names, syslogd ----------------------
# shellcheck source=tests/pkg/legacy-node.sh
source "$here/legacy-node.sh"

# --- observing --------------------------------------------------------------------
# daemons: "master hb=KIND:PID:EXE ld=... / backup ..." (tests/pkg/node-procs.py)
daemons() { python3 "$here/node-procs.py" "$W" "${NODES[@]}"; }
kind() { # node hb|ld (from $DAEMONS): legacy, ours or none
    awk -v n="$1" -v w="$2=" '$1 == n { for (i = 2; i <= NF; i++) if (index($i, w) == 1) { s = substr($i, length(w) + 1); sub(/:.*/, "", s); print s } }' <<<"$DAEMONS"
}
# The seed's virtual service with both reals, by direct routing.
has_table() { # ns
    local t; t=$(table "$1")
    grep -q "^TCP  $SEED_VIP:80 rr" <<<"$t" &&
        [ "$(grep -c '^  -> 192.168.72.\(9\|10\):80 *Route ' <<<"$t")" = 2 ]
}
holders() { # vip_on|has_table: the nodes where it holds
    local d h=""
    for d in "${NODES[@]}"; do "$1" "$d" && h="$h${h:+,}${d^^}"; done
    echo "${h:-none}"
}
no_table() { ! table "$1" | grep -q "^TCP  $SEED_VIP:80"; }
serving() { # node: the VIP and the table there, nothing on the other
    local o=master; [ "$1" = master ] && o=backup
    vip_on "$1" && ! vip_on $o && has_table "$1" && no_table $o
}
# cl_status on NODE (that node's own: the legacy's, or ours after the upgrade)
# says PEER is active.
# shellcheck disable=SC2317 # (called through waitfor's eval)
sees() { [ "$(in_node "$1" cl_status nodestatus "$2" 2>/dev/null)" = active ]; }
# shellcheck disable=SC2317
joined() { sees master backup && sees backup master; }
# MASTER logs "remote resource transition completed." when a peer that
# (re)joined reports its resources stable. A standby asked before that is
# ignored by the peer as "in flux" and cancelled after 10 s, by 3.0.6 and
# heartbeatd alike (both seen with tests/hb/lab.sh: hb_standby on a legacy
# master at once after its peer's restart moved nothing), so step b waits
# for it, as an operator watching the log would.
transitions() { grep -c 'remote resource transition completed' "$(node_file master /var/log/ha-log)" 2>/dev/null; }

mark() { date +%s.%N; }
# failures LOG FROM TO: "FAILED TOTAL" of the requests started in [FROM, TO)
failures() {
    awk -v a="$2" -v b="$3" '$1 >= a && $1 < b { n++; if ($2 != "ok") f++ } END { printf "%d %d\n", f, n }' "$1"
}

# --- one run: a fresh legacy pair, the client, the four steps -------------------
STEPS="steady a b c d"
step_title() {
    case $1 in
        steady) echo "steady state before the steps (10 s)" ;;
        a) echo "a BACKUP: init.d/heartbeat restart (upgrade: dpkg -i first)" ;;
        b) echo "b MASTER: hb_standby, VIP+table -> BACKUP" ;;
        c) echo "c MASTER: init.d/heartbeat restart (upgrade: dpkg -i first)" ;;
        d) echo "d auto_failback, VIP+table -> MASTER" ;;
    esac
}

stop_run() {
    [ -n "$CLIENT" ] && kill -TERM "$CLIENT" 2>/dev/null && wait "$CLIENT" 2>/dev/null
    CLIENT=""
    local d
    for d in "${NODES[@]}"; do [ -n "$(keeper "$d")" ] && director_down "$d"; done
    return 0
}

# expect RUN STEP WHO-SERVES HB_MASTER HB_BACKUP LD_HOLDER: the state after a
# step; records it for the report.
expect() {
    local run=$1 step=$2 who=$3 want_m=$4 want_b=$5 want_ld=$6 other=master ok=1
    [ "$who" = master ] && other=backup
    DAEMONS=$(daemons)
    local got_m got_b got_ld got_ld_other
    got_m=$(kind master hb); got_b=$(kind backup hb); got_ld=$(kind "$who" ld); got_ld_other=$(kind $other ld)
    serving "$who" || { say "FAIL [$run $step] the VIP and the table are not (only) on ${who^^}"; ok=0; }
    [ "$got_m" = "$want_m" ] || { say "FAIL [$run $step] MASTER runs heartbeat '$got_m', want '$want_m'"; ok=0; }
    [ "$got_b" = "$want_b" ] || { say "FAIL [$run $step] BACKUP runs heartbeat '$got_b', want '$want_b'"; ok=0; }
    [ "$got_ld" = "$want_ld" ] || { say "FAIL [$run $step] ${who^^} runs ldirectord '$got_ld', want '$want_ld'"; ok=0; }
    [ "$got_ld_other" = none ] || { say "FAIL [$run $step] ${other^^} still runs ldirectord ($got_ld_other)"; ok=0; }
    echo "$run $step: VIP on $(holders vip_on), table on $(holders has_table); heartbeat: MASTER $got_m, BACKUP $got_b; ldirectord: MASTER $(kind master ld), BACKUP $(kind backup ld)" >>"$W/states"
    while read -r l; do echo "    $run $step: $l"; done <<<"$DAEMONS" >>"$W/states"
    if [ $ok = 1 ]; then say "OK   [$run $step] VIP+table on ${who^^}; heartbeat: MASTER $got_m, BACKUP $got_b; ldirectord $got_ld"
    else fail=1; fi
}

wait_settled() { # node: waits for the state, then SETTLE seconds
    waitfor 180 "serving $1" || say "(the VIP and the table did not settle on ${1^^} within 180 s)"
    sleep $SETTLE
}

dump_logs() {
    local d
    for d in "${NODES[@]}"; do
        [ -n "$(keeper "$d")" ] || continue
        echo "== ${d^^} ha-log (tail)"; tail -n 25 "$(node_file "$d" /var/log/ha-log)" 2>/dev/null
        echo "== ${d^^} syslog (tail)"; tail -n 15 "$(node_file "$d" /var/log/syslog)" 2>/dev/null
    done
}

one_run() { # baseline|upgrade: the run, then its directors and client removed
    run_steps "$1"
    if [ "$fail" != 0 ]; then
        dump_logs
        # The whole logs, for what the tails do not show.
        local d
        for d in "${NODES[@]}"; do
            [ -n "$(keeper "$d")" ] || continue
            mkdir -p "$OUT" && cp "$(node_file "$d" /var/log/ha-log)" "$OUT/$1-$d-ha-log" 2>/dev/null
        done
    fi
    stop_run
}

run_steps() { # baseline|upgrade
    local run=$1 t s e new
    say "=== $run: a legacy heartbeat 3.0.6 + ldirectord pair on the seed topology"
    if ! director_up master || ! director_up backup; then
        say "FAIL [$run] directors' roots"; cat "$W"/*/keeper.out 2>/dev/null; fail=1; return
    fi
    # Both boot at once, as after a power cut.
    in_node master /etc/init.d/heartbeat start >"$W/master/start.out" 2>&1 &
    t=$!
    in_node backup /etc/init.d/heartbeat start >"$W/backup/start.out" 2>&1
    wait $t
    if ! waitfor 240 "serving master" || ! waitfor 60 joined; then
        say "FAIL [$run] the legacy pair never came up (MASTER serving, both joined)"; fail=1; return
    fi
    say "legacy pair up; client: $RATE requests/s through the VIP (1 s deadline each)"
    : >"$W/$run.log"
    ip netns exec client python3 "$here/http-load.py" "$SEED_VIP" 80 $RATE 1 "$W/$run.log" &
    CLIENT=$!
    s=$(mark); sleep 10; e=$(mark); echo "$run steady $s $e" >>"$W/windows"
    [ -n "${ROLLING_DEBUG:-}" ] && top -b -n 2 -d 5 | awk '/^top/ {n++} n == 2' | head -n 20
    expect "$run" steady master legacy legacy legacy

    # a: BACKUP (upgrade: install our packages there first), restart heartbeat.
    s=$(mark)
    new=legacy
    if [ "$run" = upgrade ]; then
        new=ours
        say "[$run a] BACKUP: dpkg -i $(basename "$HB_DEB") $(basename "$LD_DEB")"
        in_node backup dpkg -i "$HB_DEB" "$LD_DEB" >"$W/backup/dpkg.out" 2>&1 ||
            { say "FAIL [$run a] dpkg -i on BACKUP"; tail -n 20 "$W/backup/dpkg.out"; fail=1; }
    fi
    say "[$run a] BACKUP: /etc/init.d/heartbeat restart"
    local settled
    settled=$(transitions)
    in_node backup /etc/init.d/heartbeat restart >"$W/backup/restart.out" 2>&1
    waitfor 60 joined || say "(the nodes did not see each other again within 60 s)"
    waitfor 60 "[ \"\$(transitions)\" -gt $settled ]" ||
        say "(MASTER never saw BACKUP's resources stable after its restart)"
    wait_settled master
    e=$(mark); echo "$run a $s $e" >>"$W/windows"
    expect "$run" a master legacy $new legacy

    # b: hb_standby on MASTER (the legacy's command): everything to BACKUP.
    s=$(mark)
    say "[$run b] MASTER: hb_standby"
    in_node master /usr/share/heartbeat/hb_standby >"$W/master/standby.out" 2>&1
    wait_settled backup
    e=$(mark); echo "$run b $s $e" >>"$W/windows"
    expect "$run" b backup legacy $new $new

    # c: MASTER (upgrade: install first), restart heartbeat; its start ends
    # the step. d: auto_failback brings the group home.
    s=$(mark)
    if [ "$run" = upgrade ]; then
        say "[$run c] MASTER: dpkg -i $(basename "$HB_DEB") $(basename "$LD_DEB")"
        in_node master dpkg -i "$HB_DEB" "$LD_DEB" >"$W/master/dpkg.out" 2>&1 ||
            { say "FAIL [$run c] dpkg -i on MASTER"; tail -n 20 "$W/master/dpkg.out"; fail=1; }
    fi
    say "[$run c] MASTER: /etc/init.d/heartbeat restart"
    in_node master /etc/init.d/heartbeat restart >"$W/master/restart.out" 2>&1
    e=$(mark); echo "$run c $s $e" >>"$W/windows"
    s=$e
    wait_settled master
    waitfor 30 joined || say "(the nodes do not see each other)"
    e=$(mark); echo "$run d $s $e" >>"$W/windows"
    expect "$run" d master $new $new $new

    kill -TERM "$CLIENT" 2>/dev/null; wait "$CLIENT" 2>/dev/null; CLIENT=""
}

say "seed topology: client, MASTER, BACKUP, WEB1, WEB2, gateway (ha.cf: keepalive 1, deadtime 5, initdead 10)"
seed_network
seed_serve web1; seed_serve web2
check "the gateway answers pings from MASTER, BACKUP and the client" \
    "reaches master 192.168.72.1 && reaches backup 192.168.72.1 && reaches client 192.168.72.1"
: >"$W/windows"; : >"$W/states"
for r in $RUNS; do one_run "$r"; done

# --- the report --------------------------------------------------------------------
window() { awk -v r="$1" -v s="$2" '$1 == r && $2 == s {print $3, $4}' "$W/windows"; } # run step
cell() { # run step: "FAILED/TOTAL" or "-"
    local w
    w=$(window "$1" "$2")
    if [ -z "$w" ] || [ ! -s "$W/$1.log" ]; then echo "-"; return; fi
    # shellcheck disable=SC2086
    failures "$W/$1.log" $w | awk '{print $1 "/" $2}'
}
detail() { # run step: the window's length and its failures by kind
    local w
    w=$(window "$1" "$2")
    [ -n "$w" ] && [ -s "$W/$1.log" ] || return 0
    # shellcheck disable=SC2086
    set -- "$1" "$2" $w
    awk -v a="$3" -v b="$4" -v t="$1 $2" '$1 >= a && $1 < b && $2 != "ok" { k[$3]++ }
        END { printf "    %-10s window %5.1f s, failures:", t, b - a; n = 0
              for (x in k) { printf " %s %d", x, k[x]; n++ } if (!n) printf " none"; print "" }' "$W/$1.log"
}
{
    echo "rolling upgrade of the seed pair (legacy heartbeat 3.0.6 + ldirectord 4.12 -> heartbeatd + ldirectord-rs)"
    echo "client: $RATE requests/s through the VIP, 1 s deadline each; cells: failed/total requests started in the step's window"
    echo "tolerance: an upgrade step may fail at most the baseline's same step + $TOL requests"
    printf '%-64s | %-20s | %-16s\n' "step" "legacy-only failed" "upgrade failed"
    for st in $STEPS; do
        printf '%-64s | %-20s | %-16s\n' "$(step_title "$st")" "$(cell baseline "$st")" "$(cell upgrade "$st")"
    done
    echo
    echo "windows and failures by kind (timeout: no answer within 1 s; errno:111: refused, i.e. no IPVS service or a dead real):"
    for r in $RUNS; do for st in $STEPS; do detail "$r" "$st"; done; done
    echo
    echo "state after each step (/proc/PID/exe inside each director):"
    cat "$W/states"
} >"$W/report"
echo; cat "$W/report"
mkdir -p "$OUT" && cp "$W/report" "$OUT/rolling-upgrade.txt"

if [[ " $RUNS " == *" baseline "* && " $RUNS " == *" upgrade "* ]]; then
    for st in $STEPS; do
        b=$(cell baseline "$st"); u=$(cell upgrade "$st")
        if [ "$b" = - ] || [ "$u" = - ]; then say "FAIL step $st: no measurement"; fail=1; continue; fi
        if [ "${u%/*}" -gt $((${b%/*} + TOL)) ]; then
            say "FAIL step $st: the upgrade failed ${u%/*} requests, the legacy's own handover ${b%/*} (+$TOL allowed)"; fail=1
        else
            say "OK   step $st: upgrade ${u%/*} failed requests, legacy-only ${b%/*} (+$TOL allowed)"
        fi
    done
fi
echo
if [ "$fail" = 0 ]; then say "rolling upgrade: every step as expected"; else say "rolling upgrade FAILED"; fi
exit "$fail"
