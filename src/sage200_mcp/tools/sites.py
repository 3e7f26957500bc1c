"""Where the answers come from: sites and companies, choosing one, sign-in and status."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sage200_mcp import __version__
from sage200_mcp.api.models import Site
from sage200_mcp.auth import RENEWAL_WARNING_DAYS
from sage200_mcp.profile import match_company
from sage200_mcp.tools.arguments import naming
from sage200_mcp.tools.errors import sign_in_steps
from sage200_mcp.tools.output import CompanyRef, respond
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import (
    CHANGES_SESSION,
    READ_ONLY,
    ToolContext,
    add_tool,
    reachable_sites,
    reachable_sites_read,
)


class SiteRow(BaseModel):
    site_id: str
    site_name: str
    company_id: int
    company_name: str
    selected: bool


class SitesResult(BaseModel):
    sites: list[SiteRow]
    selected: CompanyRef | None = Field(
        default=None, description="The company tools read now, if chosen."
    )
    read_at: str = Field(description="When Sage listed them (UTC); the list is reused a minute.")
    note: str | None = None


class SwitchResult(BaseModel):
    company: CompanyRef
    message: str


class StatusResult(BaseModel):
    setup_needed: str | None = Field(
        default=None,
        description="What to set up before any other tool can reach Sage; tell the user.",
    )
    signed_in: bool
    user: str | None = None
    sign_in_problem: str | None = Field(
        default=None, description="Why there is no usable sign-in, when there is a reason."
    )
    client_type: str = Field(
        description="How the Sage application is registered: desktop (no secret) or web."
    )
    edition: str
    api_url: str
    company: CompanyRef | None = Field(default=None, description="The selected site and company.")
    access_token_valid_for_seconds: int | None = None
    sign_in_ends: str | None = Field(
        default=None, description="Date by which to sign in again (UTC)."
    )
    warning: str | None = None
    sign_in_pending: bool = Field(
        default=False, description="A browser sign-in is waiting to complete."
    )
    read_only: bool = Field(
        default=True, description="This server only reads; it never changes the books."
    )
    version: str
    toolsets: list[str]


class LoginResult(BaseModel):
    signed_in: bool
    user: str | None = None
    url: str | None = Field(
        default=None, description="Where the user signs in, when not signed in."
    )
    complete_with: str | None = Field(
        default=None,
        description=(
            "When set, the browser lands on an address starting with this after the sign-in;"
            " the user copies that whole address and complete_login takes it."
        ),
    )
    message: str


async def list_sites(ctx: ToolContext) -> Annotated[CallToolResult, SitesResult]:
    state = app_state(ctx)
    sites, read_at = await reachable_sites_read(state)
    chosen = await state.selection.chosen()

    def is_chosen(site: Site) -> bool:
        return chosen is not None and (site.site_id, site.company_id) == (
            chosen.site_id,
            chosen.company_id,
        )

    rows = [
        SiteRow(
            site_id=s.site_id,
            site_name=s.site_name,
            company_id=s.company_id or 0,
            company_name=s.company_name,
            selected=is_chosen(s),
        )
        for s in sites
    ]
    note = None
    if not sites:
        note = (
            "No companies are reachable. For Sage 200 Professional this usually means the"
            " on-premises connection is down."
        )
    elif chosen is None:
        note = "No company is selected yet: call switch_site with the one the user means."
    return respond(
        SitesResult(
            sites=rows,
            selected=CompanyRef.of(chosen) if chosen else None,
            read_at=read_at,
            note=note,
        )
    )


async def switch_site(
    site: Annotated[
        str,
        Field(min_length=1, max_length=200, description="Company id, site id, or part of a name."),
        naming("a company id, a site id, or part of a company's name (see list_sites)"),
    ],
    ctx: ToolContext,
) -> Annotated[CallToolResult, SwitchResult]:
    state = app_state(ctx)
    chosen = await state.selection.choose(match_company(await reachable_sites(state), site))
    return respond(
        SwitchResult(company=CompanyRef.of(chosen), message=f"Now reading {chosen.describe()}.")
    )


async def get_status(ctx: ToolContext) -> Annotated[CallToolResult, StatusResult]:
    state = app_state(ctx)
    setup_needed = state.setup_problem()
    chosen = await state.selection.chosen()
    result = StatusResult(
        setup_needed=setup_needed,
        signed_in=False,
        client_type=state.settings.client_type,
        edition=state.client.edition or "not set: found on the first call",
        api_url=state.client.base_url or state.settings.api_url,
        company=CompanyRef.of(chosen) if chosen else None,
        sign_in_pending=state.sign_in.in_progress,
        version=__version__,
        toolsets=list(state.toolsets),
    )
    signed = await state.sign_in.state()
    if signed.user is None or signed.ends_at is None or signed.access_expires_at is None:
        return respond(result.model_copy(update={"sign_in_problem": signed.problem}))
    now = time.time()
    days = (signed.ends_at - now) / 86400
    return respond(
        result.model_copy(
            update={
                "signed_in": True,
                "user": signed.user,
                "access_token_valid_for_seconds": max(0, int(signed.access_expires_at - now)),
                "sign_in_ends": datetime.fromtimestamp(signed.ends_at, UTC).date().isoformat(),
                "warning": (
                    f"The Sage sign-in ends in {max(0, int(days))} days; sign in again"
                    " (the login tool, or `sage200-mcp login`) before then."
                )
                if days < RENEWAL_WARNING_DAYS
                else None,
            }
        )
    )


async def login(ctx: ToolContext) -> Annotated[CallToolResult, LoginResult]:
    state = app_state(ctx)
    signed = await state.sign_in.state()
    if signed.user is not None:
        return respond(
            LoginResult(
                signed_in=True, user=signed.user, message=f"Already signed in as {signed.user}."
            )
        )
    started = await state.sign_in.begin()
    # the cause first (expired, revoked, a damaged token file), as every other tool says it
    told = [signed.problem, sign_in_steps(started)]
    if state.sign_in.last_failure:
        told.append(f"(The previous attempt failed: {state.sign_in.last_failure})")
    return respond(
        LoginResult(
            signed_in=False,
            url=started.url,
            complete_with=started.paste_from,
            message=" ".join(filter(None, told)),
        )
    )


async def complete_login(
    address: Annotated[
        str,
        Field(
            min_length=1,
            max_length=4000,
            description="The full address from the browser's address bar.",
        ),
    ],
    ctx: ToolContext,
) -> Annotated[CallToolResult, LoginResult]:
    state = app_state(ctx)
    user = await state.sign_in.complete(address)
    return respond(
        LoginResult(
            signed_in=True,
            user=user,
            message=f"Signed in to Sage as {user}; ask the question again.",
        )
    )


def register(mcp: MCPServer[AppState]) -> None:
    add_tool(
        mcp,
        list_sites,
        title="List Sage sites and companies",
        description=(
            "List the Sage 200 sites and companies the signed-in user can reach, and which one"
            " the other tools read now. Use it when the user mentions a company by name, or when"
            " a tool says no company is selected."
        ),
        annotations=READ_ONLY,
        per_company=False,
    )
    add_tool(
        mcp,
        switch_site,
        title="Switch to another Sage company",
        description=(
            "Choose the company the other tools read, by company id, site id, or a case-"
            "insensitive name or part of the company's or site's name (e.g. 'Ireland'). Exactly"
            " one company must match; otherwise the error lists the candidates. The choice is"
            " remembered for later sessions and the command line."
        ),
        annotations=CHANGES_SESSION,
        per_company=False,
    )
    add_tool(
        mcp,
        get_status,
        title="Sign-in and server status",
        description=(
            "Who is signed in to Sage, the edition, the selected site and company, how long the"
            " sign-in lasts, and this server's version; what to set up first, if anything."
            " Never shows a token."
        ),
        annotations=READ_ONLY,
        per_company=False,
        needs_setup=False,
    )


def register_sign_in(mcp: MCPServer[AppState]) -> None:
    """Signing in from the chat: one person's server only (a team's clients sign in by OAuth)."""
    add_tool(
        mcp,
        login,
        title="Sign in to Sage",
        description=(
            "Start signing in to Sage in the browser and return the address to open; if already"
            " signed in, say as whom. The sign-in completes in the browser; ask again afterwards."
            " When the answer has complete_with, the browser lands on an address starting with"
            " it: ask the user for that whole address and pass it to complete_login."
        ),
        annotations=CHANGES_SESSION,
        per_company=False,
    )
    add_tool(
        mcp,
        complete_login,
        title="Finish signing in to Sage",
        description=(
            "Finish a sign-in started by login: pass the whole address the browser landed on"
            " after the user signed in (it starts with login's complete_with and carries"
            " ?code=...&state=...). Needed when the application's redirect is an https address,"
            " or when the browser ran on another computer."
        ),
        annotations=CHANGES_SESSION,
        per_company=False,
    )
