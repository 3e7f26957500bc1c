"""How a tool module declares its tools, and what every tool body needs first.

A tool body is a module-level ``async def`` taking its arguments and a ``ToolContext``, doing
one client call and returning ``respond(...)``. Its module's ``register`` hands it to
``add_tool`` with its title and description, so every tool is wrapped the same way (errors
become advice, see errors.py) and reads the same way.

Customer and supplier tools, and sales and purchase order tools, differ only in the ledger
they read and the words they use. ``specialise`` makes one tool of a shared body for one
ledger: it fixes the ledger, renames the argument (``account`` becomes ``customer``) and sets
the argument's and the answer's types, so the schema the model sees is as if written by hand,
and the logic exists once.

Every tool that reads the books also takes an optional ``company``, added here rather than by
each tool (``naming_company``): a client that keeps no state between calls (the stateless
protocol, several servers behind one address, a team sharing one server) names the company in
the call itself, and no call depends on, or changes, what ``switch_site`` selected.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, ToolAnnotations

from sage200_mcp.api import progress
from sage200_mcp.api.client import Company
from sage200_mcp.api.models import Site
from sage200_mcp.profile import NoSuchCompany, as_company, describe, match_company
from sage200_mcp.tools.arguments import CompanyArg
from sage200_mcp.tools.errors import guarded
from sage200_mcp.tools.output import answering_on
from sage200_mcp.tools.state import AppState, app_state

ToolContext = Context[AppState, Any]
ToolBody = Callable[..., Awaitable[CallToolResult]]

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)
# choosing a company or signing in changes this server's state, never the books
CHANGES_SESSION = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)

# The company a call's ``company`` argument named, set around that call (as output.answering_on
# sets its day): current_company answers it instead of the profile's selection. A context
# variable, so that calls in flight at once each see their own.
_NAMED: ContextVar[Company | None] = ContextVar("named_company", default=None)


def add_tool(
    mcp: MCPServer[AppState],
    body: ToolBody,
    *,
    title: str,
    description: str,
    annotations: ToolAnnotations = READ_ONLY,
    needs_setup: bool = True,
    per_company: bool = True,
) -> None:
    """Register ``body`` under its own name, its failures turned into advice for the model and
    its long reads' progress told to the client. A tool that works before the server is set up
    (status, diagnosis) says ``needs_setup=False``; one that reads no company's books (choosing
    one, signing in) says ``per_company=False``, and every other one takes ``company``."""
    tool = naming_company(body) if per_company else body
    mcp.add_tool(
        guarded(reporting_progress(tool), needs_setup=needs_setup),
        title=title,
        description=description,
        annotations=annotations,
    )


def reporting_progress(body: ToolBody) -> ToolBody:
    """``body``, its scans' progress (api/progress.py) sent as MCP progress notifications (the
    SDK sends them only when the client asked, with a progress token; otherwise they go
    nowhere), and its answer dated with the tools' today (output.CompanyRef)."""

    @functools.wraps(body)
    async def run(*args: Any, **kwargs: Any) -> CallToolResult:
        context = next((v for v in kwargs.values() if isinstance(v, Context)), None)
        if context is None:
            return await body(*args, **kwargs)

        async def tell(done: float, total: float | None, message: str) -> None:
            await context.report_progress(done, total, message)

        with progress.listening(tell), answering_on(app_state(context).clock.today()):
            return await body(*args, **kwargs)

    return run


def naming_company(body: ToolBody) -> ToolBody:
    """``body`` with one more argument, ``company`` (arguments.CompanyArg): given, the call reads
    that company, matched as switch_site matches it, and the selection stays as it was."""
    signature = inspect.signature(body, eval_str=True)
    if "company" in signature.parameters:  # the added argument would hide the tool's own
        raise ValueError(f"{body.__name__} already has an argument named company")
    added = inspect.Parameter(
        "company", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=CompanyArg
    )
    parameters = [*signature.parameters.values(), added]

    @functools.wraps(body)
    async def run(*args: Any, company: str | None = None, **kwargs: Any) -> CallToolResult:
        if company is None:
            return await body(*args, **kwargs)
        context = next(v for v in kwargs.values() if isinstance(v, Context))
        try:
            named = as_company(match_company(await reachable_sites(app_state(context)), company))
        except NoSuchCompany as error:
            if not error.candidates:  # none reachable: its own explanation says what to do
                raise
            raise ToolError(
                f"{error} Nothing was read: give one of them as company, or leave company out"
                " to read the selected company."
            ) from None
        token = _NAMED.set(named)
        try:
            return await body(*args, **kwargs)
        finally:
            _NAMED.reset(token)

    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters} | {
        "return": signature.return_annotation
    }
    return run


def specialise(
    body: ToolBody,
    *,
    name: str,
    fixed: Mapping[str, object],
    renamed: Mapping[str, str] | None = None,
    types: Mapping[str, object] | None = None,
    returns: object,
) -> ToolBody:
    """``body`` as a tool of its own: ``fixed`` arguments bound, others renamed and retyped.

    ``types`` is keyed by the body's own argument names; ``returns`` is the tool's return
    annotation (``Annotated[CallToolResult, Model]``), which gives the answer's schema.
    """
    renamed = dict(renamed or {})
    types = dict(types or {})
    original = {new: old for old, new in renamed.items()}
    signature = inspect.signature(body, eval_str=True)
    unknown = (set(fixed) | set(renamed) | set(types)) - set(signature.parameters)
    if unknown:  # a typo would otherwise loosen the schema or fail every call
        raise ValueError(f"{body.__name__} has no argument(s) {', '.join(sorted(unknown))}")
    parameters = [
        parameter.replace(
            name=renamed.get(parameter.name, parameter.name),
            annotation=types.get(parameter.name, parameter.annotation),
        )
        for parameter in signature.parameters.values()
        if parameter.name not in fixed
    ]

    async def tool(**arguments: Any) -> CallToolResult:
        given = {original.get(key, key): value for key, value in arguments.items()}
        return await body(**fixed, **given)

    tool.__name__ = tool.__qualname__ = name
    tool.__doc__ = body.__doc__
    tool.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters, return_annotation=returns
    )
    tool.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": returns}
    return tool


async def reachable_sites(state: AppState) -> list[Site]:
    return [Site.model_validate(item) for item in await state.client.sites()]


async def reachable_sites_read(state: AppState) -> tuple[list[Site], str]:
    """The sites, and when Sage listed them (UTC, to the second)."""
    found = await state.client.sites_read()
    sites = [Site.model_validate(item) for item in found.value]
    return sites, found.read_at.isoformat(timespec="seconds")


async def current_company(state: AppState) -> Company:
    """The company this call reads: the one its ``company`` argument named, else the profile's
    choice, else the only one the user can reach.

    Never a silent default: with several to choose from and none chosen, the error lists them.
    """
    state.company_read = await _company_to_read(state)
    return state.company_read


async def _company_to_read(state: AppState) -> Company:
    named = _NAMED.get()
    if named is not None:
        return named
    chosen = await state.selection.chosen()
    if chosen is not None:
        return chosen
    sites = await reachable_sites(state)
    if len(sites) == 1:
        return await state.selection.choose(sites[0])
    if not sites:
        match_company(sites, "")  # raises the "no companies reachable" explanation
    listing = "; ".join(describe(site) for site in sites)
    raise ToolError(
        f"No company is selected, and you can reach {len(sites)}: {listing}. Call switch_site"
        " with the one the user means (its company id or part of its name), then ask again;"
        " or pass it as company to read it for one question."
    )
