"""What every tool call can reach: settings, the sign-in, the API client, the chosen company."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mcp.server.mcpserver import Context

from sage200_mcp.api.client import SageClient
from sage200_mcp.auth import SignIn
from sage200_mcp.clock import Clock
from sage200_mcp.config import Settings
from sage200_mcp.doctor import Report

T = TypeVar("T")


@dataclass
class AppState:
    settings: Settings
    client: SageClient
    sign_in: SignIn  # who, until when, or why not: never a token
    diagnose: Callable[[], Awaitable[Report]]  # `sage200-mcp doctor`, run from the chat
    toolsets: tuple[str, ...] = field(default_factory=tuple)
    clock: Clock = field(default_factory=Clock)

    async def cached(self, key: Hashable, load: Callable[[], Awaitable[T]], ttl: float = 600) -> T:
        """Reference data that rarely changes (currencies, warehouses), kept for ``ttl`` seconds
        in the client's memory of slow-changing facts."""
        return await self.client.remembered(key, load, ttl)


def app_state(ctx: Context[AppState, Any]) -> AppState:
    """The server's state, as its lifespan made it (create_server types the server by it)."""
    return ctx.request_context.lifespan_context
