"""What every tool call can reach: settings, the sign-in, the API client, the chosen company.

One person's server has one ``AppState``, made by the lifespan. A team server has one per person
as well, made for each call by ``people/`` and set with ``serving_as`` around it: ``app_state``
answers the caller's, so no tool can read another person's sign-in or selection.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, TypeVar

from mcp.server.mcpserver import Context

from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.models import Site
from sage200_mcp.auth import SignInState, Started
from sage200_mcp.clock import Clock
from sage200_mcp.config import Settings
from sage200_mcp.doctor import Report
from sage200_mcp.errors import ConfigError
from sage200_mcp.profile import select_company, selected_company

T = TypeVar("T")


class SignInView(Protocol):
    """The sign-in as tools see it (auth.SignIn for one person): never a token."""

    async def state(self) -> SignInState: ...

    @property
    def in_progress(self) -> bool: ...

    @property
    def last_failure(self) -> str | None: ...

    async def begin(self) -> Started: ...

    async def complete(self, address: str) -> str: ...


class Selection(Protocol):
    """Where the chosen company is kept: the profile's file, or a team person's row."""

    async def chosen(self) -> Company | None: ...

    async def choose(self, site: Site) -> Company: ...


@dataclass(frozen=True)
class ProfileSelection:
    """One person's choice, in their profile's config.toml, shared with `sage200-mcp use`."""

    settings: Settings

    async def chosen(self) -> Company | None:
        return selected_company(self.settings)

    async def choose(self, site: Site) -> Company:
        return select_company(self.settings, site)


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
    sign_in: SignInView  # who, until when, or why not: never a token
    diagnose: Callable[[], Awaitable[Report]]  # `sage200-mcp doctor`, run from the chat
    selection: Selection
    toolsets: tuple[str, ...] = field(default_factory=tuple)
    clock: Clock = field(default_factory=Clock)
    setup: Setup | None = None  # set while the server waits to be set up
    company_read: Company | None = None  # the company this call read (a team's audit log)

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


# the calling person's state on a team server, set around each of their calls
_CALLER: ContextVar[AppState | None] = ContextVar("caller_state", default=None)


def app_state(ctx: Context[AppState, Any]) -> AppState:
    """The caller's state on a team server, else the server's, as its lifespan made it."""
    return _CALLER.get() or ctx.request_context.lifespan_context


@contextlib.contextmanager
def serving_as(state: AppState) -> Iterator[AppState]:
    """Make ``state`` what ``app_state`` answers within this block (this task and those it
    starts): a team server serves each call as its caller."""
    token = _CALLER.set(state)
    try:
        yield state
    finally:
        _CALLER.reset(token)
