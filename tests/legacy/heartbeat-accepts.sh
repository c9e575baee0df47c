#!/bin/bash
# heartbeat-accepts.sh DIR
#
# Asks the installed legacy heartbeat 3.0.6 whether it accepts the config dir
# DIR (ha.cf, haresources, authkeys). Prints one line, `ACCEPT` or
# `REJECT: <legacy message>`, and exits 0 / 1 (2 = could not ask).
#
# No side effects on the host: everything runs in fresh mount, UTS, network
# and PID namespaces. /etc/ha.d is a private copy (package files + DIR on
# top), /run, /var/lib/heartbeat and /var/log are tmpfs, interfaces named by
# bcast/ucast/mcast lines are created inside the new netns only (a bridge
# device with a private 10.x address: this kernel has no `dummy` type), and
# the hostname is set to the first `node` of ha.cf (override: HB_HOSTNAME).
# When the script's PID namespace ends, everything heartbeat started dies.
#
# Deviations from a real director, each documented in
# docs/facts/heartbeat-config.md:
#  * /usr/lib/heartbeat/ipfail is made to exist (a link to Debian's
#    /usr/libexec/heartbeat/ipfail) so the seed's `respawn` line can pass;
#    our own daemon builds ipfail in.
#  * authkeys is given mode 0600 (git cannot keep it); a file
#    DIR/authkeys.mode (octal, e.g. 644) overrides that for mode tests.
#  * A file DIR/no-haresources makes the copy have no haresources at all.
set -u

HB=/usr/libexec/heartbeat/heartbeat
TIMEOUT=${HB_TIMEOUT:-6}

if [ "${1:-}" = "--inner" ]; then
	shift
	src=$1 work=$2
	set -e
	mount --make-rprivate /
	# /etc/ha.d: the package's own files (resource.d, rc.d, harc,
	# shellfuncs), then the files under test on top.
	mkdir -p "$work/etc"
	cp -a /etc/ha.d/. "$work/etc/"
	for f in ha.cf haresources authkeys; do
		rm -f "$work/etc/$f"
		if [ -e "$src/$f" ]; then cp "$src/$f" "$work/etc/$f"; fi
	done
	if [ -e "$src/no-haresources" ]; then rm -f "$work/etc/haresources"; fi
	mode=600
	if [ -e "$src/authkeys.mode" ]; then mode=$(tr -dc 0-7 <"$src/authkeys.mode"); fi
	if [ -e "$work/etc/authkeys" ]; then chmod "$mode" "$work/etc/authkeys"; fi
	mount --bind "$work/etc" /etc/ha.d

	# Writable state the daemon wants, private to this namespace.
	mkdir -p "$work/varlib"
	cp -a /var/lib/heartbeat/. "$work/varlib/"
	mount -t tmpfs hbrun /run
	mkdir -p /run/heartbeat /run/lock
	mount -t tmpfs hbvarlib /var/lib/heartbeat
	cp -a "$work/varlib/." /var/lib/heartbeat/
	mount -t tmpfs hblog /var/log

	# /usr/lib/heartbeat with an extra `ipfail` entry (see header).
	mkdir -p "$work/libhb"
	mount --bind /usr/lib/heartbeat "$work/libhb"
	mount -t tmpfs hblib /usr/lib/heartbeat
	for e in "$work/libhb"/*; do ln -s "$e" /usr/lib/heartbeat/; done
	ln -sf /usr/libexec/heartbeat/ipfail /usr/lib/heartbeat/ipfail

	# Hostname: the first `node` name (legacy splits values on blanks and
	# commas and ignores everything after `#`).
	host=${HB_HOSTNAME:-}
	if [ -z "$host" ] && [ -e /etc/ha.d/ha.cf ]; then
		host=$(sed -e 's/#.*//' -e 's/\r.*//' /etc/ha.d/ha.cf |
			awk '$1 == "node" { n = split($0, a, /[ \t,]+/);
				for (i = 1; i <= n; i++) if (a[i] != "" && a[i] != "node") { print a[i]; exit } }')
	fi
	hostname "${host:-localhost}"

	# Interfaces named by media lines, inside this netns only.
	ip link set lo up
	n=0
	for dev in $(sed -e 's/#.*//' -e 's/\r.*//' /etc/ha.d/ha.cf 2>/dev/null |
		awk '$1 == "bcast" || $1 == "udp" { for (i = 2; i <= NF; i++) print $i }
		     $1 == "ucast" || $1 == "mcast" || $1 == "ucast6" || $1 == "mcast6" { if (NF >= 2) print $2 }' |
		tr ',' '\n' | sort -u); do
		case $dev in lo|*[!A-Za-z0-9_.-]*) continue ;; esac
		if ip link add "$dev" type bridge 2>/dev/null; then
			n=$((n + 1))
			ip addr add "10.199.$n.1/24" brd + dev "$dev"
			ip link set "$dev" up
		fi
	done
	set +e

	"$HB" -l >"$work/out" 2>&1 &
	hb=$!
	# The daemon forks and the parent exits 0 once it has validated
	# everything (ha.cf, authkeys, then haresources); a config error makes
	# it exit non-zero before that.
	rc=
	for _ in $(seq $((TIMEOUT * 10))); do
		if ! kill -0 "$hb" 2>/dev/null; then wait "$hb"; rc=$?; break; fi
		sleep 0.1
	done
	# Record the verdict before anything else can happen: a `failfast`
	# child that dies makes heartbeat call reboot(2), which in a PID
	# namespace only kills this namespace's init (us).
	echo "rc=${rc:-timeout}" >"$work/rc"
	sleep "${HB_LINGER:-0.3}"
	cat /var/log/* >>"$work/out" 2>/dev/null
	exit 0
fi

dir=${1:?usage: heartbeat-accepts.sh DIR}
if [ ! -d "$dir" ]; then echo "usage: heartbeat-accepts.sh DIR" >&2; exit 2; fi
if [ "$(id -u)" != 0 ]; then echo "heartbeat-accepts.sh: needs root (namespaces)" >&2; exit 2; fi
if [ ! -x "$HB" ]; then echo "heartbeat-accepts.sh: $HB not installed" >&2; exit 2; fi
dir=$(cd "$dir" && pwd)
work=$(mktemp -d /tmp/hb-accepts.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! unshare --mount --uts --net --pid --fork --mount-proc \
	"$0" --inner "$dir" "$work" >"$work/setup" 2>&1 && [ ! -s "$work/rc" ]; then
	echo "heartbeat-accepts.sh: namespace setup failed:" >&2
	cat "$work/setup" >&2
	exit 2
fi
if [ -n "${HB_VERBOSE:-}" ]; then cat "$work/out" >&2; fi

rc=$(sed 's/rc=//' "$work/rc" 2>/dev/null)
# The parent exits 0 only after ha.cf, authkeys and haresources all passed;
# later ERROR lines come from the running daemon (e.g. mlockall limits in
# this sandbox, ping sends with no route) and say nothing about the config.
if [ "$rc" = 0 ]; then
	echo ACCEPT
	exit 0
fi
# The first ERROR line is the legacy's reason; drop the log prefix.
msg=$(grep -m1 'ERROR:' "$work/out" | sed -e 's/.*ERROR: *//')
if [ -z "$msg" ]; then msg="exit status $rc: $(tail -n1 "$work/out")"; fi
echo "REJECT: $msg"
exit 1
