"""What every tool call can reach: settings, the sign-in, the API client, the chosen company."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mcp.server.mcpserver import Context

from sage200_mcp.api.client import SageClient
from sage200_mcp.auth.background import BackgroundSignIn
from sage200_mcp.auth.session import Session
from sage200_mcp.config import Settings

T = TypeVar("T")


@dataclass
class AppState:
    settings: Settings
    session: Session
    client: SageClient
    sign_in: BackgroundSignIn
    toolsets: tuple[str, ...] = field(default_factory=tuple)
    _cache: dict[Hashable, tuple[float, Any]] = field(default_factory=dict)

    async def cached(self, key: Hashable, load: Callable[[], Awaitable[T]], ttl: float = 600) -> T:
        """Reference data that rarely changes (currencies, warehouses), kept for ``ttl`` seconds."""
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            value: T = hit[1]
            return value
        value = await load()
        self._cache[key] = (time.monotonic() + ttl, value)
        return value


def app_state(ctx: Context[Any, Any]) -> AppState:
    state = ctx.request_context.lifespan_context
    assert isinstance(state, AppState), "the server's lifespan provides an AppState"
    return state
