#!/bin/bash
# `make bench-conn-survival`: do long-lived connections through the VIP
# survive the death of MASTER? A benchmark (prints figures, judges nothing),
# run in the IPVS VM on the seed topology (tests/demo/seed-topology.sh):
#
#   client --- LAN --- MASTER / BACKUP (heartbeatd + ldirectord-rs, DEMO_FAST
#                      timings but deadtime 10 s) --- WEB1 / WEB2 (LVS-DR)
#
# WEB1 and WEB2 run conn_echo's server (crates/ipvs/examples/conn_echo.rs) (echoes lines; answers
# ldirectord's HTTP check). The client opens $CONN_N (200) connections to
# VIP:80, each sending a line every 100 ms and reading the echoes. After a
# warm-up, every process of MASTER is killed with SIGKILL (heartbeatd first)
# and its links go down; BACKUP takes the VIP over. Per connection we
# record when echoes arrived and whether it was reset, and print how many
# connections were working (an echo in the second before) 10, 20 and 30 s
# after the kill, and how many were reset; while BACKUP takes over, the
# states of the connection entries its IPVS holds, once a second or so.
#
#   benches/conn-survival.sh [sync] [nosync] [legacy-sync] [legacy-nosync]
#                                                   (default: sync nosync)
#
#   sync    `ldirectord-rs ipvs --start-daemon master` on MASTER and
#           `--start-daemon backup` on BACKUP (over eth1, the heartbeat link)
#           before heartbeatd starts: BACKUP's IPVS knows MASTER's
#           connections and keeps forwarding them to the same real server.
#   nosync  no sync daemon: BACKUP's IPVS has never seen these connections;
#           a packet of one reaches BACKUP's own stack (it holds the VIP),
#           which answers with a reset.
#   legacy-sync, legacy-nosync
#           the same with the legacy pair instead: Debian's heartbeat 3.0.6
#           (/etc/init.d/heartbeat start) with ldirectord 4.12 as its
#           resource, each director a machine of its own
#           (tests/pkg/legacy-node.sh, as the rolling-upgrade test runs
#           them), and `ipvsadm --start-daemon` for the sync daemon.
#
# Why not just "at +10 s": a client whose packets go unanswered backs off
# its retransmissions (0.2, 0.4, 0.8 ... s), and in the emulated VM BACKUP
# holds the VIP only 12-13 s after the kill (deadtime 10 s), so a surviving
# connection may resume at the retransmission due ~25 s after the kill. The
# later counts say whether a connection survived; the +10 s one how soon.
# CONN_ORDER=table-first puts ldirectord before IPaddr in haresources, so
# a director that takes over has the virtual service (and its IPVS the
# synced entries' service) before it holds the VIP; by default the seed's
# order, VIP first: a packet that reaches BACKUP between the two goes to
# its own TCP stack, which resets the connection.
# CONN_AFTER (default 40) sets how long the client goes on after the kill
# ("at end": working half a second before it stops): the legacy pair took
# the VIP over only after some 90 s in the emulated VM.
# CONN_DEADTIME sets ha.cf's deadtime (default 10; DEMO_FAST's 5 split the
# pair's brain under this load), CONN_DEBUG=1 prints BACKUP's ha-log and
# ldirectord log.
#
# Needs target/debug/{heartbeatd,ldirectord-rs} (make build),
# target/debug/examples/conn_echo and the VM (make vm-initramfs); each mode
# boots a VM of its own, so nothing of one run is left for the next.
# CONN_N changes the number of connections.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
MODES=${*:-sync nosync}
N=${CONN_N:-200}
if [[ ${HA_IN_VM:-} != 1 ]]; then
    log=$(mktemp /tmp/conn-survival.XXXXXX)
    for m in $MODES; do
        "$root/tests/vm/run.sh" --timeout 900 --mem 1G --smp "${CONN_SMP:-2}" \
            --env CONN_N --env CONN_DEBUG --env CONN_DEADTIME --env CONN_ORDER --env CONN_AFTER -- "$here/conn-survival.sh" "$m" 2>&1 | tee -a "$log"
    done
    echo
    echo "connection survival: $N connections through the VIP, MASTER killed (heartbeatd + ldirectord-rs, deadtime ${CONN_DEADTIME:-10} s)"
    echo "mode          | order       | estab.  | at kill | VIP on BACKUP | service there | +10 s | +20 s | +30 s | at end | how they ended"
    sed -n 's/^RESULT //p' "$log"
    rm -f "$log"
    exit 0
fi

export DEMO_FAST=1
BIN=$root/target/debug
ECHO=$BIN/examples/conn_echo
WARM=10   # s from the client's start to the kill: connect, sync, settle (at least)
AFTER=${CONN_AFTER:-40}  # s the client goes on after the kill
DEADTIME=${CONN_DEADTIME:-10}
ORDER=${CONN_ORDER:-vip-first}
for b in "$BIN/heartbeatd" "$BIN/ldirectord-rs" "$ECHO"; do
    [ -x "$b" ] || { echo "conn-survival: $b missing: make bench-conn-survival builds it" >&2; exit 1; }
done
W=/nonexistent
# shellcheck source=tests/demo/seed-topology.sh
source "$root/tests/demo/seed-topology.sh"
# shellcheck source=tests/pkg/legacy-node.sh
source "$root/tests/pkg/legacy-node.sh"
trap 'exec 2>/dev/null; seed_cleanup; wait' EXIT

director() { # name: heartbeatd in the director's own mount + UTS namespaces
    local d=$1
    ip netns exec "$d" unshare --mount --uts sh -c "
        mount --make-rprivate /
        mount --bind $W/$d/ha.d /etc/ha.d
        mount --bind $W/$d/log /var/log
        mount --bind $W/$d/state /var/lib
        mount -t tmpfs run /run
        mkdir -p /run/heartbeat/rsctmp /run/resource-agents /run/lock
        hostname $d
        exec $BIN/heartbeatd -f" >"$W/$d/heartbeatd.out" 2>&1 &
    # unshare and sh exec: $! is heartbeatd itself.
    eval "HBPID_$d=$!"; PIDS="$PIDS $!"
}

# CONN_DEBUG: once a second from the kill on, what BACKUP's IPVS holds (the
# service, its reals, the connection entries' states), the resets BACKUP's
# own stack sent, and the client's sockets (TCP states; retransmission
# backoff and timeout, as ss shows them).
sampler() { # t_kill
    local t_kill=$1 end=$(($(date +%s) + AFTER + 5))
    while [ "$(date +%s)" -lt "$end" ]; do
        {
            echo "== +$(since "$t_kill") s"
            echo "backup table: $(table backup | grep -E '^(TCP|  ->)' | tr -s ' ' | tr '\n' ';')"
            echo "backup entries: $(ip netns exec backup ipvsadm -Lnc 2>/dev/null | awk -v v="$SEED_VIP:80" '$5 == v {print $3 "->" $6}' | sort | uniq -c | tr -s ' \n' ' ')"
            echo "backup resets sent (TcpOutRsts): $(ip netns exec backup nstat -az TcpOutRsts 2>/dev/null | awk '$1 == "TcpOutRsts" {print $2}')"
            echo "client sockets: $(ip netns exec client ss -tanH dst "$SEED_VIP" 2>/dev/null | awk '{print $1}' | sort | uniq -c | tr -s ' \n' ' ')"
            echo "client backoff/rto: $(ip netns exec client ss -taniH dst "$SEED_VIP" 2>/dev/null | grep -o 'backoff:[0-9]*\|rto:[0-9.]*' | sort | uniq -c | sort -rn | head -8 | tr -s ' \n' ' ')"
        } >>"$W/debug.log" 2>&1
        sleep 1
    done
}

# logdir NODE: that director's /var/log, ours (bind-mounted) or the legacy's.
logdir() { if [ "$ENGINE" = legacy ]; then node_file "$1" /var/log; else echo "$W/$1/log"; fi; }

# synced NS: the connection entries NS's IPVS holds for the VIP.
synced() { ip netns exec "$1" "$BIN/ldirectord-rs" ipvs -Lnc | grep -c " $SEED_VIP:80 "; }

run() { # mode
    local mode=$1 d t_kill t_vip t_svc p hares
    ENGINE=ours
    [[ $mode == legacy-* ]] && ENGINE=legacy
    W=$(mktemp -d /tmp/conn-survival.XXXXXX)
    PIDS=""
    seed_network
    for d in web1 web2; do
        ip netns exec $d "$ECHO" serve 80 >/dev/null 2>&1 &
        PIDS="$PIDS $!"
    done
    if [ $ENGINE = legacy ]; then
        modprobe overlay || { say "FAIL no overlayfs"; return 1; }
        for d in master backup; do
            director_up $d || { say "FAIL [$mode] $d's root"; cat "$W/$d/keeper.out"; return 1; }
            sed -i "s/^deadtime .*/deadtime $DEADTIME/" "$(node_file $d /etc/ha.d/ha.cf)"
        done
    else
        for d in master backup; do
            mkdir -p "$W/$d/ha.d/resource.d" "$W/$d/log" "$W/$d/state"
            seed_hacf "$W/$d/ha.d" $d
            # DEMO_FAST's deadtime of 5 s split the pair's brain under this
            # load in the emulated VM (BACKUP took the VIP before the kill).
            sed -i "s/^deadtime .*/deadtime $DEADTIME/" "$W/$d/ha.d/ha.cf"
            cp -a /etc/ha.d/resource.d/. "$W/$d/ha.d/resource.d/"
            ln -sf "$BIN/ldirectord-rs" "$W/$d/ha.d/resource.d/ldirectord"
        done
    fi
    if [ "$ORDER" = table-first ]; then
        for d in master backup; do
            hares=$W/$d/ha.d/haresources
            [ $ENGINE = legacy ] && hares=$(node_file $d /etc/ha.d/haresources)
            sed -i 's|^MASTER IPaddr::\([^ ]*\) ldirectord::ldirectord.cf$|MASTER ldirectord::ldirectord.cf IPaddr::\1|' "$hares"
            grep -q '^MASTER ldirectord::ldirectord.cf IPaddr::' "$hares" || { say "FAIL [$mode] haresources not reordered"; return 1; }
        done
    fi
    # The sync daemon: ours (netlink), or the legacy's ipvsadm.
    local ipvs=("$BIN/ldirectord-rs" ipvs)
    [ $ENGINE = legacy ] && ipvs=(ipvsadm)
    if [[ $mode == *-sync || $mode == sync ]]; then
        ip netns exec master "${ipvs[@]}" --start-daemon master --mcast-interface eth1 --syncid 1 &&
            ip netns exec backup "${ipvs[@]}" --start-daemon backup --mcast-interface eth1 --syncid 1 ||
            { say "FAIL could not start the sync daemons"; return 1; }
        for d in master backup; do say "$d: $(ip netns exec $d "${ipvs[@]}" -L --daemon)"; done
    fi
    if [ $ENGINE = legacy ]; then
        # Both boot at once; the legacy is slow to start under emulation.
        in_node master /etc/init.d/heartbeat start >"$W/master/start.out" 2>&1 &
        p=$!
        in_node backup /etc/init.d/heartbeat start >"$W/backup/start.out" 2>&1
        wait $p
    else
        director master; director backup
    fi
    if ! waitfor 240 'vip_on master && [ "$(reals master)" = 2 ]'; then
        say "FAIL [$mode] MASTER never served the VIP with both reals"; tail -20 "$(logdir master)/ha-log"; return 1
    fi
    say "[$mode] MASTER serves the VIP; $N connections, a line every 100 ms each"
    ip netns exec client "$ECHO" client "$SEED_VIP:80" "$N" "$AFTER" "$W/killed" \
        >"$W/client.json" 2>"$W/client.err" &
    local client=$!
    sleep $WARM
    say "[$mode] before the kill: MASTER has $(synced master) connection entries for the VIP, BACKUP $(synced backup)"
    # MASTER dies: heartbeat first, then everything else there, links down;
    # with as few programs started as can be (each takes a while in a busy
    # emulated VM: a kill spread over seconds kept MASTER forwarding). The
    # kill's time is when its links are down: from then on nothing of
    # MASTER forwards, syncs or heartbeats.
    local c all
    all=$(ip netns pids master)
    if [ $ENGINE = legacy ]; then
        for p in $all; do
            read -r c <"/proc/$p/comm" 2>/dev/null && [ "$c" = heartbeat ] && kill -9 "$p"
        done
    else
        kill -9 "$HBPID_master"
    fi
    # shellcheck disable=SC2086 # (a list of pids)
    kill -9 $all 2>/dev/null
    printf 'link set eth0 down\nlink set eth1 down\n' | ip -n master -batch -
    t_kill=$(date +%s.%N)
    echo "$t_kill" >"$W/killed"
    [ -n "${CONN_DEBUG:-}" ] && { sampler "$t_kill" & }
    say "[$mode] MASTER killed at $(date -d "@$t_kill" +%T.%2N) (wall clock, as in the logs)"
    # When BACKUP holds the VIP, and when its IPVS has the virtual service
    # (whichever comes first; polled, so each a poll late at most).
    t_vip=never t_svc=never
    waitfor $((AFTER + 20)) 'if [ $t_vip = never ] && vip_on backup; then t_vip=$(since "$t_kill"); fi
        if [ $t_svc = never ] && table backup | grep -q "^TCP  $SEED_VIP:80 "; then t_svc=$(since "$t_kill"); fi
        [ $t_vip != never ] && [ $t_svc != never ]'
    say "[$mode] VIP on BACKUP ${t_vip} s after the kill, its virtual service ${t_svc} s; BACKUP's table: $(reals backup) reals (after a while)"
    # What BACKUP's IPVS holds while the connections recover or not.
    local i
    for i in 1 2 3 4 5 6; do
        say "[$mode] +$(since "$t_kill") s BACKUP: $(reals backup) reals; connection states: $(ip netns exec backup ipvsadm -Lnc 2>/dev/null | awk -v v="$SEED_VIP:80" '$5 == v {print $3}' | sort | uniq -c | tr -s ' \n' ' ')"
        sleep 1
    done
    wait $client
    if [ -n "${CONN_DEBUG:-}" ]; then
        tail -n 30 "$(logdir backup)/ldirectord.log" "$(logdir backup)/ha-log" 2>/dev/null
        cat "$W/debug.log"
        python3 - "$W/client.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); k = r["killed"]
# Per connection: the first echo after the kill, and how it ended.
firsts = {}
for c in r["conns"]:
    after = [e - k for e in c["echoes"] if e > k]
    key = (f"{after[0]:.0f}" if after else "none", c["end"])
    firsts[key] = firsts.get(key, 0) + 1
print("first echo after the kill (s), end: count")
for (f, e), n in sorted(firsts.items()):
    print(f"  {f:>5} {e}: {n}")
PY
    fi
    waitfor 20 '[ "$(reals backup)" = 2 ]'
    say "[$mode] BACKUP: $(reals backup) reals, $(synced backup) connection entries for the VIP"
    python3 - "$W/client.json" "$mode" "$t_vip" "$t_svc" "$ORDER" "$AFTER" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); mode, t_vip, t_svc, order = sys.argv[2:6]; after = float(sys.argv[6])
k = r["killed"]; conns = r["conns"]
ended = sorted(c["ended_at"] - k for c in conns if c.get("ended_at"))
if ended:
    print(f"connections ended (reset/closed) {len(ended)}: first {ended[0]:.1f} s after the kill, "
          f"median {ended[len(ended) // 2]:.1f} s, last {ended[-1]:.1f} s")
def working(t):
    return sum(any(t - 1 < e <= t for e in c["echoes"]) for c in conns)
ends = {}
for c in conns:
    ends[c["end"]] = ends.get(c["end"], 0) + 1
print(f"RESULT {mode:13} | {order:11} | {r['established']:3}/{r['connections']} | {working(k):4} | {t_vip:>6} s | {t_svc:>6} s | "
      f"{working(k + 10):4} | {working(k + 20):4} | {working(k + 30):4} | {working(k + after - 0.5):4} | "
      + ", ".join(f"{v} {e}" for e, v in sorted(ends.items())))
PY
}

case $MODES in
    sync|nosync|legacy-sync|legacy-nosync) run "$MODES" ;;
    *) echo "conn-survival: one mode per VM: sync, nosync, legacy-sync or legacy-nosync, not '$MODES'" >&2; exit 2 ;;
esac
