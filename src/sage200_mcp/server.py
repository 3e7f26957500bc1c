"""The MCP server: one MCPServer whose lifespan owns the HTTP client, the sign-in and the
SageClient, with the tools registered on it. Runs over stdio (the default) or streamable HTTP.

On a team server (``team``), each tool call and resource read is served as its caller instead
(``people.People``): their Sage tokens, their selected company, their toolsets, an audit row.
"""

from __future__ import annotations

import contextlib
import functools
import os
import webbrowser
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, InputRequiredResult, Tool
from pydantic import AnyUrl

from sage200_mcp import __version__, doctor
from sage200_mcp.api.client import SageClient
from sage200_mcp.auth import SignIn, open_session
from sage200_mcp.auth.background import BackgroundSignIn
from sage200_mcp.clock import Clock
from sage200_mcp.config import Settings, unreadable_settings
from sage200_mcp.errors import ConfigError
from sage200_mcp.httpclient import new_http_client
from sage200_mcp.tools import (
    diagnose,
    nominal,
    orders,
    prompts,
    query,
    resources,
    sites,
    statements,
    stock,
    summaries,
    traders,
)
from sage200_mcp.tools.schemas import without_titles
from sage200_mcp.tools.state import AppState, ProfileSelection, Setup

if TYPE_CHECKING:  # team mode's modules load only on a team server (start-up time)
    from sage200_mcp.people.directory import People
    from sage200_mcp.team.models import Person

# a team server's People, given which toolset each tool is in
TeamPeople = Callable[[Mapping[str, str]], "People"]


class SageServer(MCPServer[AppState]):
    """The SDK's server, listing its tools' schemas without pydantic's titles (schemas.py).

    It also notes which toolset each tool was registered under, and on a team server serves
    every call and read as the person making it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.toolset_of: dict[str, str] = {}
        self.registering: str | None = None  # the toolset whose tools are being added
        self.people: People | None = None

    def add_tool(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().add_tool(fn, *args, **kwargs)
        if self.registering is not None:
            self.toolset_of[kwargs.get("name") or fn.__name__] = self.registering

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[AppState, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        call = super().call_tool
        if self.people is None or context is None:
            return await call(name, arguments, context)
        return await self.people.call(
            _caller(context), name, arguments, lambda: call(name, arguments, context)
        )

    async def read_resource(
        self, uri: AnyUrl | str, context: Context[AppState, Any] | None = None
    ) -> Iterable[ReadResourceContents] | InputRequiredResult:
        read = super().read_resource
        if self.people is None or context is None:
            return await read(uri, context)
        reading: Callable[[], Awaitable[Iterable[ReadResourceContents] | InputRequiredResult]]
        reading = functools.partial(read, uri, context)
        return await self.people.call(_caller(context), "read_resource", {"uri": str(uri)}, reading)

    async def list_tools(self) -> list[Tool]:
        return [
            tool.model_copy(
                update={
                    "input_schema": without_titles(tool.input_schema),
                    "output_schema": tool.output_schema and without_titles(tool.output_schema),
                }
            )
            for tool in await super().list_tools()
        ]


# groups of tools a user can turn on or off (--toolsets); sites, status and login are always on
TOOLSETS: dict[str, tuple[Callable[[MCPServer[AppState]], None], ...]] = {
    "customers": (traders.register_customers, summaries.register_sales),
    "suppliers": (traders.register_suppliers, summaries.register_purchases),
    "orders": (orders.register,),
    "stock": (stock.register,),
    "nominal": (nominal.register, statements.register),
    "query": (query.register,),
}

INSTRUCTIONS = """\
Read-only access to a company's Sage 200 (UK & Ireland) books: customers and suppliers with their
transactions and aged balances, sales and purchase orders, stock, and the nominal ledger.

- Every answer names the site and company it came from; say which company you are reporting on.
- If the user mentions a company ("the Irish company") or a tool says none is selected, call
  list_sites and then switch_site. The choice is remembered.
- To read a company for one question, pass it as `company` (id or name); switch_site changes the
  default.
- Use list_customers with filters (search, on_hold, over_credit_limit, min_balance, max_balance,
  sort) instead of paging through everything; follow next_cursor only when the user needs more.
- get_customer (and get_supplier, get_product, get_sales_order...) take an id, a reference such
  as ABS001 or BOARD001, or a name.
- "Who owes us money and for how long?" is get_aged_debt; "what did we spend on 7500 this
  quarter?" is get_nominal_activity with the quarter's dates.
- Amounts are in the account's own currency (the `currency` field); credit_limit 0 means none.
- query reads any other collection of the Sage 200 API; use it only when no tool fits.
"""
SIGNING_IN_HERE = """\
- If a tool says you are not signed in, give the user the sign-in address it returns and ask
  them to try again once signed in. If it asks for the address the browser lands on, get that
  whole address from the user and pass it to complete_login.
- If tools keep failing, or the user asks why something does not work, call diagnose.
"""
SIGNING_IN_AS_A_TEAM = """\
- This server is shared by a team: each user signs in through this client, and reads only the
  companies their own Sage user can reach. If a tool says their Sage sign-in ended, ask them to
  reconnect this server in their client; if it says a tool is not theirs, their administrator
  decides.
"""


def _caller(context: Context[AppState, Any]) -> Person | None:
    from sage200_mcp.teamserver.identity import current_person

    return current_person(context.request_context.request)


def browser_opener() -> Callable[[str], bool] | None:
    """How the server opens a sign-in page: the system browser unless SAGE200_NO_BROWSER."""
    if os.environ.get("SAGE200_NO_BROWSER", "").strip() not in ("", "0", "false"):
        return None
    return webbrowser.open


def parse_toolsets(text: str | None) -> tuple[str, ...]:
    """``customers,orders`` -> those toolsets; empty or 'all' -> every one."""
    if not text or text.strip().lower() == "all":
        return tuple(TOOLSETS)
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in TOOLSETS]
    if unknown or not names:
        raise ConfigError(
            f"Unknown toolset(s) {', '.join(unknown) or text!r}; choose from"
            f" {', '.join(TOOLSETS)} (or all)."
        )
    return names


def create_server(
    settings: Settings | None,
    *,
    demo: bool = False,
    toolsets: tuple[str, ...] = tuple(TOOLSETS),
    load: Callable[[], Settings] | None = None,
    team: TeamPeople | None = None,
) -> SageServer:
    """The server. With ``demo``, a sandbox and a throwaway profile replace ``settings``.

    ``load`` reads the configuration afresh (``serve`` passes it): the server then starts even
    with no client id or a configuration it cannot read, every tool saying what to set up, and
    takes the configuration up once it is complete, without a restart.

    With ``team``, calls are served as their callers, and the tools that sign in from the
    chat or diagnose this machine's sign-in are left out: a team's clients sign in by OAuth,
    and its administrator runs `sage200-mcp doctor`.
    """
    if settings is None and load is None and not demo:
        raise ValueError("settings (or a way to load them) are required unless demo is set")

    def configured() -> tuple[Settings, str | None]:
        try:
            found = load() if load is not None else settings
        except ConfigError as error:
            return unreadable_settings(), str(error)
        if found is None:  # only a demo has neither, and it is not configured this way
            raise ValueError("no settings to serve")
        return found, found.setup_problem()

    @contextlib.asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncIterator[AppState]:
        if mcp.people is not None:  # only a caller's state reads anyone's books
            yield mcp.people.nobody()
            return
        async with contextlib.AsyncExitStack() as stack:
            if demo:
                from sage200_mcp.demo_sandbox import demo_environment

                active, problem = await stack.enter_async_context(demo_environment()), None
            else:
                active, problem = configured()
            # a configuration taken up later keeps this client's time-out
            http = await stack.enter_async_context(new_http_client(active.http_timeout))

            def connect(active: Settings) -> AppState:
                session = open_session(active, http)
                background = BackgroundSignIn(session, browser_opener())
                stack.push_async_callback(background.close)
                return AppState(
                    settings=active,
                    client=SageClient(active, session, http),
                    sign_in=SignIn(session, background),
                    diagnose=functools.partial(doctor.diagnose, active, session, http),
                    selection=ProfileSelection(active),
                    toolsets=toolsets,
                    clock=Clock(active.today),
                )

            def retry() -> AppState | str:
                active, problem = configured()
                return problem if problem is not None else connect(active)

            state = connect(active)
            if problem is not None:
                state.setup = Setup(problem, retry)
            yield state

    mcp = SageServer(
        "sage200-mcp",
        title="Sage 200",
        version=__version__,
        instructions=INSTRUCTIONS + (SIGNING_IN_HERE if team is None else SIGNING_IN_AS_A_TEAM),
        lifespan=lifespan,
        log_level="WARNING",
    )
    sites.register(mcp)
    if team is None:
        sites.register_sign_in(mcp)
        diagnose.register(mcp)
    for name in toolsets:
        mcp.registering = name
        for register in TOOLSETS[name]:
            register(mcp)
    mcp.registering = None
    prompts.register(mcp, toolsets)
    resources.register(mcp)
    if team is not None:
        mcp.people = team(mcp.toolset_of)
    return mcp
