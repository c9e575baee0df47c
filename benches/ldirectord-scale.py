#!/usr/bin/env python3
"""ldirectord-rs and the legacy ldirectord 4.12 at scale, one after the other
on the same config, in one run (issues 6 and 15's benchmark).

REALS real servers across VIRTUALS virtual services, checkinterval=1, half
the virtuals with connect checks and half with http negotiate checks, all
against one nginx answering for every 127.x address inside a network
namespace made for the run. This host's kernel has no IPVS, so both daemons
run against a stand-in table: ldirectord-rs with LDIRECTORD_RS_IPVS=standin
(in-process), the legacy with /usr/sbin/ipvsadm replaced, in a private mount
namespace, by crates/ipvs/examples/ipvsadm_standin.rs (a file-backed table,
about 1 ms a call, faster than the real ipvsadm).

Measured over SECS seconds once the table is built (or after the warm-up
limit): CPU (cpuacct cgroup of the daemon and everything it forks), RSS and
PSS summed over its processes, and detection latency: about every second (at a random phase) a real
in the table is made to refuse connections (nftables reject in the
namespace) and the time until the daemon logs `Deleted real server: IP:80`
is taken; the real is let back 2 s later.

Then a reload, five times: one real's weight changed in the file (1 to 5,
then back, and so on) and SIGHUP (what `ldirectord reload` sends); the
median time until the change is logged (and each time), every other line
logged in the 5 s after each (a reload of one change should log nothing
else), and the CPU over those 5 s.

LDIRECTORD_RS=PATH runs another build of ours (e.g. a wrapper for a
profiler).

usage: ldirectord-scale.py [--reals N] [--virtuals N] [--secs S]
                           [--warmup S] [--only ours|legacy]
"""

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = os.environ.get("LDIRECTORD_RS", os.path.join(ROOT, "target/release/ldirectord-rs"))
STANDIN = os.path.join(ROOT, "target/release/examples/ipvsadm_standin")
CGROOT = "/sys/fs/cgroup"


def sh(cmd, check=True):
    return subprocess.run(cmd, shell=True, check=check, capture_output=True, text=True)


def real_ip(j):
    return f"127.1.{j // 250}.{j % 250 + 1}"


def write_config(path, log, reals, virtuals, weighted=None):
    """`weighted`: the index of one real given weight 5 (the reload's one
    change); every other line stays as it was."""
    per = reals // virtuals
    lines = [
        "checkinterval=1",
        "checktimeout=2",
        "negotiatetimeout=2",
        f'logfile="{log}"',
        "quiescent=no",
        "fork=yes",
        "autoreload=no",
        "",
    ]
    for i in range(virtuals):
        lines.append(f"virtual=10.200.{i // 250}.{i % 250 + 1}:80")
        for k in range(per):
            j = i * per + k
            lines.append(f"\treal={real_ip(j)}:80 gate" + (" 5" if j == weighted else ""))
        if i % 2 == 0:
            lines += ["\tchecktype=connect"]
        else:
            lines += [
                "\tchecktype=negotiate",
                "\tservice=http",
                '\trequest="test.html"',
                '\treceive="test"',
            ]
        lines += ["\tscheduler=wrr", "\tprotocol=tcp", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


class Cgroup:
    """cpuacct + memory cgroups (v1) holding the daemon and its children."""

    def __init__(self, name):
        self.dirs = {c: f"{CGROOT}/{c}/{name}" for c in ("cpuacct", "memory")}
        for d in self.dirs.values():
            os.makedirs(d, exist_ok=True)

    def enter_cmd(self):
        return "; ".join(f"echo $$ > {d}/cgroup.procs" for d in self.dirs.values())

    def cpu_ns(self):
        with open(f"{self.dirs['cpuacct']}/cpuacct.usage") as f:
            return int(f.read())

    def user_sys(self):
        with open(f"{self.dirs['cpuacct']}/cpuacct.stat") as f:
            v = dict(line.split() for line in f)
        hz = os.sysconf("SC_CLK_TCK")
        return int(v["user"]) / hz, int(v["system"]) / hz

    def pids(self):
        with open(f"{self.dirs['cpuacct']}/cgroup.procs") as f:
            return [int(x) for x in f.read().split()]

    def memory(self):
        rss = pss = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/smaps_rollup") as f:
                    for line in f:
                        if line.startswith("Rss:"):
                            rss += int(line.split()[1])
                        elif line.startswith("Pss:"):
                            pss += int(line.split()[1])
            except OSError:
                pass
        return rss, pss, len(self.pids())

    def kill_all(self):
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.5)
        for d in self.dirs.values():
            try:
                os.rmdir(d)
            except OSError:
                pass


class LogWatch:
    """Follows a daemon's log, stamping each line with when it appeared."""

    DELETED = re.compile(r"Deleted real server: (127\.[0-9.]+):80 ")
    ADDED = re.compile(r"(?:Added|Restored) real server: (127\.[0-9.]+):80 ")

    def __init__(self, path):
        self.path = path
        self.pos = 0
        self.buf = ""
        self.present = set()
        self.deleted_at = {}
        self.lines = []  # (when, line) since the last take_lines()

    def poll(self):
        try:
            with open(self.path, errors="replace") as f:
                f.seek(self.pos)
                data = f.read()
                self.pos = f.tell()
        except OSError:
            return
        now = time.monotonic()
        self.buf += data
        *lines, self.buf = self.buf.split("\n")
        for line in lines:
            self.lines.append((now, line))
            m = self.ADDED.search(line)
            if m:
                self.present.add(m.group(1))
            m = self.DELETED.search(line)
            if m:
                self.present.discard(m.group(1))
                self.deleted_at[m.group(1)] = now


    def take_lines(self):
        taken, self.lines = self.lines, []
        return taken


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def run_one(kind, args, ns, tmp):
    log = f"{tmp}/{kind}.log"
    cfg = f"{tmp}/ldb-{os.getpid()}-{kind}.cf"
    write_config(cfg, log, args.reals, args.virtuals)
    cg = Cgroup(f"ldb-{os.getpid()}-{kind}")
    if kind == "ours":
        cmd = (
            f"{cg.enter_cmd()}; exec ip netns exec {ns} env LDIRECTORD_RS_IPVS=standin "
            f"LDIRECTORD_RUNDIR={tmp} {OURS} {cfg} start"
        )
    else:
        state = f"{tmp}/ipvsadm.rules"
        cmd = (
            f"{cg.enter_cmd()}; exec ip netns exec {ns} unshare --mount --propagation private "
            f"sh -c 'mount --bind {STANDIN} /usr/sbin/ipvsadm && "
            f"mount -t tmpfs tmpfs /run && exec env IPVSADM_STANDIN_STATE={state} "
            f"/usr/sbin/ldirectord {cfg} start'"
        )
    subprocess.run(["sh", "-c", cmd], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        result = measure(kind, args, ns, log, cg)
        if result["built"]:
            result.update(measure_reload(args, log, cfg, cg))
        return result
    finally:
        cg.kill_all()


def measure(kind, args, ns, log, cg):
    watch = LogWatch(log)
    t0 = time.monotonic()
    built = None
    while time.monotonic() - t0 < args.warmup:
        watch.poll()
        if len(watch.present) >= args.reals:
            built = time.monotonic() - t0
            break
        time.sleep(0.05)
    print(
        f"[{kind}] table: {len(watch.present)}/{args.reals} reals in after "
        f"{time.monotonic() - t0:.1f} s" + ("" if built else " (warm-up limit reached)"),
        flush=True,
    )
    cpu0, w0, us0 = cg.cpu_ns(), time.monotonic(), cg.user_sys()
    latencies = []
    missed = 0
    blocked = {}  # ip -> time blocked
    release = {}  # ip -> time to let it back
    next_fail = w0
    peak_rss = peak_pss = 0
    next_mem = w0
    while time.monotonic() - w0 < args.secs:
        now = time.monotonic()
        watch.poll()
        for ip, t in list(blocked.items()):
            if ip in watch.deleted_at and watch.deleted_at[ip] >= t:
                latencies.append(watch.deleted_at[ip] - t)
                del blocked[ip]
                release[ip] = now + 2
        for ip, t in list(release.items()):
            if now >= t:
                sh(f"ip netns exec {ns} nft delete element inet ldb down '{{ {ip} }}'", check=False)
                del release[ip]
        if now >= next_fail:
            # A random phase, so failures do not line up with the
            # daemon's own check rhythm.
            next_fail += random.uniform(0.5, 1.5)
            candidates = [
                ip for ip in watch.present if ip not in blocked and ip not in release
            ]
            if candidates:
                ip = random.choice(candidates)
                sh(f"ip netns exec {ns} nft add element inet ldb down '{{ {ip} }}'")
                blocked[ip] = time.monotonic()
        if now >= next_mem:
            rss, pss, _ = cg.memory()
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            next_mem = now + 5
        time.sleep(0.005)
    wall = time.monotonic() - w0
    cpu = (cg.cpu_ns() - cpu0) / 1e9
    us1 = cg.user_sys()
    user, system = (us1[0] - us0[0]) / wall, (us1[1] - us0[1]) / wall
    rss, pss, nproc = cg.memory()
    missed = len(blocked)
    for ip in list(blocked) + list(release):
        sh(f"ip netns exec {ns} nft delete element inet ldb down '{{ {ip} }}'", check=False)
    return {
        "kind": kind,
        "built": built,
        "present": len(watch.present),
        "cpu": cpu / wall,
        "user": user,
        "sys": system,
        "rss": max(peak_rss, rss) / 1024,
        "pss": max(peak_pss, pss) / 1024,
        "procs": nproc,
        "lat": latencies,
        "missed": missed,
    }


def main_pid(cg):
    """The daemon itself: the one process of the cgroup whose parent is
    not in it (the legacy's forked checkers are its children)."""
    pids = set(cg.pids())
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid not in pids:
            return pid
    return None


# Lines a reload is expected to log besides the change itself.
RELOAD_OWN = re.compile(r"reread new configuration|Configuration file .* has changed")
# Reloads per run: one is at the mercy of what else the machine does in
# those 50 ms, so the median of these is reported.
RELOADS = 5


def measure_reload(args, log, cfg, cg, reps=RELOADS):
    """One real's weight changed in the file, then SIGHUP (what the
    legacy's `reload` sends), `reps` times, the weight going 1 -> 5 -> 1
    ...: each time until the change is logged, every other line logged in
    the 5 s after, and the CPU over those 5 s."""
    watch = LogWatch(log)
    time.sleep(3)  # the steady phase's last failed reals come back
    watch.poll()
    watch.take_lines()
    j = args.reals // 2 + 7
    ip = real_ip(j)
    pid = main_pid(cg)
    times, other, cpus = [], [], []
    for rep in range(reps):
        weight = 5 if rep % 2 == 0 else 1
        write_config(cfg, log, args.reals, args.virtuals, weighted=j if weight == 5 else None)
        changed = re.compile(re.escape(f"{ip}:80 ") + rf".*Weight set to {weight}\b")
        cpu0 = cg.cpu_ns()
        t_hup = time.monotonic()
        os.kill(pid, signal.SIGHUP)
        done = None
        while time.monotonic() - t_hup < 5:
            watch.poll()
            if done is None:
                done = next((t for t, line in watch.lines if changed.search(line)), None)
            time.sleep(0.002)
        cpus.append((cg.cpu_ns() - cpu0) / 1e9 / (time.monotonic() - t_hup))
        lines = watch.take_lines()
        other += [l for _, l in lines if not changed.search(l) and not RELOAD_OWN.search(l)]
        times.append((done - t_hup) * 1000 if done else None)
    done_ms = [t for t in times if t is not None]
    return {
        "reload_ms": statistics.median(done_ms) if len(done_ms) == reps else None,
        "reload_each": times,
        "reload_other": other,
        "reload_cpu": statistics.median(cpus),
    }


def main():
    # SIGTERM unwinds like ^C, so the namespace, nginx and daemons go.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    ap = argparse.ArgumentParser()
    ap.add_argument("--reals", type=int, default=10000)
    ap.add_argument("--virtuals", type=int, default=500)
    ap.add_argument("--secs", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=120)
    ap.add_argument("--only", choices=["ours", "legacy"])
    args = ap.parse_args()
    for need in (OURS, STANDIN, "/usr/sbin/ldirectord", shutil.which("nginx") or "/nonexistent"):
        if not os.path.exists(need):
            sys.exit(
                f"missing {need}: cargo build --release -p ldirectord-rs && "
                "cargo build --release -p ipvs --example ipvsadm_standin; "
                "apt-get install ldirectord nginx"
            )
    ns = f"ldb{os.getpid()}"
    tmp = tempfile.mkdtemp(prefix="ldb-")
    os.chmod(tmp, 0o755)  # nginx workers run as www-data
    os.makedirs(f"{tmp}/www")
    with open(f"{tmp}/www/test.html", "w") as f:
        f.write("test\n")
    with open(f"{tmp}/nginx.conf", "w") as f:
        f.write(
            f"""worker_processes 2; pid {tmp}/nginx.pid; error_log {tmp}/nginx.err;
worker_rlimit_nofile 65536;
events {{ worker_connections 16384; }}
http {{ access_log off; server {{ listen 80 backlog=8192; root {tmp}/www; }} }}
"""
        )
    nginx = None
    try:
        sh(f"ip netns add {ns}")
        sh(f"ip netns exec {ns} ip link set lo up")
        sh(
            f"ip netns exec {ns} nft 'add table inet ldb; "
            f"add set inet ldb down {{ type ipv4_addr; }}; "
            f"add chain inet ldb input {{ type filter hook input priority 0; }}; "
            f"add rule inet ldb input ip daddr @down tcp dport 80 reject with tcp reset'"
        )
        nginx = subprocess.Popen(
            ["ip", "netns", "exec", ns, "nginx", "-c", f"{tmp}/nginx.conf", "-g", "daemon off;"]
        )
        time.sleep(1)
        results = []
        for kind in ("ours", "legacy"):
            if args.only and args.only != kind:
                continue
            results.append(run_one(kind, args, ns, tmp))
        print(
            f"\n{args.reals} reals / {args.virtuals} virtuals, checkinterval=1, "
            f"checktimeout=2, {args.secs} s measured"
        )
        print("daemon   table built   CPU (cores) (user+sys)  RSS MB  PSS MB  procs  detections  p50 ms  p99 ms  max ms  undetected")
        for r in results:
            lat = [x * 1000 for x in r["lat"]]
            built = f"{r['built']:.1f} s" if r["built"] else f"{r['present']} in"
            print(
                f"{r['kind']:<8} {built:>12} {r['cpu']:>12.3f} ({r['user']:.2f}+{r['sys']:.2f}) {r['rss']:>7.1f} {r['pss']:>7.1f} "
                f"{r['procs']:>6} {len(lat):>11} {pct(lat, 50):>7.0f} {pct(lat, 99):>7.0f} "
                f"{(max(lat) if lat else float('nan')):>7.0f} {r['missed']:>11}"
            )
        print(f"\nreload of one change (one real's weight, SIGHUP), {RELOADS} times:")
        print("daemon   change logged after (median)  other lines in 5 s  CPU over those 5 s (cores)  each")
        for r in results:
            if "reload_ms" not in r:
                print(f"{r['kind']:<8} not measured: the table was never built")
                continue
            ms = f"{r['reload_ms']:.0f} ms" if r["reload_ms"] is not None else "not in 5 s"
            each = " ".join(f"{t:.0f}" if t is not None else "-" for t in r["reload_each"])
            print(f"{r['kind']:<8} {ms:>28} {len(r['reload_other']):>19} {r['reload_cpu']:>27.3f}  {each}")
            for line in r["reload_other"][:5]:
                print(f"           e.g. {line}")
        if len(results) == 2 and results[0]["lat"] and results[1]["lat"]:
            o, l = results
            print(
                f"\nratio legacy/ours: CPU {l['cpu'] / o['cpu']:.1f}x, PSS {l['pss'] / o['pss']:.1f}x, "
                f"p50 {statistics.median(l['lat']) / statistics.median(o['lat']):.1f}x"
            )
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        sh(f"ip netns del {ns}", check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
