#!/usr/bin/python3
"""A steady HTTP load with one line per request, for counting failures.

    http-load.py HOST PORT RATE TIMEOUT LOG

Starts a request every 1/RATE seconds until SIGTERM, each in its own thread
so that a hanging one never delays the next: a new TCP connection, an
HTTP/1.0 GET of /, the whole answer read within TIMEOUT seconds of the
request's start. Each request appends one line to LOG when it ends:

    START_EPOCH ok BODY_FIRST_LINE       a 200 answer within TIMEOUT
    START_EPOCH fail REASON              anything else

START_EPOCH is the wall-clock time the request started (time.time(), the
same clock as `date +%s.%N`), so a caller counts the failures of a time
window by the requests started in it.
"""
import signal
import socket
import sys
import threading
import time


def one(host, port, timeout, start, out, lock):
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: " + host.encode() + b"\r\n\r\n")
            data = b""
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout("timed out")
                s.settimeout(left)
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].split()
        if len(status) >= 2 and status[1] == b"200":
            line = "ok " + (body.decode(errors="replace").strip().splitlines() or ["-"])[0]
        else:
            line = "fail status:" + (status[1].decode(errors="replace") if len(status) >= 2 else "none")
    except socket.timeout:
        line = "fail timeout"
    except OSError as e:
        line = "fail " + (e.__class__.__name__ if e.errno is None else "errno:%d" % e.errno)
    with lock:
        out.write("%.3f %s\n" % (start, line))
        out.flush()


def main():
    host, port, rate, timeout, log = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lock = threading.Lock()
    period = 1.0 / rate
    with open(log, "a") as out:
        nxt = time.monotonic()
        while not stop.is_set():
            threading.Thread(target=one, args=(host, port, timeout, time.time(), out, lock), daemon=True).start()
            nxt += period
            delay = nxt - time.monotonic()
            if delay > 0:
                stop.wait(delay)
            elif delay < -1.0:
                # Far behind (the emulated CPU stalled): skip, do not burst.
                nxt = time.monotonic()
        # Let the requests in flight finish (each ends within timeout).
        end = time.monotonic() + timeout + 0.5
        for t in threading.enumerate():
            if t is not threading.current_thread():
                t.join(max(0.0, end - time.monotonic()))


if __name__ == "__main__":
    main()
