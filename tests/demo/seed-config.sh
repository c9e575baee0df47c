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

echo "== heartbeatd -t -c <seed>"
"$bin/heartbeatd" -t -c "$work"
echo
echo "== heartbeatd -t --print-config -c <seed>"
"$bin/heartbeatd" -t --print-config -c "$work"
echo
echo "== ldirectord-rs -t <seed>/ldirectord.cf"
"$bin/ldirectord-rs" -t "$work/ldirectord.cf"
echo
echo "== ldirectord-rs -t --print-config <seed>/ldirectord.cf"
"$bin/ldirectord-rs" -t --print-config "$work/ldirectord.cf"
echo
echo "== a typo is reported with file:line:col and a hint"
sed 's/^deadtime/deadtme/' "$work/ha.cf" > "$work/ha.cf.new" && mv "$work/ha.cf.new" "$work/ha.cf"
if "$bin/heartbeatd" -t -c "$work"; then
    echo "demo: the typo was not caught" >&2
    exit 1
fi
echo
echo "demo: seed configuration checked"
