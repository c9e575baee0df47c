#!/bin/sh
# Every man page must render without a single groff/man warning, and must
# mention each option the binaries' usage text lists.
set -eu
cd "$(dirname "$0")/../.."
status=0
for page in man/*.[0-9]; do
    warnings=$(MANWIDTH=80 man --warnings=all -l -Tutf8 "$page" 2>&1 >/dev/null || echo "man exited non-zero")
    if [ -n "$warnings" ]; then
        echo "FAIL $page:"; echo "$warnings"; status=1
    else
        echo "ok   $page"
    fi
done
for page in man/heartbeatd.8 man/ldirectord-rs.8 man/ha.cf.5 man/ldirectord.cf.5; do
    [ -f "$page" ] || { echo "FAIL missing $page"; status=1; }
done
# Options the binaries accept must be documented.
for opt in -t --print-config -c -k -r -s export-pacemaker; do
    grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" man/heartbeatd.8 || { echo "FAIL heartbeatd.8 lacks $opt"; status=1; }
done
for opt in -t --print-config --debug --dashboard; do
    grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" man/ldirectord-rs.8 || { echo "FAIL ldirectord-rs.8 lacks $opt"; status=1; }
done
exit $status
