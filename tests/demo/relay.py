#!/usr/bin/env python3
"""A TCP relay: LISTEN_ADDR LISTEN_PORT -> TARGET_ADDR TARGET_PORT, one
thread pair per connection. The demo's VM runs it so that the host's
browser (through QEMU's port forward) reaches the status page of the
director holding the VIP."""
import socket
import sys
import threading


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    laddr, lport, taddr, tport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((laddr, lport))
    server.listen(32)
    while True:
        client, _ = server.accept()
        try:
            upstream = socket.create_connection((taddr, tport), timeout=5)
            upstream.settimeout(None)
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


main()
