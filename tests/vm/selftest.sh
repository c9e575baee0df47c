#!/bin/bash
# Self-test of the IPVS VM harness.  From the host:
#
#   tests/vm/selftest.sh            (boots the VM through run.sh, runs itself inside)
#
# Inside the VM it checks: ip_vs is loaded; ipvsadm (from the 9p-shared host root,
# with its libnl libraries) reproduces the golden outputs of tests/vm/golden/
# byte for byte (trailing spaces included); the three ipvsadm error cases; network
# namespaces and veth pairs; real IPVS forwarding (NAT) between namespaces; and
# on-demand module loading.  Exits 0 only if every check passes.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

if [[ ${HA_IN_VM:-} != 1 ]]; then
    exec "$here/run.sh" --force-vm --timeout "${SELFTEST_TIMEOUT:-300}" -- "$here/selftest.sh" "$@"
fi

golden=$here/golden
pass=0 fail=0
t0=$(date +%s%N)
at() { local now; now=$(date +%s%N); printf 'at %5.1fs' "$(((now - t0) / 100000000))e-1"; }
ok() { echo "PASS $(at): $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $(at): $*"; fail=$((fail + 1)); }
check() { # check DESCRIPTION COMMAND...
    local d=$1; shift
    local out
    if out=$("$@" 2>&1); then ok "$d"; else bad "$d"; printf '%s\n' "$out" | sed 's/^/    /'; fi
}
# Compare a command's stdout with a golden file, exactly.
golden() { # golden FILE COMMAND...
    local f=$1; shift
    local got
    got=$(mktemp)
    "$@" >"$got" 2>&1
    if cmp -s "$got" "$golden/$f"; then
        ok "golden $f: $*"
    else
        bad "golden $f: $*"
        diff -u "$golden/$f" "$got" | cat -A | sed 's/^/    /'
    fi
    rm -f "$got"
}
# An ipvsadm call that must fail with status 255 and print MESSAGE.
expect_error() { # expect_error MESSAGE ARGS...
    local msg=$1; shift
    local err rc
    err=$(ipvsadm "$@" 2>&1 >/dev/null)
    rc=$?
    if [[ $rc == 255 ]] && grep -qxF -- "$msg" <<<"$err"; then
        ok "ipvsadm $* -> $rc '$msg'"
    else
        bad "ipvsadm $* -> status $rc, stderr '$err' (want 255, '$msg')"
    fi
}

echo "kernel $(uname -r), $(ipvsadm --version 2>&1 | head -n1)"

# --- modules and tools ---------------------------------------------------------
check "ip_vs module loaded" grep -q '^ip_vs ' /proc/modules
check "/proc/net/ip_vs exists" test -e /proc/net/ip_vs
check "ipvsadm runs from the shared host root (libnl: $(ldd "$(command -v ipvsadm)" | grep -o 'libnl[^ ]*' | sort -u | tr '\n' ' '))" ipvsadm -Ln

# --- golden outputs (init namespace, empty table first) ------------------------
ipvsadm -C
ipvsadm -A -t 10.0.0.1:80 -s rr
ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 1
ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.3:80 -m -w 2
ipvsadm -A -f 1 -s wlc -p 300
ipvsadm -A -u '[2001:db8::1]:53' -s sh
ipvsadm -a -u '[2001:db8::1]:53' -r '[2001:db8::2]:53' -i -w 5
golden ipvsadm-Ln.txt ipvsadm -Ln
golden ipvsadm-Ln-stats.txt ipvsadm -Ln --stats
golden ipvsadm-Ln-rate.txt ipvsadm -Ln --rate
golden ipvsadm-S-n.txt ipvsadm -S -n
# /proc/net/ip_vs lists services in hash-table order, which depends on a
# per-boot random seed: compare the header exactly and the service blocks
# (a service line with its destinations, byte for byte) as a sorted set.
blocks() { # header lines as they are, then one line per service block, sorted
    awk 'NR <= 3 { print; next }
         /^  ->/ { b = b "\x1f" $0; next }
         { if (b != "") print b; b = $0 }
         END { if (b != "") print b }' "$1" | { head -n 3; sort; }
}
proc_blocks() { blocks /proc/net/ip_vs; }
golden_blocks() { blocks "$golden/proc-net-ip_vs.txt"; }
if diff <(golden_blocks) <(proc_blocks) >/dev/null; then
    ok "golden proc-net-ip_vs.txt (service order aside): /proc/net/ip_vs"
else
    bad "golden proc-net-ip_vs.txt: /proc/net/ip_vs"
    diff -u "$golden/proc-net-ip_vs.txt" /proc/net/ip_vs | cat -A | sed 's/^/    /'
fi

# --- error cases ----------------------------------------------------------------
expect_error "Service already exists" -A -t 10.0.0.1:80 -s rr
expect_error "No such destination" -d -t 10.0.0.1:80 -r 10.0.0.9:80
expect_error "Scheduler or persistence engine not found" -A -t 10.0.0.9:80 -s nosuchsched
ipvsadm -C

# --- namespaces, veth, and IPVS NAT forwarding between them -----------------------
# client (10.1.0.2) --veth-- director (VIP 10.1.0.1, 10.2.0.1) --veth-- real (10.2.0.2)
netns_setup() {
    set -e
    ip netns add ha-client
    ip netns add ha-dir
    ip netns add ha-real
    ip link add c0 netns ha-client type veth peer name d0 netns ha-dir
    ip link add d1 netns ha-dir type veth peer name r0 netns ha-real
    ip -n ha-client addr add 10.1.0.2/24 dev c0
    ip -n ha-dir addr add 10.1.0.1/24 dev d0
    ip -n ha-dir addr add 10.2.0.1/24 dev d1
    ip -n ha-real addr add 10.2.0.2/24 dev r0
    for ns in ha-client ha-dir ha-real; do ip -n $ns link set lo up; done
    ip -n ha-client link set c0 up
    ip -n ha-dir link set d0 up
    ip -n ha-dir link set d1 up
    ip -n ha-real link set r0 up
    ip -n ha-real route add default via 10.2.0.1
    ip netns exec ha-dir sysctl -qw net.ipv4.ip_forward=1
}
check "ip netns add + veth pairs" netns_setup
check "ping across a veth pair" ip netns exec ha-client ping -c1 -W5 10.1.0.1
check "IPVS table is per namespace (empty in ha-dir)" \
    bash -c '[[ $(ip netns exec ha-dir ipvsadm -Ln | wc -l) == 3 ]]'

bb=/run/ha-vm/busybox
www=$(mktemp -d)
echo "hello from the real server" >"$www/index.html"
ip netns exec ha-real "$bb" httpd -p 80 -h "$www"
ip netns exec ha-dir ipvsadm -A -t 10.1.0.1:8080 -s rr
ip netns exec ha-dir ipvsadm -a -t 10.1.0.1:8080 -r 10.2.0.2:80 -m -w 1
forward() {
    local url=http://10.1.0.1:8080/index.html body
    # (busybox-static's wget crashes in its resolver; use the host's client)
    if command -v curl >/dev/null; then
        body=$(ip netns exec ha-client curl -sS -m 10 "$url")
    else
        body=$(ip netns exec ha-client python3 -c \
            'import sys, urllib.request as u; print(u.urlopen(sys.argv[1], timeout=10).read().decode(), end="")' "$url")
    fi && [[ $body == "hello from the real server" ]]
}
check "IPVS NAT forwards client -> VIP:8080 -> real server:80" forward
# The kernel folds its per-CPU counters into what ipvsadm reads every 2 s
# (the rate estimator timer): poll.
counted() {
    local i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        ip netns exec ha-dir ipvsadm -Ln --stats | grep -E "^TCP  10.1.0.1:8080 +1 " && return 0
        sleep 1
    done
    ip netns exec ha-dir ipvsadm -Ln --stats
    return 1
}
check "IPVS counted the connection (--stats, within 10 s)" counted

# --- more of the environment --------------------------------------------------------
check "modprobe from the host root (ip_vs_ftp)" bash -c 'modprobe ip_vs_ftp && grep -q "^ip_vs_ftp " /proc/modules'
check "kernel auto-loads modules via the host's modprobe (--pe sip)" \
    bash -c 'ipvsadm -A -u 10.9.9.9:5060 -s rr -p 60 --pe sip && grep -q "^ip_vs_pe_sip " /proc/modules && ipvsadm -C'
check "user namespaces (unshare -r)" unshare -r true
check "writable tmpfs: /tmp /run /var/log /var/lib /root" \
    bash -c 'for d in /tmp /run /var/log /var/lib /root; do touch $d/.w && rm $d/.w || exit 1; done'
check "host root is read-only" bash -c '! touch /etc/.ha-vm-probe 2>/dev/null'
check "work share is writable" bash -c 'echo x > "$HA_VM_SHARE/probe" && rm "$HA_VM_SHARE/probe"'
check "perl and python3 from the host root" bash -c 'perl -e 1 && python3 -c 1'

echo "selftest: $pass passed, $fail failed"
((fail == 0))
