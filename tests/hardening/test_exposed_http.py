"""`serve --transport http` left listening: real sockets on 127.0.0.1 against a real server.

Slow clients are cut off by deadlines that the bytes they trickle do not reset; past the
connection limit a new client displaces one that sent nothing (or is refused, if all are
busy); bodies past the limit get 413; idle MCP sessions are forgotten; and a flood of bad
requests costs a bounded number of log lines.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port

HEADER_TIMEOUT = 2.5
BODY_TIMEOUT = 2.5
IDLE_TIMEOUT = (
    3.0  # the active session is pinged every 0.75 s: a loaded machine stays well inside it
)
MAX_CONNECTIONS = 30
MAX_BODY = 10_000

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}
SERVE = [sys.executable, "-m", "sage200_mcp", "serve", "--demo", "--transport", "http"]


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    stderr: Path  # a file, not a pipe: a flood of lines cannot block the server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def stop(self) -> str:
        """Stop the server; what it wrote to stderr."""
        self.process.terminate()
        self.process.wait(timeout=20)
        return self.stderr.read_text()


def start(directory: Path, *flags: str) -> Served:
    port = free_port()
    log = directory / f"serve-{port}.stderr"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port), *flags],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, "SAGE200_LOG_LEVEL": "WARNING"},
        )
    served = Served(process, port, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return served
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(served.stop()) from None
            time.sleep(0.1)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start(
        tmp_path_factory.mktemp("guarded"),
        f"--header-timeout={HEADER_TIMEOUT}",
        f"--body-timeout={BODY_TIMEOUT}",
        f"--session-idle-timeout={IDLE_TIMEOUT}",
        f"--max-connections={MAX_CONNECTIONS}",
        f"--max-body-size={MAX_BODY}",
    )
    yield served
    served.stop()


def initialize(url: str) -> str:
    """A new MCP session's id."""
    answer = httpx.post(url, json=INITIALIZE, headers=ACCEPT, timeout=10)
    assert answer.status_code == 200, answer.text
    session = answer.headers["mcp-session-id"]
    done = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert httpx.post(url, json=done, headers=in_session(session), timeout=10).status_code == 202
    return session


def in_session(session: str) -> dict[str, str]:
    return {**ACCEPT, "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"}


def ping(url: str, session: str) -> int:
    request = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    return httpx.post(url, json=request, headers=in_session(session), timeout=10).status_code


async def trickle(port: int, drip: bytes, every: float, give_up: float, sent: bytes = b"") -> float:
    """Send ``sent``, then ``drip`` a byte every ``every`` seconds; seconds until the server
    hangs up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    try:
        writer.write(sent)
        for n in itertools.count():
            if n < len(drip):
                writer.write(drip[n : n + 1])
                await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(1024), timeout=every) == b"":
                    break
            except TimeoutError:
                if time.monotonic() - started > give_up:
                    raise AssertionError("the server waited for the slow client") from None
    except ConnectionError:
        pass
    finally:
        writer.close()
    return time.monotonic() - started


async def answered_meanwhile(url: str, until: asyncio.Task[list[float]]) -> list[float]:
    """Seconds each initialize took, made one after another while ``until`` runs."""
    took: list[float] = []
    async with httpx.AsyncClient(timeout=10) as client:
        while not until.done():
            started = time.monotonic()
            answer = await client.post(url, json=INITIALIZE, headers=ACCEPT)
            assert answer.status_code == 200
            took.append(time.monotonic() - started)
            await asyncio.sleep(0.2)
    return took


def test_slow_loris_headers_are_cut_off_while_others_get_answers(guarded: Served) -> None:
    head = b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 100

    async def run() -> tuple[list[float], list[float]]:
        slow = asyncio.gather(
            *(trickle(guarded.port, head, 1.0, HEADER_TIMEOUT * 3) for _ in range(15)),
            *(trickle(guarded.port, b"", 1.0, HEADER_TIMEOUT * 3) for _ in range(5)),  # silent
        )
        task = asyncio.ensure_future(slow)
        took = await answered_meanwhile(guarded.url, task)
        return await task, took

    cut_after, took = asyncio.run(run())
    # cut at the deadline, long before the trickle would end (a loaded machine may be late);
    # the regular client never waited as long as a deadline, so never queued behind them
    assert all(HEADER_TIMEOUT - 0.1 < seconds < HEADER_TIMEOUT * 2 for seconds in cut_after)
    assert len(took) >= 5 and max(took) < HEADER_TIMEOUT


def test_a_slow_body_is_cut_off(guarded: Served) -> None:
    """The head arrives in a moment; the body's deadline then starts afresh."""
    head = (
        b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Accept: application/json, text/event-stream\r\nContent-Length: 200\r\n\r\n"
    )
    cut_after = asyncio.run(trickle(guarded.port, b"{" * 200, 0.5, BODY_TIMEOUT * 3, head))
    assert BODY_TIMEOUT - 0.1 < cut_after < BODY_TIMEOUT * 2


def test_a_body_over_the_limit_gets_413(guarded: Served) -> None:
    big = b'{"jsonrpc": "2.0", "id": 1, "method": "ping", "x": "' + b"a" * MAX_BODY + b'"}'
    headers = {**ACCEPT, "Content-Type": "application/json"}
    declared = httpx.post(guarded.url, content=big, headers=headers, timeout=10)
    assert declared.status_code == 413
    chunked = httpx.post(guarded.url, content=iter([big[:5000], big[5000:]]), headers=headers)
    assert chunked.status_code == 413


def test_past_the_limit_a_new_client_displaces_one_that_sent_nothing(guarded: Served) -> None:
    with httpx.Client(timeout=10) as regular:
        assert regular.post(guarded.url, json=INITIALIZE, headers=ACCEPT).status_code == 200
        time.sleep(0.2)  # its kept-alive connection now waits longer than any below
        held = [
            socket.create_connection(("127.0.0.1", guarded.port))
            for _ in range(MAX_CONNECTIONS - 1)
        ]
        try:
            time.sleep(0.3)
            for _ in range(3):
                assert httpx.post(guarded.url, json=INITIALIZE, headers=ACCEPT).status_code == 200
            held[0].settimeout(1)
            assert held[0].recv(100) == b""  # the oldest silent one made room
            # the kept-alive connection of a client that was answered went last, so still works
            assert regular.post(guarded.url, json=INITIALIZE, headers=ACCEPT).status_code == 200
        finally:
            for connection in held:
                connection.close()


def test_past_the_limit_of_busy_connections_a_new_one_is_refused_at_once(
    guarded: Served,
) -> None:
    head = b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n"
    busy = [socket.create_connection(("127.0.0.1", guarded.port)) for _ in range(MAX_CONNECTIONS)]
    try:
        for connection in busy:
            connection.sendall(head)  # the body is owed: nothing to displace
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", guarded.port), timeout=5) as extra:
            started = time.monotonic()
            refusal = extra.recv(4096)
            assert refusal.startswith(b"HTTP/1.1 503 ") and b"retry-after: 1" in refusal
            assert extra.recv(4096) == b"" and time.monotonic() - started < HEADER_TIMEOUT
        busy.pop().close()
        time.sleep(0.3)
        assert httpx.post(guarded.url, json=INITIALIZE, headers=ACCEPT).status_code == 200
    finally:
        for connection in busy:
            connection.close()


def test_an_idle_session_is_forgotten_and_an_active_one_kept(guarded: Served) -> None:
    idle, active = initialize(guarded.url), initialize(guarded.url)
    until = time.monotonic() + IDLE_TIMEOUT * 2
    while time.monotonic() < until:
        assert ping(guarded.url, active) == 200
        time.sleep(IDLE_TIMEOUT / 4)
    gone = httpx.post(
        guarded.url,
        json={"jsonrpc": "2.0", "id": 3, "method": "ping"},
        headers=in_session(idle),
        timeout=10,
    )
    assert gone.status_code == 404 and "Session not found" in gone.text
    assert ping(guarded.url, active) == 200


@pytest.mark.slow
def test_ten_thousand_bad_requests_make_a_bounded_log(tmp_path: Path) -> None:
    served = start(tmp_path)

    async def bad(count: int) -> None:
        for _ in range(count):
            reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
            writer.write(b"NOT HTTP AT ALL\r\n\r\n")
            answer = await asyncio.wait_for(reader.read(), timeout=10)
            assert answer.startswith(b"HTTP/1.1 400 ")
            writer.close()

    async def run() -> None:
        await asyncio.gather(*(bad(250) for _ in range(40)))

    asyncio.run(run())
    lines = served.stop().splitlines()
    invalid = [line for line in lines if "Invalid HTTP request received" in line]
    assert 1 <= len(invalid) <= 5
    assert len(lines) <= 55, lines
    assert any("dropping log records" in line for line in lines), lines[-3:]


def test_insecure_no_auth_warns_and_limits_each_client(tmp_path: Path) -> None:
    served = start(tmp_path, "--insecure-no-auth", "--rate-limit=3")
    try:
        codes = [
            httpx.post(served.url, json=INITIALIZE, headers=ACCEPT, timeout=10) for _ in range(4)
        ]
        assert [answer.status_code for answer in codes] == [200, 200, 200, 429]
        assert codes[-1].headers["retry-after"] == "20"
    finally:
        stderr = served.stop()
    assert "anyone who can reach" in stderr.lower() and "read the books" in stderr


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--host", "0.0.0.0"], "Refusing to listen on 0.0.0.0"),
        (["--host", "192.168.1.10"], "--insecure-no-auth"),
        (["--team"], "cannot be combined with --demo"),
        (["--team", "--transport", "stdio"], "add --transport http"),
        (["--team", "--insecure-no-auth", "--host", "0.0.0.0"], "choose one"),
    ],
)
def test_refusals_are_one_line_and_exit_1(flags: list[str], says: str) -> None:
    result = subprocess.run(
        [*SERVE, *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and says in result.stderr
    assert "Traceback" not in result.stderr
