"""Requests per key, as a token bucket, and the 429 it makes."""

from __future__ import annotations

import asyncio

import pytest

from sage200_mcp.serving.asgi import Message, Receive, Scope, Send
from sage200_mcp.serving.rate_limit import RateLimiter, RateLimitMiddleware, client_address
from tests.helpers import FakeClock


def test_a_key_spends_its_burst_then_one_request_per_refill() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, clock=clock)  # one a second, sixty at once
    assert all(limiter.acquire("ada") is None for _ in range(60))
    assert limiter.acquire("ada") == pytest.approx(1.0)
    assert limiter.acquire("bob") is None  # each key has its own bucket
    clock.advance(0.5)
    assert limiter.acquire("ada") == pytest.approx(0.5)
    clock.advance(0.5)
    assert limiter.acquire("ada") is None
    assert limiter.acquire("ada") == pytest.approx(1.0)


def test_refill_stops_at_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(6, clock=clock)
    clock.advance(3600)
    assert sum(limiter.acquire("ada") is None for _ in range(100)) == 6


def test_a_scan_of_many_keys_keeps_only_those_still_spending() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, max_keys=100, clock=clock)
    for n in range(1000):
        limiter.acquire(f"10.0.{n // 256}.{n % 256}")
        clock.advance(0.01)
    assert len(limiter) <= 100
    for _ in range(60):
        limiter.acquire("spender")
    for n in range(200):
        limiter.acquire(f"other{n}")
        clock.advance(0.001)
    assert limiter.acquire("spender") is not None  # its empty bucket was not forgotten


async def call(app: RateLimitMiddleware, client: str) -> tuple[int, dict[bytes, bytes]]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "client": (client, 5555), "headers": []}
    await app(scope, receive, send)
    return sent[0]["status"], dict(sent[0]["headers"])


def test_the_middleware_answers_429_with_retry_after_per_client() -> None:
    async def ok(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    clock = FakeClock()
    app = RateLimitMiddleware(ok, RateLimiter(2, clock=clock), client_address)

    async def run() -> None:
        assert [(await call(app, "10.0.0.1"))[0] for _ in range(2)] == [200, 200]
        status, headers = await call(app, "10.0.0.1")
        assert status == 429 and headers[b"retry-after"] == b"30"
        assert (await call(app, "10.0.0.2"))[0] == 200

    asyncio.run(run())
