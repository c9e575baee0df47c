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
