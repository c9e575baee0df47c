#!/bin/bash
# ldirectord-accepts.sh FILE
#
# Asks the installed legacy ldirectord 4.12 whether it accepts the
# configuration FILE. Prints one line, `ACCEPT` or `REJECT: line N: MESSAGE`
# (the legacy's own message), and exits 0 / 1 (2 = could not ask).
#
# How: `ldirectord -d COPY start` reads the whole file before it touches
# IPVS; a rejected file exits 2 after `Error [PID] reading file COPY at line
# N: MESSAGE`, an accepted one logs `Starting Linux Director ... with pid`.
#
# No side effects on the host: the daemon runs in fresh mount, UTS, network
# and PID namespaces; /run (= /var/run) and /var/log are tmpfs; ipvsadm is
# replaced (bind mount, this namespace only) by a stand-in that does nothing,
# so even an accepted file cannot touch any IPVS table; the cwd is an empty
# directory (debug mode would prefer ./ipvsadm). The daemon reads a private
# copy of FILE. As soon as the verdict is known the namespace's init exits,
# which kills every process the daemon started. Caveat: a `monitorfile=`
# outside /var/log or /run is created on the host by the legacy's config
# reader itself; compat configs keep it under /var/log.
#
# Names resolve only through /etc/hosts and /etc/services (no network here).
set -u

LD=/usr/sbin/ldirectord
TIMEOUT=${LD_TIMEOUT:-5}

if [ "${1:-}" = "--inner" ]; then
	work=$2
	set -e
	mount --make-rprivate /
	mount -t tmpfs ldrun /run
	mount -t tmpfs ldlog /var/log
	printf '#!/bin/sh\nexit 0\n' >"$work/ipvsadm"
	chmod 755 "$work/ipvsadm"
	mount --bind "$work/ipvsadm" /usr/sbin/ipvsadm
	ip link set lo up 2>/dev/null || true
	hostname ld-accepts
	mkdir -p "$work/cwd"
	cd "$work/cwd"
	set +e

	"$LD" -d "$work/cfg/$(basename "$3")" start >"$work/out" 2>&1 </dev/null &
	ld=$!
	rc=timeout
	for _ in $(seq $((TIMEOUT * 20))); do
		if grep -q 'Starting Linux Director' "$work/out"; then rc=started; break; fi
		if ! kill -0 "$ld" 2>/dev/null; then wait "$ld"; rc=$?; break; fi
		sleep 0.05
	done
	echo "rc=$rc" >"$work/rc"
	# Returning ends this PID namespace's init: the kernel kills the
	# daemon and every child it forked.
	exit 0
fi

file=${1:?usage: ldirectord-accepts.sh FILE}
if [ ! -f "$file" ]; then echo "usage: ldirectord-accepts.sh FILE" >&2; exit 2; fi
if [ "$(id -u)" != 0 ]; then echo "ldirectord-accepts.sh: needs root (namespaces)" >&2; exit 2; fi
if [ ! -x "$LD" ]; then echo "ldirectord-accepts.sh: $LD not installed" >&2; exit 2; fi
work=$(mktemp -d /tmp/ld-accepts.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/cfg"
cp "$file" "$work/cfg/$(basename "$file")"

if ! unshare --mount --uts --net --pid --fork --mount-proc \
	"$0" --inner "$work" "$file" >"$work/setup" 2>&1 || [ ! -s "$work/rc" ]; then
	echo "ldirectord-accepts.sh: namespace setup failed:" >&2
	cat "$work/setup" >&2
	exit 2
fi
if [ -n "${LD_VERBOSE:-}" ]; then cat "$work/out" >&2; fi

rc=$(sed 's/rc=//' "$work/rc")
if [ "$rc" = started ]; then
	echo ACCEPT
	exit 0
fi
# `Error [PID] reading file PATH at line N: MESSAGE`; the message may span
# lines (an unknown command quotes the raw line, newline included).
err=$(awk '/^Error \[[0-9]+\]/ { on = 1 } /^(DEBUG|Exiting)/ { if (on) exit } on { print }' "$work/out")
if [ -n "$err" ]; then
	line=$(printf '%s\n' "$err" | head -n1 | sed -n 's/^Error \[[0-9]*\] reading file .* at line \([0-9]*\): .*/\1/p')
	msg=$(printf '%s\n' "$err" | sed -e '1s/^Error \[[0-9]*\]\( reading file .* at line [0-9]*\)\{0,1\}: //' | tr '\n' ' ' | sed -e 's/ *$//')
	echo "REJECT: line ${line:-0}: $msg"
	exit 1
fi
echo "REJECT: line 0: exit status $rc: $(tail -n1 "$work/out")"
exit 1
