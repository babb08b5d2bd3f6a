#!/usr/bin/env python3
"""Load for bench/upgrade.sh (not a test).

`upgrade_load.py upstream PORTFILE`: a keep-alive HTTP/1.1 upstream on
127.0.0.1:0 answering every request `{"fast":1}`; writes its port to PORTFILE.

`upgrade_load.py client HOST:PORT RATE SECONDS`: an open-loop client at RATE
requests a second for SECONDS, one new connection per request
(`Connection: close`), no retries. Prints one JSON line: sent, ok, refused
(ECONNREFUSED), reset (ECONNRESET/EPIPE), cut (closed before a whole answer),
timeouts (5 s), other, non-200, the versions answered (X-KrakenD) and the
latency percentiles.
"""
import asyncio
import json
import sys
import time


async def upstream(portfile):
    body = b'{"fast":1}'
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))

    async def serve(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                writer.write(head + body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    with open(portfile, "w") as f:
        f.write(str(port))
    async with server:
        await server.serve_forever()


async def client(target, rate, seconds):
    host, port = target.rsplit(":", 1)
    port = int(port)
    counts = {"sent": 0, "ok": 0, "refused": 0, "reset": 0, "cut": 0,
              "timeouts": 0, "other": 0, "non_200": 0}
    versions = {}
    latencies = []
    errors = []
    request = (b"GET /fast HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")

    async def one():
        t0 = time.perf_counter()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port), 5)
        except ConnectionRefusedError:
            counts["refused"] += 1
            return
        except asyncio.TimeoutError:
            counts["timeouts"] += 1
            return
        except OSError as e:
            counts["other"] += 1
            errors.append(repr(e))
            return
        try:
            writer.write(request)
            data = await asyncio.wait_for(reader.read(), 5)
            if not data.endswith(b'{"fast":1}'):
                counts["cut"] += 1
                errors.append(repr(data[:80]))
            elif not data.startswith(b"HTTP/1.1 200 "):
                counts["non_200"] += 1
            else:
                counts["ok"] += 1
                latencies.append(time.perf_counter() - t0)
                for line in data.split(b"\r\n"):
                    if line.lower().startswith(b"x-krakend:"):
                        v = line.split(b":", 1)[1].strip().decode()
                        versions[v] = versions.get(v, 0) + 1
        except (ConnectionResetError, BrokenPipeError):
            counts["reset"] += 1
        except asyncio.TimeoutError:
            counts["timeouts"] += 1
        except OSError as e:
            counts["other"] += 1
            errors.append(repr(e))
        finally:
            writer.close()

    tasks = set()
    start = time.perf_counter()
    tick = 0.005
    per_tick = rate * tick
    owed = 0.0
    n = 0
    while True:
        now = time.perf_counter() - start
        if now >= seconds:
            break
        # Open loop: what the schedule owes up to now is sent now.
        owed = now * rate - n
        while owed >= 1:
            t = asyncio.ensure_future(one())
            tasks.add(t)
            t.add_done_callback(tasks.discard)
            n += 1
            owed -= 1
        await asyncio.sleep(tick)
    counts["sent"] = n
    if tasks:
        await asyncio.wait(tasks, timeout=15)
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p):
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    counts.update({
        "seconds": round(elapsed, 1),
        "rate_sent": round(n / seconds, 1),
        "versions": versions,
        "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0),
        "errors": errors[:10],
    })
    print(json.dumps(counts))


def main():
    if sys.argv[1] == "upstream":
        asyncio.run(upstream(sys.argv[2]))
    else:
        asyncio.run(client(sys.argv[2], float(sys.argv[3]), float(sys.argv[4])))


if __name__ == "__main__":
    main()
