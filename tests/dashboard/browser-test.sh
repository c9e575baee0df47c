#!/bin/bash
# The status page in a real browser against real kernel IPVS.
#
# The host has no IPVS, so the director runs in the QEMU VM (tests/vm/run.sh,
# guest side: guest.sh). QEMU's user-mode network gives the guest a NIC and
# forwards 127.0.0.1:PORT on the host to the dashboard's port in the guest
# (restrict=on: the guest reaches nothing outside), so Debian's chromium runs
# on the host at full speed while ldirectord-rs, heartbeatd and the kernel's
# IPVS are the real ones in the VM. Host and guest take turns through files
# in a directory shared read-write into the VM.
#
# Checks: both reals up; after web2 dies (while slow and oversized clients
# hold connections) the page shows web2 down with its check's reason and web1
# up, within 10 s (checkinterval 1, checktimeout 2; the slow clients hold on
# for 10 s, so a server that stalled the daemon would miss it); /metrics passes `promtool check metrics` and
# has node_exporter's backend series; unknown paths 404, POST 405; after
# the master heartbeatd is killed the page shows the backup holding the group
# and a failover event. The screenshot is saved under target/dashboard/.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
out=${CARGO_TARGET_DIR:-$repo/target}/dashboard
mkdir -p "$out"
fail=0
pass() { echo "PASS $*"; }
bad() { echo "FAIL $*"; fail=1; }
for tool in chromium promtool curl qemu-system-x86_64; do
    command -v $tool >/dev/null || { echo "browser-test: $tool missing (see .ci/run)"; exit 1; }
done
[ -x "$repo/target/debug/ldirectord-rs" ] && [ -x "$repo/target/debug/heartbeatd" ] || { echo "browser-test: build first (make build)"; exit 1; }

sync=$(mktemp -d /tmp/dash-sync.XXXXXX)
profile=$(mktemp -d /tmp/dash-chromium.XXXXXX)
port=$((20000 + $$ % 20000))
while ss -Hltn "sport = :$port" | grep -q .; do port=$((port + 1)); done
base=http://127.0.0.1:$port
vm=
cleanup() {
    touch "$sync/done"
    [ -n "$vm" ] && { wait "$vm"; echo "VM exit status $?"; }
    [ -e "$sync/guest.log" ] && { echo "--- guest log"; cat "$sync/guest.log"; }
    rm -rf "$sync" "$profile"
}
trap cleanup EXIT

browser() { # chromium ARGS... URL
    timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" "$@" 2>/dev/null
}
dom() { browser --dump-dom "$base/lvs/"; }
real_row() { grep -o "<tr class=\"real\"[^>]*data-real=\"$1\"[^>]*>.*" | sed 's#</tr>.*##'; }
wait_for() { # secs description command
    local end=$((SECONDS + $1))
    while ((SECONDS < end)); do eval "$3" && return 0; sleep 1; done
    return 1
}

echo "browser-test: booting the VM (host port $port -> guest :9160)"
HA_VM_QEMU_ARGS="-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-10.0.2.15:9160 -device virtio-net-pci,netdev=n0" \
    "$repo/tests/vm/run.sh" --timeout 900 --mem 1G --smp 2 --share-rw "$sync" -- "$here/guest.sh" "$sync" &
vm=$!
wait_for 400 "guest ready" '[ -e "$sync/ready" ] || ! kill -0 $vm 2>/dev/null'
[ -e "$sync/ready" ] || { bad "the guest never got ready"; exit 1; }
t0=$SECONDS

# 1. Both reals up, as the browser sees it.
d=$(dom)
w1=$(real_row 10.9.0.2:80 <<<"$d"); w2=$(real_row 10.9.0.3:80 <<<"$d")
[[ $w1 == *'data-state="up"'* && $w2 == *'data-state="up"'* ]] && pass "browser: web1 and web2 up" || bad "browser before: $w1 / $w2"
[[ $d == *'data-node="master" data-status="active"'* && $d == *'data-holder="master"'* ]] \
    && pass "browser: heartbeat nodes, master holds the group" || bad "browser: cluster section: $(grep -o '<div id="cluster">.*</div>' <<<"$d" | head -c 600)"

# 2. web2 dies while bad clients hold connections.
touch "$sync/kill-web2"
wait_for 60 "web2 killed" '[ -e "$sync/web2-killed" ]'
t_kill=$SECONDS
if wait_for 10 "web2 down" 'd=$(dom); [[ $(real_row 10.9.0.3:80 <<<"$d") == *data-state=\"down\"* ]]'; then
    w1=$(real_row 10.9.0.2:80 <<<"$d"); w2=$(real_row 10.9.0.3:80 <<<"$d")
    reason=$(sed -n 's#.*<td class="reason">\([^<]*\)</td>.*#\1#p' <<<"$w2")
    pass "browser: web2 down $((SECONDS - t_kill)) s after it died, while 6 slow clients and a 64 KiB header were connected"
    [[ $w1 == *'data-state="up"'* ]] && pass "browser: web1 still up" || bad "web1: $w1"
    # Killed mid-check the server resets or closes without an answer
    # ("empty response"), or between its response's head and body (a 200
    # whose body "does not match": Python's server writes them apart);
    # afterwards it refuses: each is the check's own account of web2's
    # death.
    grep -Eqi 'refused|reset by peer|empty response|does not match' <<<"$reason" && pass "browser: web2's reason: $reason" || bad "web2's reason: '$reason'"
    grep -q "data-kind=\"real-down\">.*Deleted real server: 10.9.0.3:80 (10.9.0.100:80): [^<]*\(refused\|reset by peer\|empty response\|does not match\)" <<<"$d" \
        && pass "browser: timeline has web2's real-down event with its reason" || bad "no real-down event with a reason"
else
    bad "web2 never shown down: $(real_row 10.9.0.3:80 <<<"$d")"
fi
# The page stays fast for others (the slow clients hold only their own slots).
t=$(curl -s -o /dev/null -m 5 -w '%{time_total}' "$base/lvs/") && pass "page answered in ${t}s meanwhile" || bad "page did not answer while slow clients were connected"
browser --screenshot="$out/lvs-page.png" --window-size=1280,1600 "$base/lvs/" >/dev/null
[ -s "$out/lvs-page.png" ] && pass "screenshot: $out/lvs-page.png" || bad "no screenshot"

# 3. /metrics, the other paths.
curl -s -m 5 "$base/metrics" >"$out/metrics.txt"
if promtool check metrics <"$out/metrics.txt"; then pass "promtool check metrics"; else bad "promtool check metrics"; fi
grep -q '^node_ipvs_backend_weight{local_address="10.9.0.100",local_port="80",local_mark="",proto="TCP",remote_address="10.9.0.2",remote_port="80"} 2$' "$out/metrics.txt" \
    && pass "metrics: web1's backend weight 2 with node_exporter's labels" || bad "metrics: no web1 weight line"
grep -q 'remote_address="10.9.0.3"' "$out/metrics.txt" && bad "metrics: web2 (down, not in IPVS) still a backend" || pass "metrics: web2 no longer a backend"
grep -q '^ldirectord_real_server_state{virtual="tcp:10.9.0.100:80",real="10.9.0.3:80",state="down"} 1$' "$out/metrics.txt" \
    && pass "metrics: web2 state down" || bad "metrics: web2 state"
grep -q '^node_ipvs_connections_total [1-9]' "$out/metrics.txt" && pass "metrics: kernel connection counter" || bad "metrics: node_ipvs_connections_total"
code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }
[ "$(code "$base/nothing")" = 404 ] && [ "$(code "$base/lvs/../etc/passwd")" = 404 ] && pass "unknown paths: 404" || bad "unknown paths"
[ "$(code -X POST "$base/lvs/")" = 405 ] && pass "POST: 405" || bad "POST"
[ "$(code "$base/lvs/graph/tcp-10.9.0.100-80/day.svg")" = 200 ] && pass "graph served" || bad "graph"
grep -q '^HTTP/1.1 431' "$sync/huge-header.reply" && pass "64 KiB header: 431" || bad "huge header reply: $(head -c 80 "$sync/huge-header.reply")"

# 4. Failover: the master heartbeatd dies, the backup takes the group.
touch "$sync/kill-master"
if wait_for 90 "failover" 'd=$(dom); [[ $d == *data-holder=\"backup\"* && $d == *data-kind=\"failover\"* ]]'; then
    pass "browser: backup holds the group, failover in the timeline"
else
    bad "no failover on the page: $(grep -o '<div id="cluster">.*</div>' <<<"$d" | head -c 600)"
fi
browser --screenshot="$out/lvs-page-failover.png" --window-size=1280,1600 "$base/lvs/" >/dev/null
touch "$sync/done"
wait "$vm"; rc=$?; vm=
[ $rc = 0 ] && pass "guest scenario finished cleanly" || bad "guest exit status $rc"
echo "browser-test: screenshots $out/lvs-page.png (web2 down) and $out/lvs-page-failover.png; metrics $out/metrics.txt; $((SECONDS - t0)) s after boot"
exit $fail
