#!/usr/bin/python3
"""Which heartbeat and which ldirectord run in each director's namespace.

    node-procs.py ROOTPREFIX NETNS...

For each named network namespace (ip netns, /run/netns/NAME) prints one line

    NETNS hb=KIND[:PID:EXE] ld=KIND[:PID:EXE]

KIND is `legacy` (heartbeat 3.0.6's "master control process", or the Perl
ldirectord), `ours` (a heartbeatd / ldirectord-rs executable) or `none`;
`?` for a process that looks like neither. EXE is /proc/PID/exe with the
director's root (ROOTPREFIX/NETNS/root, where its chroot is) cut off, so it
is the path inside that director. One process per namespace is shown for
each daemon: the oldest.
"""
import os
import sys


def netns_inode(path):
    return os.stat(path).st_ino


def procs():
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            ns = os.stat("/proc/%s/ns/net" % p).st_ino
            exe = os.readlink("/proc/%s/exe" % p)
            with open("/proc/%s/cmdline" % p, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            with open("/proc/%s/stat" % p) as f:
                start = int(f.read().rsplit(")", 1)[1].split()[19])
        except OSError:
            continue
        yield int(p), ns, exe, cmd, start


def kind_hb(exe, cmd):
    base = os.path.basename(exe.replace(" (deleted)", ""))
    if base.startswith("heartbeatd"):
        return "ours"
    if cmd.startswith("heartbeat: master control process"):
        return "legacy" if base.startswith("heartbeat") else "?"
    return None


def kind_ld(exe, cmd):
    base = os.path.basename(exe.replace(" (deleted)", ""))
    if base.startswith("ldirectord-rs"):
        return "ours"
    if base.startswith("perl") and "ldirectord" in cmd:
        return "legacy"
    return None


def main():
    prefix = sys.argv[1]
    names = sys.argv[2:]
    inode = {netns_inode("/run/netns/" + n): n for n in names}
    found = {n: {"hb": None, "ld": None} for n in names}
    for pid, ns, exe, cmd, start in sorted(procs(), key=lambda t: t[4]):
        n = inode.get(ns)
        if n is None:
            continue
        inner = exe
        root = "%s/%s/root" % (prefix, n)
        if inner.startswith(root + "/"):
            inner = inner[len(root):]
        for what, fn in (("hb", kind_hb), ("ld", kind_ld)):
            k = fn(exe, cmd)
            if k and found[n][what] is None:
                found[n][what] = "%s:%d:%s" % (k, pid, inner)
    for n in names:
        print("%s hb=%s ld=%s" % (n, found[n]["hb"] or "none", found[n]["ld"] or "none"))


if __name__ == "__main__":
    main()
