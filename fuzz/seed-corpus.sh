#!/bin/sh
# Seeds each fuzz target's corpus with the matching files from compat-configs/,
# so the fuzzer starts from real syntax instead of random bytes.
set -eu
cd "$(dirname "$0")/.."
seed() { # target, find-expression...
    t=$1; shift
    mkdir -p "fuzz/corpus/$t"
    find compat-configs "$@" -type f -exec sh -c 'for f; do cp "$f" "fuzz/corpus/'"$t"'/$(echo "$f" | tr / _)"; done' sh {} +
}
seed hacf -name ha.cf
seed haresources -name haresources
seed authkeys -name authkeys
seed ldirectord_cf -name '*.cf' ! -name ha.cf
# The heartbeat decoder starts from the real packets' golden test data.
mkdir -p fuzz/corpus/hb_packet
python3 - crates/hb-proto/tests/data/*.pcap fuzz/corpus/hb_packet <<'PY'
import struct, sys, pathlib
src, out = sys.argv[1], pathlib.Path(sys.argv[2])
data = open(src, 'rb').read()
off, n = 24, 0
while off + 16 <= len(data) and n < 64:
    incl = struct.unpack_from('<I', data, off + 8)[0]
    pkt = data[off + 16: off + 16 + incl]
    off += 16 + incl
    body = pkt[14 + 20 + 8:]   # Ethernet, IPv4 without options, UDP
    (out / f'pkt{n:03d}').write_bytes(body); n += 1
PY
# The IPVS decoder starts from replies shaped like the kernel's: a service
# (IPv4 TCP, fwmark IPv6) and a destination, each in a netlink datagram.
mkdir -p fuzz/corpus/ipvs_reply
python3 - fuzz/corpus/ipvs_reply <<'PY'
import struct, sys, pathlib
out = pathlib.Path(sys.argv[1])
def attr(t, payload):
    a = struct.pack('=HH', 4 + len(payload), t) + payload
    return a + b'\0' * (-len(a) % 4)
def nest(t, *parts):
    return attr(t | 0x8000, b''.join(parts))
def msg(cmd, body):
    b = bytes([cmd, 1, 0, 0]) + body
    return struct.pack('=IHHII', 16 + len(b), 0x20, 2, 1, 0) + b
stats = nest(12, *[attr(i, struct.pack('=Q', i * 1000)) for i in range(1, 11)])
svc4 = nest(1, attr(1, struct.pack('=H', 2)), attr(2, struct.pack('=H', 6)),
            attr(3, bytes([10, 0, 0, 1]) + b'\0' * 12), attr(4, struct.pack('>H', 80)),
            attr(6, b'wlc\0'), attr(7, struct.pack('=II', 3, 0xffffffff)),
            attr(8, struct.pack('=I', 300)), attr(9, struct.pack('>I', 0xffffff00)), stats)
svc6 = nest(1, attr(1, struct.pack('=H', 10)), attr(5, struct.pack('=I', 7)),
            attr(6, b'mh\0'), attr(7, struct.pack('=II', 0x12, 0xffffffff)),
            attr(8, struct.pack('=I', 0)), attr(9, struct.pack('=I', 64)))
dest = nest(2, attr(1, bytes([10, 0, 0, 2]) + b'\0' * 12), attr(2, struct.pack('>H', 80)),
            attr(3, struct.pack('=I', 3)), attr(4, struct.pack('=I', 5)),
            attr(5, struct.pack('=I', 0)), attr(6, struct.pack('=I', 0)),
            attr(7, struct.pack('=I', 1)), attr(11, struct.pack('=H', 2)), stats)
(out / 'svc4').write_bytes(msg(1, svc4))
(out / 'svc6').write_bytes(msg(1, svc6))
(out / 'dest').write_bytes(msg(5, dest))
(out / 'both').write_bytes(msg(1, svc4) + msg(5, dest))
PY
# The half-open check's decoders start from a SYN-ACK and an ICMP port
# unreachable quoting a SYN, as the kernel delivers them (IPv4 header on).
mkdir -p fuzz/corpus/syn_answer
python3 - fuzz/corpus/syn_answer <<'PY'
import struct, sys, pathlib
out = pathlib.Path(sys.argv[1])
def ip(proto, src, dst, payload):
    return struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0,
                       bytes(src), bytes(dst)) + payload
def tcp(sport, dport, seq, ack, flags):
    return struct.pack('!HHIIBBHHH', sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
syn = ip(6, [10, 0, 0, 1], [10, 0, 0, 2], tcp(40000, 80, 1000, 0, 0x02))
(out / 'synack').write_bytes(ip(6, [10, 0, 0, 2], [10, 0, 0, 1], tcp(80, 40000, 5, 1001, 0x12)))
(out / 'reset').write_bytes(ip(6, [10, 0, 0, 2], [10, 0, 0, 1], tcp(80, 40000, 0, 1001, 0x14)))
(out / 'unreach').write_bytes(ip(1, [10, 0, 0, 9], [10, 0, 0, 1], bytes([3, 3, 0, 0, 0, 0, 0, 0]) + syn[:28]))
PY
