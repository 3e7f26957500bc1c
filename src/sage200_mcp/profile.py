"""The profile's chosen site and company, kept in ``profiles/<name>/config.toml``.

Kept on disk (not in memory) so that the CLI (`sage200-mcp use`), later sessions and other running
servers all see one choice. Other keys in the file (an edition, a client id) are left alone.
"""

from __future__ import annotations

import re

from sage200_mcp.api.client import Company
from sage200_mcp.api.models import Site
from sage200_mcp.api.odata import record_id
from sage200_mcp.config import Settings, read_toml, write_toml
from sage200_mcp.errors import Sage200Error

_SELECTION_KEYS = ("site_id", "site_name", "company_id", "company_name")


class NoSuchCompany(Sage200Error):
    """What was asked for matches no company, or more than one; the message lists them."""

    def __init__(self, message: str, candidates: list[Site]) -> None:
        super().__init__(message)
        self.candidates = candidates


def selected_company(settings: Settings) -> Company | None:
    values = read_toml(settings.profile_config_path)
    site_id, company_id = values.get("site_id"), values.get("company_id")
    if not site_id or company_id is None:
        return None
    try:
        number = int(company_id)
    except (TypeError, ValueError):
        return None
    return Company(
        str(site_id), number, str(values.get("site_name", "")), str(values.get("company_name", ""))
    )


def select_company(settings: Settings, site: Site) -> Company:
    company = as_company(site)
    values = {
        k: v for k, v in read_toml(settings.profile_config_path).items() if k not in _SELECTION_KEYS
    }
    values.update(
        site_id=company.site_id,
        site_name=company.site_name,
        company_id=company.company_id,
        company_name=company.company_name,
    )
    write_toml(settings.profile_config_path, values)
    return company


def as_company(site: Site) -> Company:
    return Company(site.site_id, site.company_id or 0, site.site_name, site.company_name)


def describe(site: Site) -> str:
    return f"{site.company_name} (company {site.company_id}, site {site.site_name})"


def match_company(sites: list[Site], wanted: str) -> Site:
    """The one company ``wanted`` names: a company id, a site id, or a name or part of one
    (company or site, any case). Anything else raises NoSuchCompany listing the choices."""
    text = wanted.strip()
    if not sites:
        raise NoSuchCompany(
            "Your Sage user can reach no companies. For Sage 200 Professional this usually means"
            " the connection to the on-premises server (the Sage 200 API service) is down; ask"
            " your administrator.",
            [],
        )
    if (number := record_id(text)) is not None:
        found = [s for s in sites if s.company_id == number]
    elif re.fullmatch(r"[0-9a-fA-F-]{36}", text):
        found = [s for s in sites if s.site_id.lower() == text.lower()]
    else:
        words = text.lower().split()
        found = [
            s
            for s in sites
            if words
            and all(
                w in f"{s.company_name} {s.site_name} {s.site_short_name}".lower() for w in words
            )
        ]
        exact = [s for s in found if s.company_name.lower() == text.lower()]
        found = exact or found
    if len(found) == 1:
        return found[0]
    listing = "; ".join(describe(s) for s in (found or sites))
    if found:
        raise NoSuchCompany(
            f"'{wanted}' matches {len(found)} companies: {listing}. Say which"
            " one, by company id or a longer part of its name.",
            found,
        )
    raise NoSuchCompany(
        f"'{wanted}' matches no company. The companies you can reach: {listing}.", sites
    )
