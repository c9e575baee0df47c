#!/bin/sh
# `make demo`, first stage: check the seed deployment's files (verbatim from
# the reference topology) with both daemons and show what they understood.
set -eu
cd "$(dirname "$0")/../.."
bin=target/debug
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp compat-configs/seed/* "$work"/
chmod 600 "$work/authkeys"
# -t checks the host as the start does (this host a node, eth1 there): run
# it as MASTER would, in a throwaway UTS and network namespace.
as_master() { unshare --uts --net sh -c 'hostname master; ip link add eth1 type bridge; exec "$@"' sh "$@"; }

echo "== heartbeatd -t -c <seed>"
as_master "$bin/heartbeatd" -t -c "$work"
echo
echo "== heartbeatd -t --print-config -c <seed>"
as_master "$bin/heartbeatd" -t --print-config -c "$work"
echo
echo "== ldirectord-rs -t <seed>/ldirectord.cf"
"$bin/ldirectord-rs" -t "$work/ldirectord.cf"
echo
echo "== ldirectord-rs -t --print-config <seed>/ldirectord.cf"
"$bin/ldirectord-rs" -t --print-config "$work/ldirectord.cf"
echo
echo "== a typo is reported with file:line:col and a hint"
sed 's/^deadtime/deadtme/' "$work/ha.cf" > "$work/ha.cf.new" && mv "$work/ha.cf.new" "$work/ha.cf"
if as_master "$bin/heartbeatd" -t -c "$work"; then
    echo "demo: the typo was not caught" >&2
    exit 1
fi
echo
echo "demo: seed configuration checked"
