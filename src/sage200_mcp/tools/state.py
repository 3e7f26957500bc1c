"""What every tool call can reach: settings, the sign-in, the API client, the chosen company."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from mcp.server.mcpserver import Context

from sage200_mcp.api.client import SageClient
from sage200_mcp.auth import SignIn
from sage200_mcp.clock import Clock
from sage200_mcp.config import Settings
from sage200_mcp.doctor import Report
from sage200_mcp.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class Setup:
    """A server started before it was set up (no client id, or a configuration it cannot
    read): what is missing, and how to look again."""

    problem: str
    # the state built from the configuration as it is now, or what is still missing
    retry: Callable[[], AppState | str]


@dataclass
class AppState:
    settings: Settings
    client: SageClient
    sign_in: SignIn  # who, until when, or why not: never a token
    diagnose: Callable[[], Awaitable[Report]]  # `sage200-mcp doctor`, run from the chat
    toolsets: tuple[str, ...] = field(default_factory=tuple)
    clock: Clock = field(default_factory=Clock)
    setup: Setup | None = None  # set while the server waits to be set up

    def setup_problem(self) -> str | None:
        """What to set up before any tool can reach Sage, or None.

        Until set up, every call reads the configuration afresh, so credentials written
        meanwhile (`sage200-mcp setup`) take effect without restarting the MCP client.
        """
        if self.setup is None:
            return None
        fresh = self.setup.retry()
        if isinstance(fresh, str):
            self.setup = Setup(fresh, self.setup.retry)
            return fresh
        for each in fields(self):  # the lifespan's object stays; its contents are the new ones
            setattr(self, each.name, getattr(fresh, each.name))
        return None

    def require_setup(self) -> None:
        problem = self.setup_problem()
        if problem is not None:
            raise ConfigError(problem)

    async def cached(self, key: Hashable, load: Callable[[], Awaitable[T]], ttl: float = 600) -> T:
        """Reference data that rarely changes (currencies, warehouses), kept for ``ttl`` seconds
        in the client's memory of slow-changing facts."""
        return await self.client.remembered(key, load, ttl)


def app_state(ctx: Context[AppState, Any]) -> AppState:
    """The server's state, as its lifespan made it (create_server types the server by it)."""
    return ctx.request_context.lifespan_context
