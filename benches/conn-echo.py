#!/usr/bin/env python3
"""conn-echo.py: the two ends of the connection-survival benchmark
(benches/conn-survival.sh).

  conn-echo.py serve PORT
      A real server: a connection whose first line is an HTTP request gets
      "test" (ldirectord's negotiate check of the seed's test.html); any
      other connection has every line echoed back, for as long as it lasts.

  conn-echo.py client ADDR PORT N SECONDS KILLFILE
      N long-lived connections to ADDR:PORT, each sending a line every
      100 ms and reading the echoes on its own. Every echo's arrival time is
      kept per connection, so "working at time T" can be judged afterwards:
      an echo arrived in the second before T. When KILLFILE appears it
      holds the Unix time the director was killed. At the end one JSON
      object on stdout: connections established, the kill time, and per
      connection the echo times since one second before the kill and how
      it ended (reset, closed, or open).
"""
import asyncio
import json
import os
import sys
import time

INTERVAL = 0.1


async def serve(port):
    async def handle(reader, writer):
        try:
            first = await reader.readline()
            if first.startswith((b"GET ", b"HEAD ")):
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                             b"Content-Length: 5\r\n\r\ntest\n")
                await writer.drain()
                return
            line = first
            while line:
                writer.write(line)
                await writer.drain()
                line = await reader.readline()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "0.0.0.0", port, backlog=512)
    async with server:
        await server.serve_forever()


async def client(addr, port, n, seconds, killfile):
    end = time.time() + seconds
    conns = []

    async def one(i):
        state = {"echoes": [], "end": "open", "established": False}
        conns.append(state)
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(addr, port), 10)
        except (OSError, asyncio.TimeoutError):
            state["end"] = "connect failed"
            return
        state["established"] = True

        async def read():
            try:
                while True:
                    line = await reader.readline()
                    if not line:
                        state["end"] = "closed"
                        return
                    state["echoes"].append(time.time())
            except ConnectionResetError:
                state["end"] = "reset"
            except OSError as e:
                state["end"] = f"error: {e.strerror}"

        rd = asyncio.ensure_future(read())
        k = 0
        # Writes go on while the path is broken: the kernel buffers them
        # and TCP retransmits, as any long-lived client would.
        while time.time() < end and not rd.done():
            k += 1
            try:
                writer.write(f"{i} {k}\n".encode())
            except OSError:
                break
            await asyncio.sleep(INTERVAL)
        rd.cancel()
        writer.transport.abort()

    # Spread the connects over the first second, as clients arrive.
    tasks = []
    for i in range(n):
        tasks.append(asyncio.ensure_future(one(i)))
        await asyncio.sleep(1.0 / n)
    await asyncio.gather(*tasks, return_exceptions=True)
    killed = None
    if os.path.exists(killfile):
        with open(killfile) as f:
            killed = float(f.read().strip())
    keep_from = (killed or end) - 1.0
    print(json.dumps({
        "connections": n,
        "established": sum(c["established"] for c in conns),
        "killed": killed,
        "conns": [{"end": c["end"],
                   "echoes": [t for t in c["echoes"] if t >= keep_from]}
                  for c in conns],
    }))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        asyncio.run(serve(int(sys.argv[2])))
    elif len(sys.argv) == 7 and sys.argv[1] == "client":
        _, _, addr, port, n, seconds, killfile = sys.argv
        asyncio.run(client(addr, int(port), int(n), float(seconds), killfile))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
