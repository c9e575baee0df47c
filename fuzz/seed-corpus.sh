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
