# shellcheck shell=bash
# The IPVS data path's stand-in for tests/pcmk/cluster-test.sh, run in a
# director's network namespace: the host kernel has no IPVS, so the reals
# ldirectord-rs has in its stand-in table become nftables DNAT rules for
# VIP:80, round robin, while this director holds the VIP on eth0. The
# dashboard's IPVS view reads the kernel, not the in-process stand-in, so
# the reals are taken from ldirectord-rs's own check results on /metrics
# (ldirectord_check_up 1): with the seed's quiescent=no it adds exactly
# those reals to its table and removes the others. Without ldirectord-rs
# (or the VIP) there are no rules.
# Masquerade makes replies come back through the director, which DR's
# shared VIP on the reals would otherwise do.
#
#   follower.sh VIP DASHBOARD_PORT
set -u
vip=$1 port=$2
last=""
while :; do
    targets=""
    if ip -o addr show dev eth0 | grep -q " $vip/"; then
        targets=$(curl -s --max-time 1 "http://127.0.0.1:$port/metrics" 2>/dev/null |
            awk '/^ldirectord_check_up\{/ && $NF == 1 {
                    match($0, /real="[^"]*"/)
                    r = substr($0, RSTART + 6, RLENGTH - 7); sub(/:[0-9]+$/, "", r); print r
                }' | grep -v '^127\.' | sort -u | tr '\n' ' ')
    fi
    if [ "$targets" != "$last" ]; then
        nft delete table ip lvs_standin 2>/dev/null
        if [ -n "$targets" ]; then
            map="" i=0
            for t in $targets; do map="$map${map:+, }$i : $t"; i=$((i + 1)); done
            set=$(echo "$targets" | sed 's/ *$//; s/ /, /g')
            nft -f - <<EOF
table ip lvs_standin {
    chain pre {
        type nat hook prerouting priority -100;
        ip daddr $vip tcp dport 80 dnat to numgen inc mod $i map { $map }
    }
    chain post {
        type nat hook postrouting priority 100;
        ip daddr { $set } tcp dport 80 masquerade
    }
}
EOF
            echo "$(date +%T) $vip:80 -> $targets"
        else
            echo "$(date +%T) $vip:80 -> no rules"
        fi
        last=$targets
    fi
    sleep 0.3
done
