#!/bin/bash
# robustness-test.sh [SECONDS]   (heartbeatd pair, both "ours")
#
# Same lab as pair-test.sh. Checks: 30 % packet loss in both directions
# (nftables drops on each node's output) for SECONDS (default 60) at
# keepalive 1 / deadtime 5 gives no false failover; forged and malformed
# packets (wrong key, truncated, garbage, oversized) are dropped and the
# node keeps running; a full partition longer than deadtime makes both
# nodes hold the group (split brain, logged), and healing leaves exactly one
# owner, the home node; RSS of each heartbeatd is printed.
#
# (pair-test.sh's own description follows.)
#
# A two-node cluster in two network namespaces joined by a veth pair (ucast
# on e1, keepalive 1 / deadtime 5, auto_failback on), the resource a marker
# script that creates a file. MASTER is the preferred node. Checks, in order:
# the master acquires; steady state holds; kill -9 of the master -> the
# backup takes over (the time is printed); the master restarts -> failback;
# a graceful stop of the master -> immediate handover (well before
# deadtime). "legacy" is Debian's heartbeat 3.0.6, run in its own mount, UTS
# and PID namespaces with a private /etc/ha.d, /run and /var/lib/heartbeat.
# Exits 0 only if every check passes; everything is removed on exit.
set -u
KM=ours; KB=ours; SECS=${1:-60}
here=$(cd "$(dirname "$0")" && pwd -P)
. "$here/lab.sh"
lab_init hbr
lab_veth
lab_configs e1 1 5 on marker

echo "robustness: ours/ours, $SECS s at 30 % loss"
start m master ours; start b backup ours
if waitfor 60 '[ -e $W/master/HAVE ]'; then pass "master acquires"; else bad "master never acquired ($(holder))"; fi
sleep 2
for n in m b; do
  ip netns exec ${T}$n nft -f - <<NFT
table inet loss {
  chain out { type filter hook output priority 0; udp dport 694 numgen random mod 100 < 30 drop; }
}
NFT
done
t_end=$(( $(date +%s) + SECS )); flips=0
while [ $(date +%s) -lt $t_end ]; do
  [ -e $W/backup/HAVE ] && flips=$((flips + 1))
  sleep 0.5
done
if [ $flips = 0 ] && [ "$(holder)" = "master=HAS backup=-" ]; then pass "no false failover in $SECS s at 30 % loss"; else bad "failover under loss ($flips samples with backup holding; $(holder))"; fi
lost=$(grep -c "lost packet" $W/backup/ha-log); echo "      (backup logged $lost 'lost packet' lines)"
for n in m b; do ip netns exec ${T}$n nft delete table inet loss; done

# Forged and malformed packets at the master's heartbeat port.
ip netns exec ${T}b python3 - 10.88.0.1 <<'PY'
import socket, sys, hmac, hashlib
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dst = (sys.argv[1], 694)
body = b"###\n(1)t=status\n(1)st=active\n(1)src=backup\n(1)seq=ffff\n(1)hg=1\n(1)ts=1\n%%%\n"
wrong = hmac.new(b"WrongSecret", body, hashlib.sha1).hexdigest().encode()
for p in [body + b"42:1 " + wrong + b",", body[:20], b"garbage" * 10, b">>>\nt=status\n<<<\n", b"###\n" + b"x" * 60000]:
    for _ in range(20):
        s.sendto(p, dst)
PY
# A real packet from the backup, captured on the master's link, is sent
# again three ways: as it was (same generation, old seq: the legacy drops
# it as a duplicate, silently), re-signed as from a node that is not in the
# cluster, and re-signed with the generation before the backup's current
# one (a packet from before its last restart). None may change anything;
# the last two are logged in the legacy's words.
ip netns exec ${T}m python3 - $W/captured <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.settimeout(10)
while True:
    d = s.recv(65535)
    ihl = (d[0] & 15) * 4
    # A status: an unsequenced packet (NS_ackmsg, NS_rexmit, which follow
    # the loss above) is never judged by generation, in the legacy as in
    # ours, so replaying one proves nothing (a fresh-machine run captured
    # one and saw no replay line).
    if d[9] == 17 and int.from_bytes(d[ihl + 2:ihl + 4], "big") == 694 and b"src=backup" in d and b"t=status" in d:
        open(sys.argv[1], "wb").write(d[ihl + 8:]); break
PY
sleep 3
mark=$(wc -l < $W/master/ha-log)
gen=$(ip netns exec ${T}b python3 - 10.88.0.1 $W/captured <<'PY'
import socket, sys, hmac, hashlib, re
pkt = open(sys.argv[2], "rb").read()
dst = (sys.argv[1], 694)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def signed(body):
    trailer = ("1 " + hmac.new(b"SomeSharedSecret", body, hashlib.sha1).hexdigest()).encode()
    return body + str(len(trailer)).encode() + b":" + trailer + b","
body = pkt[:pkt.index(b"%%%\n") + 4]
for _ in range(5):
    s.sendto(pkt, dst)
s.sendto(signed(body.replace(b"src=backup", b"src=intrdr")), dst)
hg = re.search(rb"hg=([0-9a-f]+)", body)
gen = int(hg.group(1), 16)
s.sendto(signed(body.replace(hg.group(0), b"hg=%x" % (gen - 1))), dst)
print(gen)
PY
)
sleep 2
after=$(tail -n +$((mark + 1)) $W/master/ha-log)
if [ -s $W/captured ] && [ -n "$gen" ]; then pass "replayed, foreign-node and old-generation packets sent ($(wc -c < $W/captured) bytes captured, backup generation $gen)"; else bad "no packet captured to replay"; fi
if [ "$(holder)" = "master=HAS backup=-" ] && kill -0 $P_master && kill -0 $P_backup; then pass "replay and foreign node: nothing changed"; else bad "replay/foreign changed state: $(holder)"; fi
if grep -qE "restart on node|returning after partition|lost packet" <<<"$after"; then bad "a replayed packet was taken for news: $(grep -E "restart on node|returning after partition|lost packet" <<<"$after" | head -1)"; else pass "same-generation replay dropped silently (as the legacy: a duplicate)"; fi
want="process_status_message: bad node [intrdr] in message"
if grep -qF "$want" <<<"$after"; then pass "foreign node logged: $want"; else bad "foreign node not logged ('$want')"; fi
want="should_drop_message: attempted replay attack [backup]? [gen = $((gen - 1)), curgen = $gen]"
if grep -qF "$want" <<<"$after"; then pass "old generation logged: $want"; else bad "old-generation replay not logged ('$want')"; fi
sleep 1
ip netns exec ${T}m true
if kill -0 $P_master 2>/dev/null && [ -e $W/master/HAVE ]; then pass "forged/malformed packets dropped, master still running and holding"; else bad "master hurt by bad packets"; fi
if grep -q "bad packet" $W/master/ha-log; then pass "bad packets counted in the log: $(grep "bad packet" $W/master/ha-log | tail -1 | sed 's/.*WARN: //')"; else bad "bad packets not logged"; fi

# Full partition longer than deadtime, then heal.
for n in m b; do ip netns exec ${T}$n nft -f - <<NFT
table inet cut {
  chain out { type filter hook output priority 0; udp dport 694 drop; }
}
NFT
done
if waitfor 20 '[ -e $W/backup/HAVE ] && [ -e $W/master/HAVE ]'; then pass "partition: both nodes hold the group (split brain)"; else bad "partition: $(holder)"; fi
for n in m b; do ip netns exec ${T}$n nft delete table inet cut; done
if waitfor 30 '[ -e $W/master/HAVE ] && [ ! -e $W/backup/HAVE ]'; then pass "healed: one owner, the home node"; else bad "after heal: $(holder)"; fi
for n in master:backup backup:master; do
  want="Cluster node ${n#*:} returning after partition."
  if grep -qF "$want" $W/${n%:*}/ha-log; then pass "split brain logged by ${n%:*}: $want"; else bad "split brain not logged by ${n%:*} ('$want')"; fi
done
for n in master backup; do
  rss=$(awk '/VmRSS/ {print $2, $3}' /proc/$(eval echo \$P_$n)/status 2>/dev/null)
  echo "      RSS of heartbeatd ($n): $rss"
done
if [ $fail != 0 ]; then
  echo "=== master log"; tail -40 $W/master/ha-log; echo "=== backup log"; tail -40 $W/backup/ha-log
fi
exit $fail
