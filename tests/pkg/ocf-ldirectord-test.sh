#!/bin/bash
# Pacemaker's ldirectord resource agent (resource-agents'
# /usr/lib/ocf/resource.d/heartbeat/ldirectord, unchanged) driving
# ldirectord-rs: ocf-tester's whole sequence, then the agent's `stop`
# when `status` fails, where it falls back to
#   pgrep -f "$LDIRECTORD $LDIRCONF start"
# and kills what it finds; that only works if the daemon's command line is
# its invocation's. The legacy /usr/sbin/ldirectord goes through the same
# steps beside it as the baseline.
#
# No kernel IPVS is needed: ldirectord-rs runs with its in-process table
# (LDIRECTORD_RS_IPVS=standin), the legacy with the ipvsadm stand-in
# (crates/ipvs/examples/ipvsadm_standin.rs) bind-mounted over
# /usr/sbin/ipvsadm. Everything runs in a private network namespace (the
# virtual and a real served by python3's http.server, checked with
# checktype=negotiate) and a private mount namespace (/run, so the pid
# files, and /var/lib/heartbeat). Needs root. Under CI=true a missing
# ocf-tester, agent, legacy ldirectord or stand-in is a failure.
#
#   LDIRECTORD_RS=PATH   the binary under test (default target/debug's)
#   IPVSADM_STANDIN=PATH the stand-in (default target/debug/examples')
#   OCF_TEST_LEGACY=0    skip the legacy baseline
#   OCF_TEST_IPVS=kernel the kernel's IPVS instead of the stand-ins, and the
#                        table checked with ipvsadm; in the VM:
#     tests/vm/run.sh --timeout 1500 -- env OCF_TEST_IPVS=kernel tests/pkg/ocf-ldirectord-test.sh
# Exits 0 if every check passed.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
OURS=${LDIRECTORD_RS:-$here/../../target/debug/ldirectord-rs}
STANDIN=${IPVSADM_STANDIN:-$here/../../target/debug/examples/ipvsadm_standin}
AGENT=/usr/lib/ocf/resource.d/heartbeat/ldirectord
LEGACY=/usr/sbin/ldirectord
LEGACY_ON=${OCF_TEST_LEGACY:-1}
IPVS=${OCF_TEST_IPVS:-standin}

missing() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL (CI=true): $*"
		exit 1
	fi
	echo "SKIP: $*"
}
[ "$(id -u)" = 0 ] || { missing "needs root (network and mount namespaces)"; exit 0; }
for f in /usr/sbin/ocf-tester "$AGENT"; do
	[ -x "$f" ] || { missing "$f is missing (apt-get install resource-agents)"; exit 0; }
done
[ -x "$OURS" ] || { echo "FAIL: $OURS is missing (cargo build -p ldirectord-rs)"; exit 1; }
OURS=$(cd "$(dirname "$OURS")" && pwd -P)/$(basename "$OURS")
if [ "$LEGACY_ON" = 1 ]; then
	[ "$IPVS" = kernel ] && STANDIN=/usr/sbin/ipvsadm
	if [ ! -x "$LEGACY" ] || [ ! -x "$STANDIN" ]; then
		missing "the legacy baseline needs $LEGACY and $STANDIN" \
			"(apt-get install ldirectord; cargo build -p ipvs --example ipvsadm_standin)"
		LEGACY_ON=0
	else
		STANDIN=$(cd "$(dirname "$STANDIN")" && pwd -P)/$(basename "$STANDIN")
	fi
fi

W=$(mktemp -d /tmp/ocf-ld.XXXXXX)
NS=ocfld$$
trap 'ip netns del $NS 2>/dev/null; rm -rf "$W"' EXIT
chmod 755 "$W"

# 10.77.0.10:80 the virtual, 10.77.0.2:8080 the real, on a veth pair
# inside the namespace (this kernel may have no dummy links).
ip netns add $NS || { echo "FAIL: cannot create network namespace $NS"; exit 1; }
ip -n $NS link set lo up
ip -n $NS link add e1 type veth peer name e2 || { echo "FAIL: cannot create a veth pair"; exit 1; }
ip -n $NS addr add 10.77.0.10/24 dev e1
ip -n $NS addr add 10.77.0.2/24 dev e1
ip -n $NS link set e1 up
ip -n $NS link set e2 up

mkdir -p "$W/www"
echo "ocf-real-ok" > "$W/www/index.html"
conf() { # NAME: a config whose log is W/NAME.log
	cat > "$W/$1" <<CF
checkinterval=1
checktimeout=3
negotiatetimeout=3
autoreload=no
quiescent=no
logfile="$W/$1.log"

virtual=10.77.0.10:80
	real=10.77.0.2:8080 masq
	service=http
	checktype=negotiate
	request="index.html"
	receive="ocf-real-ok"
	scheduler=rr
	protocol=tcp
CF
}
conf ld.cf
conf legacy.cf

cat > "$W/inner.sh" <<'INNER'
set -u
fail=0
ok() { echo "PASS $*"; }
bad() { echo "FAIL $*"; fail=1; }
# A private /run (pid files, the agent's /run/resource-agents) and
# /var/lib/heartbeat: made first, as a fresh machine may lack them.
mount --make-rprivate /
mount -t tmpfs ocf-run /run && mkdir -p /run/resource-agents /run/lock
mkdir -p /var/lib/heartbeat && mount -t tmpfs ocf-varlib /var/lib/heartbeat
export OCF_ROOT=/usr/lib/ocf
if [ "$IPVS" = kernel ]; then
	unset LDIRECTORD_RS_IPVS
else
	if [ "$LEGACY_ON" = 1 ]; then
		mount --bind "$STANDIN" /usr/sbin/ipvsadm || { echo "FAIL: cannot bind the stand-in"; exit 1; }
	fi
	export LDIRECTORD_RS_IPVS=standin
fi
# Our extra settings file: absent, until a check breaks it on purpose.
export LDIRECTORD_RS_CONF=$W/ldirectord-rs.conf
export IPVSADM_STANDIN_STATE=$W/ipvs.state
unset LDIRECTORD_RS_DASHBOARD LDIRECTORD_RUNDIR HA_LOGFILE HA_DEBUGLOG HA_LOGFACILITY

python3 -m http.server 8080 --bind 10.77.0.2 --directory "$W/www" >"$W/http.log" 2>&1 &
HTTP=$!
# On any exit, the daemons this run started (their configs are in W,
# which no other run shares) and the HTTP server.
trap 'kill $HTTP 2>/dev/null; for p in $(pgrep -f " $W/(ld|legacy)\.cf "); do kill -9 $p; done' EXIT
for _ in $(seq 50); do
	(exec 3<>/dev/tcp/10.77.0.2/8080) 2>/dev/null && break
	sleep 0.1
done
(exec 3<>/dev/tcp/10.77.0.2/8080) 2>/dev/null || { echo "FAIL: the real's HTTP server did not start"; exit 1; }

agent() { # BIN CONF ACTION: the agent as Pacemaker runs it
	OCF_RESKEY_ldirectord=$1 OCF_RESKEY_configfile=$2 "$AGENT" "$3"
}
# Alive and not a zombie waiting for its reaper.
alive() { [ -e /proc/$1 ] && ! grep -q '^[0-9]* (.*) Z' /proc/$1/stat 2>/dev/null; }
gone_within() { # PID SECONDS
	for _ in $(seq $(( $2 * 10 ))); do alive $1 || return 0; sleep 0.1; done
	! alive $1
}
# Evidence the daemon the agent started is really directing: two of its
# checks reached the real's server since the start (the first one's
# verdict was acted on before the second began), and the log's last word
# on the real (ours and the legacy's alike) is that it went in. The legacy
# adds every real at start and deletes it when a check fails, so a real
# that is merely listed as added proves nothing.
gets() { grep -ac '"GET /index.html ' "$W/http.log"; }
real_in() { # LOG GETS_BEFORE_START
	for _ in $(seq 150); do
		[ "$(gets)" -ge $(( $2 + 2 )) ] && break
		sleep 0.1
	done
	[ "$(gets)" -ge $(( $2 + 2 )) ] || { echo "    (no two checks reached the server)"; return 1; }
	case $(grep -aF ' real server: 10.77.0.2:8080 ' "$1" | tail -n 1) in
	*'] Added real server: 10.77.0.2:8080 (10.77.0.10:80)'*) return 0 ;;
	*) return 1 ;;
	esac
}

run_ocf_tester() { # LABEL BIN CONF
	local out rc
	out=$(ocf-tester -n ld -o configfile="$3" -o ldirectord="$2" "$AGENT" 2>&1); rc=$?
	echo "$out" | sed "s/^/    [$1 ocf-tester] /"
	if [ $rc = 0 ] && [ "$(echo "$out" | tail -n 1)" = "$AGENT passed all tests" ]; then
		ok "$1: ocf-tester -n ld -o configfile=$3 -o ldirectord=$2: passed all tests"
	else
		bad "$1: ocf-tester exit $rc"
	fi
	if pgrep -f "$2 $3 start" >/dev/null; then
		bad "$1: a daemon is left after ocf-tester's final stop"
	fi
}

# The agent's stop when its `status` fails (OCF_ERR_GENERIC): BREAK makes
# `BIN CONF status` fail, FIX undoes it.
pgrep_stop() { # LABEL BIN CONF BREAK FIX
	local label=$1 bin=$2 cf=$3 pidf out rc pid want got n0
	pidf=/run/ldirectord.$(basename "$cf").pid
	: > "$cf.log" # only this start's lines count below
	n0=$(gets)
	out=$(agent "$bin" "$cf" start 2>&1); rc=$?
	[ $rc = 0 ] || { bad "$label: agent start exit $rc: $out"; return; }
	pid=$(cat "$pidf" 2>/dev/null)
	[ -n "$pid" ] && alive "$pid" || { bad "$label: agent start left no daemon ($pidf: '$pid')"; return; }
	real_in "$cf.log" "$n0" && ok "$label: the daemon the agent started checked the real twice (negotiate) and it is in" \
		|| bad "$label: the real is not in after two checks: $(grep -a 'real server' "$cf.log" | tr '\n' ';')"
	if [ "$IPVS" = kernel ]; then
		got=$(ipvsadm -Ln -t 10.77.0.10:80 2>&1)
		case $got in *'  -> 10.77.0.2:8080 '*) ok "$label: the kernel's table has the real" ;;
		*) bad "$label: the kernel's table lacks the real: $got" ;; esac
	fi
	want="$bin $cf start"
	got=$(tr '\0' ' ' < /proc/$pid/cmdline); got=${got% }
	echo "    [$label] daemon $pid cmdline: $got"
	got=$(pgrep -f "$want")
	[ "$got" = "$pid" ] && ok "$label: pgrep -f \"$want\" finds exactly the daemon ($pid)" \
		|| bad "$label: pgrep -f \"$want\" found '$got', not the daemon $pid"
	eval "$4"
	out=$("$bin" "$cf" status 2>&1); rc=$?
	echo "    [$label] after breaking: $bin $cf status: exit $rc: $(echo $out)"
	# The agent's condition for its pgrep path: status exit 1 without
	# "stale pid file", 2, or anything but 0, 1 and 3.
	case $rc in
	0 | 3) bad "$label: status still answers (exit $rc), the pgrep path is not taken"; eval "$5"; agent "$bin" "$cf" stop >/dev/null 2>&1; return ;;
	1) case $out in *'ldirectord stale pid file'*)
		bad "$label: status says stale (exit 1), the pgrep path is not taken"; eval "$5"; agent "$bin" "$cf" stop >/dev/null 2>&1; return ;;
	   esac ;;
	esac
	out=$(agent "$bin" "$cf" stop 2>&1); rc=$?
	echo "$out" | sed "s/^/    [$label agent stop] /"
	case $out in *"Killing ldirectord($pid) with SIGTERM"*)
		ok "$label: the agent's stop found the daemon by pgrep and sent it SIGTERM" ;;
	*) bad "$label: the agent's stop did not kill $pid through pgrep" ;; esac
	case $out in *"Killing ldirectord($pid) with SIGKILL"*)
		echo "    [$label] (the agent re-checked at once and followed with SIGKILL)" ;; esac
	# The agent re-runs pgrep at once after each kill: a daemon still in
	# its TERM handler gets SIGKILL, and one not yet dead after that makes
	# the stop fail (exit 1). The legacy (Perl, purging through ipvsadm)
	# always loses the first race and sometimes the second: a note for the
	# baseline; ours must win.
	if [ $rc = 0 ]; then
		ok "$label: agent stop exit 0"
	elif [ "$label" = legacy ]; then
		echo "NOTE $label: agent stop exit $rc: the agent's pgrep right after SIGKILL still saw it"
	else
		bad "$label: agent stop exit $rc"
	fi
	gone_within "$pid" 5 && ok "$label: daemon $pid is gone" || bad "$label: daemon $pid still runs"
	alive "$pid" && kill -9 "$pid" 2>/dev/null
	eval "$5"
	agent "$bin" "$cf" monitor >/dev/null 2>&1; rc=$?
	[ $rc = 7 ] && ok "$label: monitor after the fix: not running (7)" || bad "$label: monitor after the fix: exit $rc"
}

echo "== ldirectord-rs ($OURS, IPVS: $IPVS) under the agent"
run_ocf_tester ours "$OURS" "$W/ld.cf"
# A broken extra settings file makes every ldirectord-rs command but the
# running daemon's fail with exit 2 ("configuration error"), status too.
pgrep_stop ours "$OURS" "$W/ld.cf" \
	"printf 'dashbord = 127.0.0.1:1\n' > \$LDIRECTORD_RS_CONF" "rm -f \$LDIRECTORD_RS_CONF"
# A broken ldirectord.cf while ours runs: its status does not read the
# file (the legacy's does, see below), so the agent's ordinary stop runs.
out=$(agent "$OURS" "$W/ld.cf" start 2>&1) || bad "ours: agent start: $out"
pid=$(cat /run/ldirectord.ld.cf.pid 2>/dev/null)
cp "$W/ld.cf" "$W/ld.cf.good"; echo "bogus_directive=1" >> "$W/ld.cf"
out=$(agent "$OURS" "$W/ld.cf" stop 2>&1); rc=$?
[ $rc = 0 ] && [ -n "$pid" ] && gone_within "$pid" 5 \
	&& ok "ours: broken ldirectord.cf: agent stop exit 0, daemon $pid gone" \
	|| bad "ours: broken ldirectord.cf: agent stop exit $rc, daemon '$pid': $out"
cp "$W/ld.cf.good" "$W/ld.cf"

if [ "$LEGACY_ON" = 1 ]; then
	echo "== legacy $LEGACY (ipvsadm: $IPVS) under the agent, the baseline"
	run_ocf_tester legacy "$LEGACY" "$W/legacy.cf"
	# The legacy's status reads the config: an error exits 2 (and removes
	# the running daemon's pid file).
	pgrep_stop legacy "$LEGACY" "$W/legacy.cf" \
		"cp $W/legacy.cf $W/legacy.cf.good; echo bogus_directive=1 >> $W/legacy.cf" \
		"cp $W/legacy.cf.good $W/legacy.cf"
fi
exit $fail
INNER

export W OURS STANDIN AGENT LEGACY LEGACY_ON IPVS
ip netns exec $NS unshare --mount bash "$W/inner.sh"
rc=$?
[ $rc = 0 ] && echo "ocf-ldirectord-test: all checks passed" || echo "ocf-ldirectord-test: FAILED"
exit $rc
