"""The sales and purchase ledgers: accounts, their transactions and their aged balances.

Suppliers mirror customers in Sage 200 (the same views, the same ageing), so one set of queries
serves both, told apart by a Ledger that names each side's resources and fields.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, Remembered, SageClient
from sage200_mcp.api.errors import Ambiguous, NotFound
from sage200_mcp.api.lookups import (
    ACCOUNT_STATUS,
    TRANSACTION_TYPES,
    along,
    enumeration,
    name_numbers,
)
from sage200_mcp.api.models import (
    AGED_BUCKETS,
    Account,
    AccountView,
    AgedBalance,
    AgedRow,
    TransactionView,
    lenient_int,
)

ROW_FIELDS = (
    "id",
    "reference",
    "name",
    "short_name",
    "balance",
    "base_balance",
    "credit_limit",
    "currency_iso_code",
    "account_is_on_hold",
    "is_over_credit_limit",
    "account_status_type",
)
# what a list can be sorted by, and the field that holds it: balances compare in base currency,
# so that a ledger of several currencies ranks (and filters) like for like
SORT_FIELDS = {"name": "name", "reference": "reference", "balance": "base_balance"}
AGEING = ("transactiondate", "duedate", "calendarmonth")
# The kinds of ledger entry a tool can ask for, and how Sage's names for them end (the names
# come from the company's trader_transaction_types).
ENTRY_TYPES = {
    "invoice": "Invoice",
    "credit_note": "CreditNote",
    "payment": "PurchasePaymentSalesReceipt",
    "refund": "PurchaseReceiptSalesPayment",
}


@dataclass(frozen=True)
class Ledger:
    party: str  # "customer" | "supplier"
    module: str  # the OpenAPI file describing it
    views: str
    view_schema: str
    records: str
    record_schema: str
    transactions: str
    transaction_schema: str
    transaction_id: str
    aged_summary: str
    aged_detail: str
    on_order_field: str

    @property
    def party_id(self) -> str:
        return f"{self.party}_id"


SALES = Ledger(
    party="customer",
    module="sales",
    views="customer_views",
    view_schema="customer_view",
    records="customers",
    record_schema="customer",
    transactions="sales_transaction_views",
    transaction_schema="sales_transaction_view",
    transaction_id="posted_customer_transaction_id",
    aged_summary="sales_aged_debtor_summary_views",
    aged_detail="sales_aged_debtor_detailed_views",
    on_order_field="value_of_current_orders_in_sop",
)
PURCHASE = Ledger(
    party="supplier",
    module="purchases",
    views="supplier_views",
    view_schema="supplier_view",
    records="suppliers",
    record_schema="supplier",
    transactions="purchase_transaction_views",
    transaction_schema="purchase_transaction_view",
    transaction_id="posted_supplier_transaction_id",
    aged_summary="purchase_aged_creditor_summary_views",
    aged_detail="purchase_aged_creditor_detailed_views",
    on_order_field="value_of_current_orders_in_pop",
)


@dataclass(frozen=True)
class AccountSearch:
    """What to look for; every condition is optional and they all apply together."""

    text: str | None = None
    on_hold: bool | None = None
    over_credit_limit: bool | None = None
    min_balance: float | None = None
    max_balance: float | None = None
    include_hidden: bool = False
    quiet_since: date | None = None  # no transaction on or after this day
    active_since: date | None = None  # a transaction on or after this day

    def filter(self, active: str | None) -> odata.Expr | None:
        """The filter; ``active`` is Sage's name for an active account, or None when hidden
        accounts are wanted too."""
        text = (self.text or "").strip()
        return odata.all_of(
            [
                odata.any_of([odata.contains(f, text) for f in ("reference", "name", "short_name")])
                if text
                else None,
                odata.eq("account_is_on_hold", self.on_hold) if self.on_hold is not None else None,
                odata.eq("is_over_credit_limit", self.over_credit_limit)
                if self.over_credit_limit is not None
                else None,
                odata.compare("base_balance", "ge", self.min_balance)
                if self.min_balance is not None
                else None,
                odata.compare("base_balance", "le", self.max_balance)
                if self.max_balance is not None
                else None,
                odata.eq("account_status_type", active) if active else None,
                odata.compare("date_of_last_transaction", "lt", self.quiet_since)
                if self.quiet_since
                else None,
                odata.compare("date_of_last_transaction", "ge", self.active_since)
                if self.active_since
                else None,
            ]
        )


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    has_more: bool
    total: int | None


async def search_accounts(
    client: SageClient,
    ledger: Ledger,
    company: Company,
    search: AccountSearch,
    *,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 25,
    extra_fields: tuple[str, ...] = (),
    want_total: bool = False,
) -> Page[AccountView]:
    """One page of matching accounts, sorted (ties broken by id so pages never overlap)."""
    params = await account_query(client, company, search, sort, descending, extra_fields)
    found = await along(
        client,
        company,
        page_of(client, ledger.views, company, params, offset, limit, want_total, dict),
        ACCOUNT_STATUS,
    )
    return Page(await views_of(client, company, found.rows), found.has_more, found.total)


async def account_query(
    client: SageClient,
    company: Company,
    search: AccountSearch,
    sort: str,
    descending: bool,
    extra_fields: tuple[str, ...],
) -> dict[str, str]:
    """The account views' query for ``search``: its filter, the row's fields and the order."""
    if sort not in SORT_FIELDS:
        raise ValueError(f"cannot sort accounts by {sort!r}")
    active = None
    if not search.include_hidden:
        active = (await enumeration(client, company, ACCOUNT_STATUS)).named("Active")
    expression = search.filter(active)
    params = {
        "$select": ",".join(dict.fromkeys((*ROW_FIELDS, *extra_fields))),
        "$orderby": f"{SORT_FIELDS[sort]} {'desc' if descending else 'asc'}, id asc",
    }
    if expression is not None:
        params["$filter"] = str(expression)
    return params


async def resolve_account(client: SageClient, ledger: Ledger, company: Company, text: str) -> int:
    """The id of the one account ``text`` means (see ``find_account``)."""
    view = await find_account(client, ledger, company, text)
    if view.id is None:  # find_account keeps only rows with an id
        raise NotFound(f"Sage sent the {ledger.party} '{text}' without its id; try again.")
    return view.id


async def find_account(
    client: SageClient, ledger: Ledger, company: Company, text: str
) -> AccountView:
    """The view row of the one account ``text`` means: its id, its reference (any case), or its
    name; else an error listing the candidates.

    One request asks for all of these at once (a slow link pays one round trip, not three);
    only when more names match than one answer holds, and none is exact, is the id or
    reference asked for on its own. Hidden accounts count: a person asking for one means it.
    """
    text = text.strip()
    number = odata.record_id(text)
    exact = [odata.eq("reference", text.upper())]
    if number is not None:
        exact.append(odata.eq("id", number))
    rows = await _account_rows(
        client,
        ledger,
        company,
        odata.any_of([*exact, *(odata.contains(f, text) for f in ("name", "short_name"))]),
        CANDIDATES + 1,
    )
    if len(rows) > CANDIDATES and not _exactly(rows, text, number):
        rows = await _account_rows(client, ledger, company, odata.any_of(exact), 2) or rows
    return _chosen(rows, text, number, ledger, company)


CANDIDATES = 10  # names listed when several accounts match


async def _account_rows(
    client: SageClient, ledger: Ledger, company: Company, expression: odata.Expr, top: int
) -> list[AccountView]:
    rows = await along(
        client,
        company,
        client.get_list(
            ledger.views,
            company,
            {
                "$filter": str(expression),
                "$select": ",".join(ROW_FIELDS),
                "$orderby": "name asc, id asc",
                "$top": str(top),
            },
        ),
        ACCOUNT_STATUS,
    )
    return [view for view in await views_of(client, company, rows) if view.id is not None]


def _exactly(rows: list[AccountView], text: str, number: int | None) -> list[AccountView]:
    """The rows ``text`` names exactly: the id, else the reference, else the name."""
    for matches in (
        [r for r in rows if number is not None and r.id == number],
        [r for r in rows if r.reference.lower() == text.lower()],
        [r for r in rows if r.name.lower() == text.lower()],
    ):
        if matches:
            return matches
    return []


def _chosen(
    rows: list[AccountView], text: str, number: int | None, ledger: Ledger, company: Company
) -> AccountView:
    exact = _exactly(rows, text, number)
    chosen = exact if len(exact) == 1 else rows
    if len(chosen) == 1:
        return chosen[0]
    if not chosen:
        raise NotFound(
            f"No {ledger.party} in {company.describe()} matches '{text}'. Try"
            f" list_{ledger.party}s with a shorter search, or check the company"
            " (list_sites)."
        )
    listing = "; ".join(f"{c.reference} {c.name}" for c in chosen[:CANDIDATES])
    more = " (and more)" if len(chosen) > CANDIDATES else ""
    raise Ambiguous(
        f"Several {ledger.party}s match '{text}': {listing}{more}. Ask which one the"
        f" user means, then use its reference."
    )


async def views_of(
    client: SageClient, company: Company, rows: list[dict[str, Any]]
) -> list[AccountView]:
    """View rows as models, an account status sent as a number named."""
    await name_numbers(client, company, ACCOUNT_STATUS, rows, "account_status_type")
    return [AccountView.model_validate(row) for row in rows]


async def account_details(
    client: SageClient, ledger: Ledger, company: Company, account_id: int
) -> tuple[Account, AccountView | None]:
    """The full record (address and contacts expanded) and its view row, read together (and
    the account statuses' names beside them)."""
    record, views = await along(
        client,
        company,
        asyncio.gather(
            client.get_item(
                f"{ledger.records}/{account_id}", company, {"$expand": "main_address,contacts"}
            ),
            client.get_list(
                ledger.views, company, {"$filter": str(odata.eq("id", account_id)), "$top": "1"}
            ),
            return_exceptions=True,
        ),
        ACCOUNT_STATUS,
    )
    # only the record's 404 means "no such account"; the view's would mean a wrong path
    if isinstance(record, NotFound):
        raise NotFound(f"There is no {ledger.party} with id {account_id} in {company.describe()}.")
    if isinstance(record, BaseException):
        raise record
    if isinstance(views, BaseException):
        raise views
    await name_numbers(client, company, ACCOUNT_STATUS, [record], "account_status_type")
    view = await views_of(client, company, views[:1])
    return Account.model_validate(record), (view[0] if view else None)


@dataclass(frozen=True)
class TransactionSearch:
    account_id: int
    outstanding_only: bool = True
    from_date: date | None = None
    to_date: date | None = None
    entry_type: str | None = None  # a key of ENTRY_TYPES
    oldest_first: bool = False

    def filter(self, ledger: Ledger, entry_type: str | None = None) -> odata.Expr | None:
        """The filter, with ``entry_type`` the Sage name of ``self.entry_type``."""
        return odata.all_of(
            [
                odata.eq(ledger.party_id, self.account_id),
                odata.compare("document_outstanding_value", "ne", 0)
                if self.outstanding_only
                else None,
                odata.compare("transaction_date", "ge", self.from_date) if self.from_date else None,
                odata.compare("transaction_date", "le", self.to_date) if self.to_date else None,
                odata.eq("transaction_type", entry_type) if entry_type else None,
            ]
        )


async def search_transactions(
    client: SageClient,
    ledger: Ledger,
    company: Company,
    search: TransactionSearch,
    *,
    offset: int,
    limit: int,
    want_total: bool,
) -> Page[TransactionView]:
    """Newest first (or oldest first); ties broken by the transaction id so pages never
    overlap. Types are Sage's names, whether Sage sent names or numbers."""
    entry_type = None
    if search.entry_type:
        types = await enumeration(client, company, TRANSACTION_TYPES)
        entry_type = types.named(ENTRY_TYPES[search.entry_type])
    expression = search.filter(ledger, entry_type)
    direction = "asc" if search.oldest_first else "desc"
    params = {
        "$orderby": f"transaction_date {direction}, {ledger.transaction_id} {direction}",
        "$select": ",".join((*TransactionView.model_fields, ledger.transaction_id)),
    }
    if expression is not None:
        params["$filter"] = str(expression)
    found = await along(
        client,
        company,
        page_of(client, ledger.transactions, company, params, offset, limit, want_total, dict),
        TRANSACTION_TYPES,
    )
    await name_numbers(client, company, TRANSACTION_TYPES, found.rows, "transaction_type")
    rows = [TransactionView.model_validate(row) for row in found.rows]
    return Page(rows, found.has_more, found.total)


AGED_TABLE_TTL = 120.0  # seconds a company's aged table serves cursor pages and repeat calls
AGED_FIELDS = (
    *(f"{kind}_{bucket}" for kind in ("doc", "base") for bucket in AGED_BUCKETS),
    *(f"aged_period_{n}" for n in range(1, 9)),
)


@dataclass
class AgedTable:
    """Every account's aged balance on one basis, read in one scan and remembered for
    AGED_TABLE_TTL, so that cursor pages and repeat questions ask Sage nothing. The rows of
    accounts shown so far (for their names) are kept beside it for the same reason."""

    rows: list[AgedRow]
    names: dict[int, AccountView] = field(default_factory=dict)


async def aged_table(
    client: SageClient, ledger: Ledger, company: Company, basis: str
) -> Remembered[AgedTable]:
    """The company's aged table on ``basis``, and when it was read."""
    if basis not in AGEING:
        raise ValueError(f"unknown ageing basis {basis!r}")

    async def load() -> AgedTable:
        table = AgedTable([])

        def keep(rows: list[dict[str, Any]]) -> None:  # each page made small as it arrives
            table.rows.extend(_aged_row(AgedBalance.model_validate(row), ledger) for row in rows)

        await client.scan(
            ledger.aged_summary,
            company,
            {
                "$ageingdatetype": basis,
                "$select": ",".join((ledger.party_id, *AGED_FIELDS)),
                "$orderby": f"{ledger.party_id} asc",
            },
            keep,
            advice=f"Ask for one {ledger.party}'s aged balance instead.",
            counted=True,  # thousands of accounts at a big company: pages side by side
        )
        return table

    key = ("aged", company.site_id, company.company_id, ledger.party, basis)
    return await client.remember(key, load, AGED_TABLE_TTL)


async def accounts_on_hold(
    client: SageClient, ledger: Ledger, company: Company
) -> Remembered[frozenset[int]]:
    """The ids of the accounts on hold (few, as a rule: one request), remembered as long as the
    aged table they filter, so that its cursor pages agree with its first."""

    async def load() -> frozenset[int]:
        rows = await client.all_rows(
            ledger.views,
            company,
            {
                "$filter": str(odata.eq("account_is_on_hold", True)),
                "$select": "id",
                "$orderby": "id asc",
            },
        )
        return frozenset(i for i in (lenient_int(row.get("id")) for row in rows) if i is not None)

    key = ("on hold", company.site_id, company.company_id, ledger.party)
    return await client.remember(key, load, AGED_TABLE_TTL)


async def names_for(
    client: SageClient,
    ledger: Ledger,
    company: Company,
    table: AgedTable,
    shown: list[int],
    ahead: list[int],
) -> dict[int, AccountView]:
    """The rows of the accounts ``shown``, from the table's store when it has them; a request
    for missing ones also fetches those ``ahead`` (the next pages), in the same round trip."""
    if any(i not in table.names for i in shown):
        wanted = [i for i in dict.fromkeys((*shown, *ahead)) if i not in table.names]
        table.names.update(await account_views(client, ledger, company, wanted))
    return table.names


async def account_views(
    client: SageClient, ledger: Ledger, company: Company, ids: list[int]
) -> dict[int, AccountView]:
    """The rows of the accounts ``ids`` (see ``by_ids``)."""
    rows = await by_ids(client, ledger.views, company, ids, ROW_FIELDS)
    views = [AccountView.model_validate(row) for row in rows]
    return {view.id: view for view in views if view.id is not None}


async def record_fields(
    client: SageClient, ledger: Ledger, company: Company, ids: list[int], fields: tuple[str, ...]
) -> dict[int, dict[str, Any]]:
    """``fields`` of the full records (``customers``, ``suppliers``) of the accounts ``ids``,
    for fields the views lack (a hold's ``status_reason``); nothing is asked when none are."""
    if not fields or not ids:
        return {}
    rows = await by_ids(client, ledger.records, company, ids, ("id", *fields))
    found = ((lenient_int(row.get("id")), row) for row in rows)
    return {i: {name: row.get(name) for name in fields} for i, row in found if i is not None}


async def by_ids(
    client: SageClient, path: str, company: Company, ids: list[int], fields: tuple[str, ...]
) -> list[dict[str, Any]]:
    """``fields`` of the records ``ids`` of ``path``, 50 ids a request (one for a page of up
    to 50), the requests side by side."""
    chunks = [ids[start : start + 50] for start in range(0, len(ids), 50)]
    found = await asyncio.gather(
        *(
            client.get_list(
                path,
                company,
                {
                    "$filter": str(odata.any_of([odata.eq("id", i) for i in chunk])),
                    "$select": ",".join(fields),
                    "$top": str(len(chunk)),
                },
            )
            for chunk in chunks
        )
    )
    return [row for rows in found for row in rows]


@dataclass(frozen=True)
class OneAccountAged:
    """One account's aged balance (the sum of its items) and its items, each with its
    transaction (for its reference and dates) when Sage lists it as outstanding."""

    balance: AgedRow
    items: list[tuple[AgedBalance, TransactionView | None]]


async def aged_account(
    client: SageClient,
    ledger: Ledger,
    company: Company,
    account_id: int,
    basis: str,
    *,
    items: bool,
) -> OneAccountAged:
    """One account's aged balance, filtered on Sage's side by the account whatever the size of
    the company: its row of the summary view (one request); or, with ``items``, its items and
    their references and dates (two requests side by side), which sum to that row."""
    if basis not in AGEING:
        raise ValueError(f"unknown ageing basis {basis!r}")
    if not items:
        rows = await client.get_list(
            ledger.aged_summary,
            company,
            {
                "$ageingdatetype": basis,
                "$filter": str(odata.eq(ledger.party_id, account_id)),
                "$select": ",".join((ledger.party_id, *AGED_FIELDS)),
                "$top": "1",
            },
        )
        found = [_aged_row(AgedBalance.model_validate(row), ledger) for row in rows]
        return OneAccountAged(found[0] if found else _summed([], account_id), [])
    detail, open_items = await asyncio.gather(
        client.all_rows(
            ledger.aged_detail,
            company,
            {
                "$ageingdatetype": basis,
                "$filter": str(odata.eq(ledger.party_id, account_id)),
                "$orderby": f"{ledger.transaction_id} asc",
            },
        ),
        client.all_rows(
            ledger.transactions,
            company,
            {
                "$filter": str(TransactionSearch(account_id).filter(ledger)),
                "$select": ",".join((*ITEM_FIELDS, ledger.transaction_id)),
                "$orderby": f"{ledger.transaction_id} asc",
            },
        ),
    )
    by_id = {
        row.get(ledger.transaction_id): TransactionView.model_validate(row) for row in open_items
    }
    aged = [AgedBalance.model_validate(row) for row in detail]
    with_items = [(row, by_id.get(row.extra(ledger.transaction_id))) for row in aged]
    return OneAccountAged(_summed(aged, account_id), with_items)


ITEM_FIELDS = ("reference", "transaction_date", "due_date")


def _summed(items: list[AgedBalance], account_id: int) -> AgedRow:
    """The account's row of the summary view, as the sum of its items (which it is), with the
    ledger's period names, which every row carries."""
    return AgedRow(
        account_id,
        tuple(round(sum(i.amount(bucket) for i in items), 2) for bucket in AGED_BUCKETS),
        tuple(round(sum(i.amount(bucket, base=True) for i in items), 2) for bucket in AGED_BUCKETS),
        tuple(next((i.label(n) for i in items if i.label(n)), "") for n in range(1, 9)),
    )


def _aged_row(row: AgedBalance, ledger: Ledger) -> AgedRow:
    return AgedRow.of(row, lenient_int(row.extra(ledger.party_id)))


async def page_of(
    client: SageClient,
    path: str,
    company: Company,
    params: dict[str, str],
    offset: int,
    limit: int,
    want_total: bool,
    parse: Callable[[dict[str, Any]], T],
) -> Page[T]:
    """One page of ``path``, parsed, with the total count when wanted (and to be had)."""
    if want_total:
        rows, more, total = await client.page_with_total(path, company, params, offset, limit)
    else:
        (rows, more), total = await client.page(path, company, params, offset, limit), None
    return Page([parse(row) for row in rows], more, total)
