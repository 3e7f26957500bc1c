"""`serve --transport http` under a slow-loris attack: what it costs the server, and a normal
client's wait, against the same server idle a moment before (same run).

    python -m bench.slowloris [--connections 200] [--max-connections N] [--header-timeout S]

The attacker keeps ``--connections`` connections open, each sending a request head one byte
a second and reconnecting whenever the server cuts it off. Meanwhile a client pings its MCP
session every 50 ms. Reported: the server's RSS and threads (from /proc), ping latency p50
and p95 and their ratio to idle, and what the attacker saw (cut off, refused with 503).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SERVE = [sys.executable, "-m", "sage200_mcp", "serve", "--demo", "--transport", "http"]
HEAD = b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 200
ACCEPT = {"Accept": "application/json, text/event-stream"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "bench", "version": "1"},
    },
}


@dataclass
class Attack:
    open_now: int = 0
    cut_off: int = 0
    refused: int = 0
    lifetimes: list[float] = field(default_factory=list)


def proc_status(pid: int) -> tuple[float, int]:
    """The process's RSS in MiB and its thread count."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["Threads"])


async def loris(port: int, attack: Attack, stop: asyncio.Event) -> None:
    while not stop.is_set():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        attack.open_now += 1
        started = time.monotonic()
        try:
            for byte in HEAD:
                writer.write(bytes([byte]))
                await writer.drain()
                try:
                    answer = await asyncio.wait_for(reader.read(1024), timeout=1.0)
                except TimeoutError:
                    if stop.is_set():
                        return
                    continue
                if answer.startswith(b"HTTP/1.1 503"):
                    attack.refused += 1
                else:
                    attack.cut_off += 1
                    attack.lifetimes.append(time.monotonic() - started)
                break
        except ConnectionError:
            attack.cut_off += 1
        finally:
            attack.open_now -= 1
            writer.close()
        await asyncio.sleep(0.1)


async def pings(url: str, session: str, count: int) -> list[float]:
    headers = {**ACCEPT, "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"}
    took: list[float] = []
    async with httpx.AsyncClient(timeout=30) as client:
        for n in range(count):
            started = time.monotonic()
            answer = await client.post(
                url, json={"jsonrpc": "2.0", "id": n + 2, "method": "ping"}, headers=headers
            )
            took.append(time.monotonic() - started)
            assert answer.status_code == 200, answer.text
            await asyncio.sleep(0.05)
    return took


def summary(took: list[float]) -> tuple[float, float]:
    ordered = sorted(took)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95)] * 1000


async def measure(args: argparse.Namespace, port: int, pid: int) -> None:
    url = f"http://127.0.0.1:{port}/mcp"
    async with httpx.AsyncClient(timeout=30) as client:
        opened = await client.post(url, json=INITIALIZE, headers=ACCEPT)
        session = opened.headers["mcp-session-id"]
        await client.post(
            url,
            json={"jsonrpc": "2.0", "method": "notifications/initialized"},
            headers={**ACCEPT, "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"},
        )
    await pings(url, session, args.pings)  # warm: the server's RSS grows for a while at first
    idle = summary(await pings(url, session, args.pings))
    idle_rss, idle_threads = proc_status(pid)

    attack, stop = Attack(), asyncio.Event()
    attackers = [asyncio.ensure_future(loris(port, attack, stop)) for _ in range(args.connections)]
    await asyncio.sleep(3)
    held_at_start = attack.open_now
    under = summary(await pings(url, session, args.pings))
    rss, threads = proc_status(pid)
    await asyncio.sleep(max(0.0, args.header_timeout + 2 - 3))
    peak_rss, _ = proc_status(pid)
    stop.set()
    await asyncio.gather(*attackers, return_exceptions=True)

    print(f"slow-loris connections kept open by the attacker: {args.connections}")
    print(
        f"server limits: --max-connections {args.max_connections}, --header-timeout"
        f" {args.header_timeout:g}"
    )
    print(f"connections open at the server 3 s in: {held_at_start}")
    lived = statistics.median(attack.lifetimes or [0])
    print(
        f"attacker: cut off {attack.cut_off} (after {lived:.1f} s median), refused with 503"
        f" {attack.refused}"
    )
    print(
        f"server RSS: idle {idle_rss:.1f} MiB, under attack {rss:.1f} MiB (+{rss - idle_rss:.1f}),"
        f" later {peak_rss:.1f} MiB"
    )
    print(f"server threads: idle {idle_threads}, under attack {threads}")
    print(
        f"ping p50: idle {idle[0]:.2f} ms, under attack {under[0]:.2f} ms"
        f" (x{under[0] / idle[0]:.2f})"
    )
    print(
        f"ping p95: idle {idle[1]:.2f} ms, under attack {under[1]:.2f} ms"
        f" (x{under[1] / idle[1]:.2f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--max-connections", type=int, default=100)
    parser.add_argument("--header-timeout", type=float, default=10.0)
    parser.add_argument("--pings", type=int, default=100)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            *SERVE,
            "--port",
            str(port),
            f"--max-connections={args.max_connections}",
            f"--header-timeout={args.header_timeout}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SAGE200_LOG_LEVEL": "WARNING"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    print("the server did not start", file=sys.stderr)
                    return 1
                time.sleep(0.1)
        asyncio.run(measure(args, port, server.pid))
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
