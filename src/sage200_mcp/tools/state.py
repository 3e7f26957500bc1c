"""What every tool call can reach: settings, the sign-in, the API client, the chosen company."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mcp.server.mcpserver import Context

from sage200_mcp.api.client import SageClient
from sage200_mcp.auth.background import BackgroundSignIn
from sage200_mcp.auth.session import Session
from sage200_mcp.clock import Clock
from sage200_mcp.config import Settings

T = TypeVar("T")


@dataclass
class AppState:
    settings: Settings
    session: Session
    client: SageClient
    sign_in: BackgroundSignIn
    toolsets: tuple[str, ...] = field(default_factory=tuple)
    clock: Clock = field(default_factory=Clock)

    async def cached(self, key: Hashable, load: Callable[[], Awaitable[T]], ttl: float = 600) -> T:
        """Reference data that rarely changes (currencies, warehouses), kept for ``ttl`` seconds
        in the client's memory of slow-changing facts."""
        return await self.client.remembered(key, load, ttl)


def app_state(ctx: Context[AppState, Any]) -> AppState:
    """The server's state, as its lifespan made it (create_server types the server by it)."""
    return ctx.request_context.lifespan_context
