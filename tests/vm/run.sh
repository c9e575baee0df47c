#!/bin/bash
# Run one command inside a throw-away QEMU VM whose kernel has IPVS.
#
#   tests/vm/run.sh [OPTIONS] -- COMMAND [ARGS...]
#
# The VM boots the host's Debian kernel (software emulation, -accel tcg) with
# the initramfs of build-initramfs.sh, mounts the host's root read-only over 9p
# and switch_roots into it, so every host binary (ipvsadm, perl, python3, the
# test binaries under target/) runs unchanged.  Writable inside: /tmp /run
# /var/log /var/lib /var/tmp /root (tmpfs, empty), /run/ha-vm/share (this run's
# work share on the host) and any --share-rw directories.  COMMAND runs as root
# in the same working directory as here, stdin /dev/null; its stdout and stderr
# are printed after the VM powers off and run.sh exits with COMMAND's status.
#
# Options:
#   --timeout SECS     kill the VM after SECS seconds (default 600; exit 124)
#   --mem SIZE         guest memory (default 512M)
#   --smp N            guest CPUs (default 1)
#   --share-rw DIR     also mount host DIR read-write at the same path (repeatable)
#   --env NAME[=VAL]   pass an environment variable (repeatable); RUST_*, CARGO_*,
#                      HA_* and TERM/NO_COLOR are passed anyway
#   --force-vm         use the VM even if this kernel has IPVS itself
#   --keep             keep the work dir (console log, outputs) and print its path
#   --console          print the guest console log to stderr afterwards
#
# Exit status: COMMAND's, or 124 on timeout, or 125 if the VM failed to report.
# Inside the VM HA_IN_VM=1 and HA_VM_SHARE=/run/ha-vm/share are set.
# Environment: HA_VM_DIR (kernel/initramfs dir, default <repo>/target/vm),
# HA_VM_FORCE=1 (= --force-vm), HA_VM_QEMU_ARGS (extra qemu arguments, split on
# spaces), HA_VM_APPEND (extra kernel arguments; ha_vm.cache=none|loose|mmap
# sets the 9p cache mode of the host root, default loose).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)

timeout=600 mem=512M smp=1 force_vm=${HA_VM_FORCE:-0} keep=0 console=0
shares=() envs=()

usage() { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
die() { echo "run.sh: $*" >&2; exit 125; }

while (($#)); do
    case $1 in
        --timeout) timeout=${2:?}; shift 2 ;;
        --timeout=*) timeout=${1#*=}; shift ;;
        --mem) mem=${2:?}; shift 2 ;;
        --mem=*) mem=${1#*=}; shift ;;
        --smp) smp=${2:?}; shift 2 ;;
        --smp=*) smp=${1#*=}; shift ;;
        --share-rw) shares+=("${2:?}"); shift 2 ;;
        --share-rw=*) shares+=("${1#*=}"); shift ;;
        --env) envs+=("${2:?}"); shift 2 ;;
        --env=*) envs+=("${1#*=}"); shift ;;
        --force-vm) force_vm=1; shift ;;
        --keep) keep=1; shift ;;
        --console) console=1; shift ;;
        -h | --help) usage ;;
        --) shift; break ;;
        -*) echo "run.sh: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
done
(($#)) || usage
[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds"

# --- host kernel already has IPVS? run directly ------------------------------
if [[ $force_vm != 1 && $(id -u) == 0 ]] &&
    { [[ -e /proc/net/ip_vs ]] || { modprobe -q ip_vs 2>/dev/null && [[ -e /proc/net/ip_vs ]]; }; }; then
    echo "run.sh: host kernel has IPVS; running directly (--force-vm to use the VM)" >&2
    export HA_IN_VM=0
    exec timeout -k 5 "$timeout" "$@"
fi

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found; install qemu-system-x86"

vmdir=${HA_VM_DIR:-$repo/target/vm}
"$here/build-initramfs.sh" "$vmdir" || die "building the initramfs failed"

kernel=$vmdir/vmlinux   # PVH entry: skips the slow in-guest decompression
[[ -s $kernel ]] || kernel=$vmdir/vmlinuz

cwd=$(pwd -P)
# The guest lays tmpfs over these host directories; a checkout or working
# directory under one of them (CI may clone into /tmp) would vanish there, so
# it is shared in at its own path.
for d in "$repo" "$cwd"; do
    [[ $d == "$repo" || $d != "$repo"/* ]] || continue
    case "$d/" in
        /tmp/* | /run/* | /var/run/* | /var/log/* | /var/lib/* | /var/tmp/* | /root/*) shares+=("$d") ;;
    esac
done
work=$(mktemp -d "${TMPDIR:-/tmp}/ha-vm.XXXXXX") || die "mktemp failed"
share=$work/share
mkdir "$share"

qpid=
cleanup() {
    if [[ -n $qpid ]] && kill -0 "$qpid" 2>/dev/null; then
        kill -TERM "$qpid" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$qpid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$qpid" 2>/dev/null
        wait "$qpid" 2>/dev/null
    fi
    qpid=
    if [[ $keep == 1 ]]; then
        echo "run.sh: work dir kept: $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- the command script (bash, every word %q-quoted) --------------------------
{
    echo '#!/bin/bash'
    echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    echo 'export HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8'
    echo 'export HA_IN_VM=1 HA_VM_SHARE=/run/ha-vm/share TMPDIR=/tmp'
    for name in $(compgen -e); do
        case $name in
            HA_VM_* | HA_IN_VM) ;;
            RUST_* | CARGO_* | HA_* | TERM | NO_COLOR) printf 'export %s=%q\n' "$name" "${!name}" ;;
        esac
    done
    for e in "${envs[@]}"; do
        name=${e%%=*}
        [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad --env $e"
        if [[ $e == *=* ]]; then val=${e#*=}; else val=${!name-}; fi
        printf 'export %s=%q\n' "$name" "$val"
    done
    printf 'cd -- %q || exit 125\n' "$cwd"
    printf 'exec'
    printf ' %q' "$@"
    printf '\n'
} >"$share/cmd.sh"

virtfs=(
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
    -virtfs "local,path=$share,mount_tag=vmshare,security_model=none,multidevs=remap"
)
i=0
for d in "${shares[@]}"; do
    [[ -d $d ]] || die "--share-rw $d: not a directory"
    d=$(cd "$d" && pwd -P)
    [[ $d != *[[:space:],]* ]] || die "--share-rw $d: no spaces or commas, please"
    virtfs+=(-virtfs "local,path=$d,mount_tag=rw$i,security_model=none,multidevs=remap")
    echo "rw$i $d" >>"$share/mounts"
    i=$((i + 1))
done

# --- boot ----------------------------------------------------------------------
# If run.sh itself is SIGKILLed (no trap runs), the kernel kills qemu for us.
deathsig=()
setpriv --help 2>/dev/null | grep -q -- --pdeathsig && deathsig=(setpriv --pdeathsig KILL --)
start=$(date +%s)
"${deathsig[@]}" qemu-system-x86_64 \
    -M q35 -accel tcg -m "$mem" -smp "$smp" \
    -nodefaults -no-user-config -display none -monitor none \
    -serial "file:$work/console.log" -no-reboot \
    -kernel "$kernel" -initrd "$vmdir/initramfs.cpio.gz" \
    -append "console=ttyS0 quiet panic=-1 ${HA_VM_APPEND:-}" \
    "${virtfs[@]}" ${HA_VM_QEMU_ARGS:-} \
    </dev/null >"$work/qemu.log" 2>&1 &
qpid=$!

timed_out=0
while kill -0 "$qpid" 2>/dev/null; do
    if (($(date +%s) - start >= timeout)); then
        timed_out=1
        break
    fi
    sleep 0.2
done
if [[ $timed_out == 1 ]]; then
    kill -KILL "$qpid" 2>/dev/null
fi
wait "$qpid" 2>/dev/null
qrc=$?
qpid=

[[ -f $share/stdout ]] && cat "$share/stdout"
[[ -f $share/stderr ]] && cat "$share/stderr" >&2
if [[ $console == 1 ]]; then
    echo "----- guest console -----" >&2
    cat "$work/console.log" >&2
fi

if [[ -f $share/exit-status ]]; then
    rc=$(cat "$share/exit-status")
    [[ $rc =~ ^[0-9]+$ ]] || die "bad exit status from the VM: $rc"
    exit "$rc"
fi

keep=1
if [[ $timed_out == 1 ]]; then
    echo "run.sh: TIMEOUT: the VM did not finish within ${timeout}s (qemu killed)" >&2
    code=124
else
    echo "run.sh: the VM did not report an exit status (qemu exit status $qrc)" >&2
    code=125
fi
echo "run.sh: last lines of the guest console ($work/console.log):" >&2
tail -n 20 "$work/console.log" >&2
[[ -s $work/qemu.log ]] && { echo "run.sh: qemu said:" >&2; tail -n 20 "$work/qemu.log" >&2; }
exit "$code"
