"""`sites` and `use`: the companies a profile can reach, and choosing one."""

from __future__ import annotations

import asyncio

from sage200_mcp.api.client import SageClient
from sage200_mcp.api.models import Site
from sage200_mcp.auth import open_session
from sage200_mcp.config import Settings
from sage200_mcp.console import out
from sage200_mcp.httpclient import new_http_client
from sage200_mcp.profile import describe, match_company, select_company, selected_company


def _fetch_sites(settings: Settings) -> list[Site]:
    settings.require_client_id()

    async def fetch() -> list[Site]:
        async with new_http_client(settings.http_timeout) as http:
            client = SageClient(settings, open_session(settings, http), http)
            return [Site.model_validate(item) for item in await client.sites()]

    return asyncio.run(fetch())


def sites(settings: Settings) -> int:
    reachable = _fetch_sites(settings)
    chosen = selected_company(settings)
    if not reachable:
        out(
            "No companies are reachable with this sign-in. For Sage 200 Professional this usually"
            " means the on-premises connection is down."
        )
        return 1
    out(f"{'':2}{'company':>8}  {'name':<44}  site")
    for site in reachable:
        mark = (
            "*"
            if chosen and (site.site_id, site.company_id) == (chosen.site_id, chosen.company_id)
            else " "
        )
        out(f"{mark:2}{site.company_id or '':>8}  {site.company_name:<44}  {site.site_name}")
    if chosen is None:
        out("\nNo company selected yet: choose one with `sage200-mcp use <id or name>`.")
    return 0


def use(settings: Settings, wanted: str) -> int:
    site = match_company(_fetch_sites(settings), wanted)
    select_company(settings, site)
    out(f"Now using {describe(site)} (profile {settings.profile}).")
    return 0
