"""Requests per client, as a token bucket per key.

Keyed by a plain string so the team mode can key it by person once people sign in; until
then ``--insecure-no-auth`` keys it by client address.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sage200_mcp.serving.asgi import ASGIApp, Receive, Scope, Send, plain_response


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``per_minute`` requests a minute per key, up to ``per_minute`` of them at once.

    A bucket refilled to the brim is the same as no bucket, so full ones are dropped when the
    table reaches ``max_keys``: a scan of many addresses costs memory only while each is still
    spending. Should all be spending, the fuller half is forgotten (the least lost), so the
    emptiest buckets, those of the clients actually held back, are the ones kept.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, key: str) -> float | None:
        """Take one request for ``key``: None if allowed, else the seconds until one would be."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        else:
            bucket.tokens = min(
                self.capacity, bucket.tokens + (now - bucket.updated) * self.refill_per_second
            )
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / self.refill_per_second

    def __len__(self) -> int:
        return len(self._buckets)

    def _forget_full(self, now: float) -> None:
        def tokens(key: str) -> float:
            bucket = self._buckets[key]
            return bucket.tokens + (now - bucket.updated) * self.refill_per_second

        spending = [key for key in self._buckets if tokens(key) < self.capacity]
        if len(spending) >= self.max_keys:  # all spending: keep the emptier half, sorted once
            spending = sorted(spending, key=tokens)[: self.max_keys // 2]
        self._buckets = {key: self._buckets[key] for key in spending}


class RateLimitMiddleware:
    """Answers 429 with ``Retry-After`` once a client has spent its requests."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, key: Callable[[Scope], str]) -> None:
        self.app = app
        self.limiter = limiter
        self.key = key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            wait = self.limiter.acquire(self.key(scope))
            if wait is not None:
                await plain_response(
                    send,
                    429,
                    "Too many requests: slow down and retry later.",
                    [(b"retry-after", str(math.ceil(wait)).encode())],
                )
                return
        await self.app(scope, receive, send)


def client_address(scope: Scope) -> str:
    """The peer's address, the key while there is no signed-in person to key by."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
