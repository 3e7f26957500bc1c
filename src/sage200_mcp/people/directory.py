"""Serving each call of a team server as its caller: their state, their toolsets, their rate
limit, and a row in the audit log.

A replica keeps, per person, only what saves round trips and is safe to lose: their SageClient
(its memory of their sites and slow-changing facts) and the Sage token it last saw. Everything
that must hold across replicas is read from or written to the team store on the call: the
person's status and toolsets come with their bearer token's check (one read), then their
selected company, their Sage tokens when stale, and the audit row.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import httpx
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent

from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.models import Site
from sage200_mcp.auth import SignInState, Started
from sage200_mcp.auth.oauth import SageId
from sage200_mcp.clock import Clock
from sage200_mcp.config import Settings
from sage200_mcp.doctor import Report
from sage200_mcp.errors import ConfigError
from sage200_mcp.people.selection import StoreSelection
from sage200_mcp.people.sign_in import TeamSignIn
from sage200_mcp.people.tokens import PersonTokens
from sage200_mcp.serving.rate_limit import RateLimiter
from sage200_mcp.team.models import AuditEntry, Person
from sage200_mcp.team.store import TeamStore
from sage200_mcp.tools.state import AppState, serving_as

logger = logging.getLogger(__name__)
R = TypeVar("R")
NO_CALLER = "This call carries no signed-in person; sign in again."
KEPT_PEOPLE = 1000  # people whose client a replica keeps in memory, the least recent dropped


@dataclass
class _Known:
    """What a replica keeps of one person between their calls."""

    tokens: PersonTokens
    client: SageClient


class People:
    def __init__(
        self,
        settings: Settings,
        store: TeamStore,
        sage_id: SageId,
        http: httpx.AsyncClient,
        *,
        toolsets: tuple[str, ...],
        toolset_of: Mapping[str, str],
        rate: RateLimiter,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``toolsets`` are the server's; ``toolset_of`` names the toolset of each tool in one
        (tools outside every toolset, such as list_sites, are everyone's)."""
        self.settings = settings
        self.store = store
        self.sage_id = sage_id
        self.http = http
        self.toolsets = toolsets
        self.toolset_of = toolset_of
        self.rate = rate
        self.clock = clock
        self._known: OrderedDict[str, _Known] = OrderedDict()

    async def call(
        self,
        person: Person | None,
        tool: str,
        arguments: Mapping[str, Any],
        run: Callable[[], Awaitable[R]],
    ) -> R:
        """``run`` (the tool call) as ``person`` (as their bearer token's check read them), who
        must be allowed it; its audit row is written whatever the outcome, even if the client
        gives up on the call."""
        if person is None:  # the bearer middleware lets no request through without one
            raise ToolError(NO_CALLER)
        subject = person.subject
        started, state, outcome, size = time.perf_counter(), None, "ok", None
        try:
            self._within_rate(subject)
            state = self._state_for(self._allowed(person, tool))
            with serving_as(state):
                result = await run()
            if isinstance(result, CallToolResult):
                outcome = "error" if result.is_error else "ok"
            size = result_chars(result)
            return result
        except BaseException as error:
            outcome = type(error).__name__
            raise
        finally:
            entry = AuditEntry(
                at=self.clock(),
                subject=subject,
                company=None if state is None else company_label(state.company_read),
                tool=tool,
                arguments=dict(arguments),
                result_chars=size,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                outcome=outcome,
            )
            with anyio.CancelScope(shield=True):
                await self._record(entry)

    def _within_rate(self, subject: str) -> None:
        wait = self.rate.acquire(subject)
        if wait is not None:
            raise ToolError(
                f"Too many calls: this server allows {int(self.rate.capacity)} a minute per"
                f" person. Nothing was read; try again in {math.ceil(wait)} seconds."
            )

    def _allowed(self, person: Person, tool: str) -> Person:
        if person.status != "allowed":
            raise ToolError(
                "Your access to this Sage 200 server has been withdrawn; ask its administrator."
            )
        toolset = self.toolset_of.get(tool)
        mine = self.toolsets_of(person)
        if toolset is not None and toolset not in mine:
            raise ToolError(
                f"{tool} is in the {toolset} toolset, which this server's administrator has not"
                f" given you (yours: {', '.join(mine) or 'none'}). Nothing was read; use"
                " another tool, or ask the administrator."
            )
        return person

    def toolsets_of(self, person: Person) -> tuple[str, ...]:
        """The person's own toolsets if the administrator set some, within the server's."""
        if person.toolsets is None:
            return self.toolsets
        return tuple(name for name in self.toolsets if name in person.toolsets)

    def _state_for(self, person: Person) -> AppState:
        known = self._known.get(person.subject)
        if known is None:
            tokens = PersonTokens(self.store, person.subject, self.sage_id, self.clock)
            known = _Known(tokens, SageClient(self.settings, tokens, self.http))
            self._known[person.subject] = known
            if len(self._known) > KEPT_PEOPLE:
                self._known.popitem(last=False)
        else:
            self._known.move_to_end(person.subject)
        return AppState(
            settings=self.settings,
            client=known.client,
            sign_in=TeamSignIn(known.tokens, person.email or person.subject),
            diagnose=_diagnose_elsewhere,
            selection=StoreSelection(self.store, person.subject),
            toolsets=self.toolsets_of(person),
            clock=Clock(self.settings.today),
        )

    def nobody(self) -> AppState:
        """The state outside any person's call (a prompt's date): it reads no one's books."""
        nobody = _Nobody()
        return AppState(
            settings=self.settings,
            client=SageClient(self.settings, nobody, self.http),
            sign_in=nobody,
            diagnose=_diagnose_elsewhere,
            selection=nobody,
            toolsets=self.toolsets,
            clock=Clock(self.settings.today),
        )

    async def _record(self, entry: AuditEntry) -> None:
        """Write the audit row; a database failure is logged loudly but does not turn an
        answer already made into an error."""
        try:
            await self.store.record(entry)
        except Exception:
            logger.exception(
                "Could not write the audit row for %s by %s", entry.tool, entry.subject
            )


class _Nobody:
    """Tokens, sign-in and selection of no one: a path that reached Sage outside a person's
    call would be a bug, and it fails closed rather than reading as someone."""

    async def access_token(self) -> str:
        raise ToolError(NO_CALLER)

    async def token_after_rejection(self, rejected: str) -> str:
        raise ToolError(NO_CALLER)

    async def chosen(self) -> Company | None:
        raise ToolError(NO_CALLER)

    async def choose(self, site: Site) -> Company:
        raise ToolError(NO_CALLER)

    async def state(self) -> SignInState:
        raise ToolError(NO_CALLER)

    @property
    def in_progress(self) -> bool:
        return False

    @property
    def last_failure(self) -> str | None:
        return None

    async def begin(self) -> Started:
        raise ToolError(NO_CALLER)

    async def complete(self, address: str) -> str:
        raise ToolError(NO_CALLER)


async def _diagnose_elsewhere() -> Report:
    raise ConfigError(
        "diagnose is not offered on a team server: its administrator runs `sage200-mcp doctor`."
    )


def company_label(company: Company | None) -> str | None:
    """How the audit log names the company a call read: its id and name."""
    if company is None:
        return None
    return f"{company.company_id} {company.company_name}".strip()


def result_chars(result: object) -> int | None:
    """The size of what the caller was sent, in characters of text (not the text itself): of a
    tool's answer, or of a resource read's contents (the SDK hands those back as a list)."""
    if isinstance(result, CallToolResult):
        return sum(len(block.text) for block in result.content if isinstance(block, TextContent))
    if isinstance(result, list):
        return sum(len(part.content) for part in result if isinstance(part, ReadResourceContents))
    return None
