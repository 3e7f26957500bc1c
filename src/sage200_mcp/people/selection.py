"""A team person's selected company, kept in the team store (tools.state.Selection).

In the store rather than a replica's memory or the MCP session, so it follows the person to
whichever replica answers next, and is theirs alone: another person's switch_site, or another of
their own sessions', is the only thing that changes it, never a call naming a company.
"""

from __future__ import annotations

from dataclasses import dataclass

from sage200_mcp.api.client import Company
from sage200_mcp.api.models import Site
from sage200_mcp.profile import as_company
from sage200_mcp.team import models
from sage200_mcp.team.store import TeamStore


@dataclass(frozen=True)
class StoreSelection:
    store: TeamStore
    subject: str

    async def chosen(self) -> Company | None:
        kept = await self.store.selected_company(self.subject)
        if kept is None:
            return None
        return Company(kept.site_id, kept.company_id, company_name=kept.name or "")

    async def choose(self, site: Site) -> Company:
        company = as_company(site)
        await self.store.select_company(
            self.subject,
            models.Company(company.site_id, company.company_id, company.company_name or None),
        )
        return company
