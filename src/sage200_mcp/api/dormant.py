"""Accounts gone quiet on one kind of entry: no invoice, or no payment, since a day.

Sage's account records and views hold only the date of the last transaction of any kind
(``date_of_last_transaction``, which quiet_since compares), not of the last invoice or payment.
So the accounts that did have one since the day are found in the ledger's transaction view: one
scan filtered on Sage's side by type and date, only the account id read, into a set. The account
list is read whole with every other filter on Sage's side, and kept to the accounts not in the
set. Both are remembered for a short while, so that the list's cursor pages agree with its first
page and cost no scan.

What a quiet account's row shows is the date of its latest such entry before the day (the one
after which it went quiet): read for the accounts of the page shown only, newest first, in one
request as a rule (see ``latest_before``).

Kinds are told by the ending of Sage's type names (ledgers.ENTRY_TYPES), taken from the company's
``trader_transaction_types``: an invoice is not an opening balance invoice, a payment is a
customer's receipt or a payment to a supplier.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, Remembered, SageClient
from sage200_mcp.api.ledgers import (
    ENTRY_TYPES,
    AccountSearch,
    Ledger,
    account_query,
    views_of,
)
from sage200_mcp.api.lookups import TRANSACTION_TYPES, enumeration
from sage200_mcp.api.models import AccountView, TransactionView, lenient_int

DORMANT_TTL = 120.0  # seconds the set and the list serve cursor pages and repeat calls
LATEST_ROWS = 1000  # a page's accounts' newest entries read at once for their latest dates
ADVICE = "Give a later day, or narrow the list (min_balance, search)."


@dataclass(frozen=True)
class Dormancy:
    """The days after which an account has had no invoice, or no payment (both may apply)."""

    invoice: date | None = None
    payment: date | None = None

    @property
    def since(self) -> dict[str, date]:
        """Each kind asked about (a key of ENTRY_TYPES) and its day."""
        kinds = (("invoice", self.invoice), ("payment", self.payment))
        return {kind: day for kind, day in kinds if day is not None}


async def traded_since(
    client: SageClient, ledger: Ledger, company: Company, dormancy: Dormancy
) -> Remembered[frozenset[int]]:
    """The ids of the accounts with an entry of a kind asked about on or after its day: one
    scan of the transaction view, filtered on Sage's side, only the account id read."""

    async def load() -> frozenset[int]:
        names = await _type_names(client, company, dormancy.since)
        ids: set[int] = set()

        def keep(rows: list[dict[str, Any]]) -> None:  # each page made small as it arrives
            found = (lenient_int(row.get(ledger.party_id)) for row in rows)
            ids.update(i for i in found if i is not None)

        await client.scan(
            ledger.transactions,
            company,
            {
                "$filter": str(_entries(names, dormancy.since, "ge")),
                "$select": ledger.party_id,
                "$orderby": f"{ledger.transaction_id} asc",
            },
            keep,
            advice=ADVICE,
            counted=True,  # months of a busy ledger: thousands of rows
        )
        return frozenset(ids)

    key = ("traded since", company.site_id, company.company_id, ledger.party, dormancy)
    return await client.remember(key, load, DORMANT_TTL)


async def dormant_accounts(
    client: SageClient,
    ledger: Ledger,
    company: Company,
    search: AccountSearch,
    dormancy: Dormancy,
    *,
    sort: str,
    descending: bool,
    view_fields: tuple[str, ...],
) -> Remembered[list[AccountView]]:
    """Every account matching ``search`` (on Sage's side, in the order asked) that is not in
    ``traded_since``; the two read side by side, the list remembered with its set."""

    async def load() -> list[AccountView]:
        params, _ = await asyncio.gather(  # the two enumerations the reads need, side by side
            account_query(client, company, search, sort, descending, view_fields),
            enumeration(client, company, TRANSACTION_TYPES),
        )
        rows, traded = await asyncio.gather(
            client.all_rows(ledger.views, company, params, advice=ADVICE, counted=True),
            traded_since(client, ledger, company, dormancy),
        )
        views = await views_of(client, company, rows)
        return [view for view in views if view.id not in traded.value]

    key = (
        "dormant",
        company.site_id,
        company.company_id,
        ledger.party,
        search,
        dormancy,
        sort,
        descending,
        view_fields,
    )
    return await client.remember(key, load, DORMANT_TTL)


async def latest_before(
    client: SageClient, ledger: Ledger, company: Company, ids: list[int], dormancy: Dormancy
) -> dict[int, dict[str, date]]:
    """Each account's latest entry of each kind asked about, dated before that kind's day (the
    accounts shown have none since): the newest LATEST_ROWS such entries of all ``ids`` in one
    read; only when there were more, an account and kind not among them in a one-row request of
    its own (side by side). An account with none before the day has no date for it."""
    days = dormancy.since
    if not ids or not days:
        return {}
    names = await _type_names(client, company, days)
    types = await enumeration(client, company, TRANSACTION_TYPES)  # remembered: no request
    kinds = {name: kind for kind, name in names.items()}
    latest: dict[int, dict[str, date]] = {}

    def note(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            entry = TransactionView.model_validate(row)
            account = lenient_int(entry.extra(ledger.party_id))
            kind = kinds.get(types.name(entry.transaction_type))
            if account is not None and kind is not None and entry.transaction_date:
                latest.setdefault(account, {}).setdefault(kind, entry.transaction_date)

    def query(accounts: list[int], wanted: dict[str, date]) -> dict[str, str]:
        chosen = odata.any_of([odata.eq(ledger.party_id, i) for i in accounts])
        return {
            "$filter": str(chosen & _entries(names, wanted, "lt")),
            "$select": f"{ledger.party_id},transaction_type,transaction_date",
            "$orderby": f"transaction_date desc, {ledger.transaction_id} desc",
        }

    rows, more = await client.read_rows(
        ledger.transactions, company, query(ids, days), offset=0, limit=LATEST_ROWS
    )
    note(rows)
    if more:
        missing = [(i, kind) for i in ids for kind in days if kind not in latest.get(i, {})]
        pages = await asyncio.gather(
            *(
                client.page(ledger.transactions, company, query([i], {kind: days[kind]}), 0, 1)
                for i, kind in missing
            )
        )
        for found, _ in pages:
            note(found)
    return latest


async def _type_names(
    client: SageClient, company: Company, kinds: dict[str, date]
) -> dict[str, str]:
    """Sage's type name for each kind, as this company lists them."""
    types = await enumeration(client, company, TRANSACTION_TYPES)
    return {kind: types.named(ENTRY_TYPES[kind]) for kind in kinds}


def _entries(names: dict[str, str], days: dict[str, date], operator: str) -> odata.Expr:
    """Entries of each kind dated ``operator`` (ge: on or after; lt: before) its day."""
    return odata.any_of(
        [
            odata.eq("transaction_type", names[kind])
            & odata.compare("transaction_date", operator, day)
            for kind, day in days.items()
        ]
    )
