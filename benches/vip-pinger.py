#!/usr/bin/env python3
"""vip-pinger.py ADDR: ICMP echo to ADDR every 20 ms; prints the Unix time of
each reply, one per line (the failover benchmark's clock)."""
import os, socket, struct, sys, time

def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF

addr = sys.argv[1]
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
sock.settimeout(0.02)
ident = os.getpid() & 0xFFFF
seq = 0
while True:
    seq = (seq + 1) & 0xFFFF
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    pkt = struct.pack("!BBHHH", 8, 0, checksum(hdr + b"vip"), ident, seq) + b"vip"
    try:
        sock.sendto(pkt, (addr, 0))
    except OSError:
        pass
    deadline = time.time() + 0.02
    while time.time() < deadline:
        try:
            data, src = sock.recvfrom(2048)
        except (socket.timeout, BlockingIOError):
            break
        except OSError:
            break
        ihl = (data[0] & 0x0F) * 4
        if src[0] == addr and data[ihl] == 0 and struct.unpack("!H", data[ihl + 4:ihl + 6])[0] == ident:
            print(f"{time.time():.6f}", flush=True)
