#!/usr/bin/python3
"""A steady HTTP load with one line per request, for counting failures.

    http-load.py HOST PORT RATE TIMEOUT LOG

Starts a request every 1/RATE seconds until SIGTERM: a new TCP connection,
an HTTP/1.0 GET of /, the whole answer read within TIMEOUT seconds of the
request's start. One process and one non-blocking event loop (a thread per
request costs too much under the VM's emulated CPU), so a hanging request
never delays the next. Each request appends one line to LOG when it ends:

    START_EPOCH ok BODY_FIRST_LINE       a 200 answer within TIMEOUT
    START_EPOCH fail REASON              anything else (timeout, errno:N, status:N)

START_EPOCH is the wall-clock time the request started (time.time(), the
same clock as `date +%s.%N`), so a caller counts the failures of a time
window by the requests started in it. After SIGTERM the requests in flight
end (each within TIMEOUT) before the program exits.
"""
import errno
import selectors
import signal
import socket
import sys
import time


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    rate, timeout, log = float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    request = b"GET / HTTP/1.0\r\nHost: " + host.encode() + b"\r\n\r\n"
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    sel = selectors.DefaultSelector()
    live = {}  # socket -> [start wall time, deadline (monotonic), state, bytes]
    out = open(log, "a", buffering=1)

    def finish(s, line):
        st = live.pop(s)
        try:
            sel.unregister(s)
        except (KeyError, ValueError):
            pass
        s.close()
        out.write("%.3f %s\n" % (st[0], line))

    def answer(data):
        head, _, body = data.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].split()
        if len(status) >= 2 and status[1] == b"200":
            return "ok " + (body.decode(errors="replace").strip().splitlines() or ["-"])[0]
        return "fail status:" + (status[1].decode(errors="replace") if len(status) >= 2 else "none")

    period = 1.0 / rate
    nxt = time.monotonic()
    while not stopping or live:
        now = time.monotonic()
        if not stopping and now >= nxt:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            live[s] = [time.time(), now + timeout, "connect", b""]
            err = s.connect_ex((host, port))
            if err in (0, errno.EINPROGRESS):
                sel.register(s, selectors.EVENT_WRITE)
            else:
                finish(s, "fail errno:%d" % err)
            nxt += period
            if now - nxt > 1.0:
                # Far behind (the emulated CPU stalled): skip, do not burst.
                nxt = now + period
            continue
        wait = min([st[1] for st in live.values()] + ([] if stopping else [nxt])) - now
        if live:
            events = sel.select(max(0.0, wait))
        else:
            time.sleep(max(0.0, wait))
            events = []
        for key, _ in events:
            s = key.fileobj
            st = live[s]
            try:
                if st[2] == "connect":
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        finish(s, "fail errno:%d" % err)
                        continue
                    s.send(request)
                    st[2] = "read"
                    sel.modify(s, selectors.EVENT_READ)
                else:
                    chunk = s.recv(65536)
                    if chunk:
                        st[3] += chunk
                    else:
                        finish(s, answer(st[3]))
            except OSError as e:
                finish(s, "fail errno:%d" % (e.errno or 0))
        now = time.monotonic()
        for s in [s for s, st in live.items() if st[1] <= now]:
            finish(s, "fail timeout")
    out.close()


if __name__ == "__main__":
    main()
