"""A page of list_customers or list_suppliers: the accounts, and what the page's rows show
beyond the view's fields.

Extra fields are asked for by name and may come from the account's view (``customer_views``,
the list's source) or, when only the full record has them (a hold's ``status_reason``), from the
record: those are read for the page's accounts in one more request, only when asked for. With a
dormancy filter, the list is the remembered one of api/dormant.py, and each row's latest invoice
or payment before the day is read beside the record fields.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.dormant import Dormancy, dormant_accounts, latest_before
from sage200_mcp.api.ledgers import AccountSearch, Ledger, Page, record_fields, search_accounts
from sage200_mcp.api.models import AccountView
from sage200_mcp.api.schema import split_fields
from sage200_mcp.config import Edition


@dataclass(frozen=True)
class AccountFields:
    """Extra fields asked for, by where they are read: the view, or only the full record."""

    view: tuple[str, ...] = ()
    record: tuple[str, ...] = ()


def account_fields(names: list[str], ledger: Ledger, edition: Edition) -> AccountFields:
    """``names`` checked against the view's and the record's schemas (a view field is read from
    the view); a name neither has is refused with the closest names of both."""
    view, record = split_fields(
        names,
        ledger.module,
        (ledger.view_schema, ledger.record_schema),
        edition,
        f"a {ledger.party} ({ledger.views} or {ledger.records})",
    )
    return AccountFields(view, record)


@dataclass(frozen=True)
class AccountList:
    page: Page[AccountView]
    records: dict[int, dict[str, Any]]  # account id -> the record-only fields asked for
    latest: dict[int, dict[str, date]]  # with dormancy: account id -> kind -> latest before
    read_at: datetime | None = None  # with dormancy: when the remembered list was read


async def list_accounts(
    client: SageClient,
    ledger: Ledger,
    company: Company,
    search: AccountSearch,
    dormancy: Dormancy,
    fields: AccountFields,
    *,
    sort: str,
    descending: bool,
    offset: int,
    limit: int,
    want_total: bool,
) -> AccountList:
    """One page of accounts, and (right after, side by side) the record fields and latest dates
    of the page's accounts, each only when asked for."""
    read_at = None
    if dormancy.since:
        found = await dormant_accounts(
            client,
            ledger,
            company,
            search,
            dormancy,
            sort=sort,
            descending=descending,
            view_fields=fields.view,
        )
        end = offset + limit
        page = Page(found.value[offset:end], end < len(found.value), len(found.value))
        read_at = found.read_at
    else:
        page = await search_accounts(
            client,
            ledger,
            company,
            search,
            sort=sort,
            descending=descending,
            offset=offset,
            limit=limit,
            extra_fields=fields.view,
            want_total=want_total,
        )
    ids = [view.id for view in page.rows if view.id is not None]
    records, latest = await asyncio.gather(
        record_fields(client, ledger, company, ids, fields.record),
        latest_before(client, ledger, company, ids, dormancy),
    )
    return AccountList(page, records, latest, read_at)
