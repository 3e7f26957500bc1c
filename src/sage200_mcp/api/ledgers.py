"""The sales and purchase ledgers: accounts, their transactions and their aged balances.

Suppliers mirror customers in Sage 200 (the same views, the same ageing), so one set of queries
serves both, told apart by a Ledger that names each side's resources and fields.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.errors import Ambiguous, NotFound
from sage200_mcp.api.lookups import ACCOUNT_STATUS, TRANSACTION_TYPES, enumeration, name_numbers
from sage200_mcp.api.models import Account, AccountView, AgedBalance, TransactionView

ROW_FIELDS = (
    "id",
    "reference",
    "name",
    "short_name",
    "balance",
    "credit_limit",
    "currency_iso_code",
    "account_is_on_hold",
    "is_over_credit_limit",
    "account_status_type",
)
SORT_FIELDS = ("name", "reference", "balance")
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
                odata.compare("balance", "ge", self.min_balance)
                if self.min_balance is not None
                else None,
                odata.compare("balance", "le", self.max_balance)
                if self.max_balance is not None
                else None,
                odata.eq("account_status_type", active) if active else None,
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
    if sort not in SORT_FIELDS:
        raise ValueError(f"cannot sort accounts by {sort!r}")
    active = None
    if not search.include_hidden:
        active = (await enumeration(client, company, ACCOUNT_STATUS)).named("Active")
    expression = search.filter(active)
    params = {
        "$select": ",".join(dict.fromkeys((*ROW_FIELDS, *extra_fields))),
        "$orderby": f"{sort} {'desc' if descending else 'asc'}, id asc",
    }
    if expression is not None:
        params["$filter"] = str(expression)
    found = await page_of(client, ledger.views, company, params, offset, limit, want_total, dict)
    return Page(await _views(client, company, found.rows), found.has_more, found.total)


async def resolve_account(client: SageClient, ledger: Ledger, company: Company, text: str) -> int:
    """The id of the one account ``text`` means (id, reference or name), or an error listing
    the candidates."""
    text = text.strip()
    number = odata.record_id(text)
    if number is not None:
        found = await client.get_list(
            ledger.views,
            company,
            {"$filter": str(odata.eq("id", number)), "$select": "id", "$top": "1"},
        )
        if found:
            return int(found[0]["id"])
    candidates = await find_accounts(client, ledger, company, text)
    exact = [
        c
        for c in candidates
        if c.name.lower() == text.lower() or c.reference.lower() == text.lower()
    ]
    chosen = exact if len(exact) == 1 else candidates
    if len(chosen) == 1 and chosen[0].id is not None:
        return chosen[0].id
    if not chosen:
        raise NotFound(
            f"No {ledger.party} in {company.describe()} matches '{text}'. Try"
            f" list_{ledger.party}s with a shorter search, or check the company"
            " (list_sites)."
        )
    listing = "; ".join(f"{c.reference} {c.name}" for c in chosen[:10])
    more = " (and more)" if len(chosen) > 10 else ""
    raise Ambiguous(
        f"Several {ledger.party}s match '{text}': {listing}{more}. Ask which one the"
        f" user means, then use its reference."
    )


async def find_accounts(
    client: SageClient, ledger: Ledger, company: Company, text: str, limit: int = 10
) -> list[AccountView]:
    """Candidates for what a person typed: an exact reference first, else names containing it.

    Hidden accounts are included: a person asking for one by name means it.
    """
    text = text.strip()
    fields = ",".join(ROW_FIELDS)
    exact = await client.get_list(
        ledger.views,
        company,
        {"$filter": str(odata.eq("reference", text.upper())), "$select": fields, "$top": "2"},
    )
    if exact:
        return await _views(client, company, exact)
    rows = await client.get_list(
        ledger.views,
        company,
        {
            "$filter": str(
                odata.any_of([odata.contains("name", text), odata.contains("short_name", text)])
            ),
            "$select": fields,
            "$orderby": "name asc, id asc",
            "$top": str(limit + 1),
        },
    )
    return await _views(client, company, rows)


async def account_view(
    client: SageClient, ledger: Ledger, company: Company, account_id: int
) -> AccountView | None:
    """An account's view row (its list fields), or None if there is no such account."""
    rows = await client.get_list(
        ledger.views,
        company,
        {"$filter": str(odata.eq("id", account_id)), "$select": ",".join(ROW_FIELDS), "$top": "1"},
    )
    views = await _views(client, company, rows)
    return views[0] if views else None


async def _views(
    client: SageClient, company: Company, rows: list[dict[str, Any]]
) -> list[AccountView]:
    """View rows as models, an account status sent as a number named."""
    await name_numbers(client, company, ACCOUNT_STATUS, rows, "account_status_type")
    return [AccountView.model_validate(row) for row in rows]


async def account_details(
    client: SageClient, ledger: Ledger, company: Company, account_id: int
) -> tuple[Account, AccountView | None]:
    """The full record (address and contacts expanded) and its view row, read together."""
    record, views = await asyncio.gather(
        client.get_item(
            f"{ledger.records}/{account_id}", company, {"$expand": "main_address,contacts"}
        ),
        client.get_list(
            ledger.views, company, {"$filter": str(odata.eq("id", account_id)), "$top": "1"}
        ),
        return_exceptions=True,
    )
    # only the record's 404 means "no such account"; the view's would mean a wrong path
    if isinstance(record, NotFound):
        raise NotFound(f"There is no {ledger.party} with id {account_id} in {company.describe()}.")
    if isinstance(record, BaseException):
        raise record
    if isinstance(views, BaseException):
        raise views
    await name_numbers(client, company, ACCOUNT_STATUS, [record], "account_status_type")
    view = await _views(client, company, views[:1])
    return Account.model_validate(record), (view[0] if view else None)


@dataclass(frozen=True)
class TransactionSearch:
    account_id: int
    outstanding_only: bool = True
    from_date: date | None = None
    to_date: date | None = None
    entry_type: str | None = None  # a key of ENTRY_TYPES

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
    """Newest first; ties broken by the transaction id so pages never overlap. Types are
    Sage's names, whether Sage sent names or numbers."""
    entry_type = None
    if search.entry_type:
        types = await enumeration(client, company, TRANSACTION_TYPES)
        entry_type = types.named(ENTRY_TYPES[search.entry_type])
    expression = search.filter(ledger, entry_type)
    params = {"$orderby": f"transaction_date desc, {ledger.transaction_id} desc"}
    if expression is not None:
        params["$filter"] = str(expression)
    found = await page_of(
        client, ledger.transactions, company, params, offset, limit, want_total, dict
    )
    await name_numbers(client, company, TRANSACTION_TYPES, found.rows, "transaction_type")
    rows = [TransactionView.model_validate(row) for row in found.rows]
    return Page(rows, found.has_more, found.total)


async def aged_balances(
    client: SageClient, ledger: Ledger, company: Company, basis: str, account_id: int | None = None
) -> list[AgedBalance]:
    """Every account's aged balance (or one account's), as the ledger ages it on ``basis``."""
    if basis not in AGEING:
        raise ValueError(f"unknown ageing basis {basis!r}")
    params = {"$ageingdatetype": basis, "$orderby": f"{ledger.party_id} asc"}
    if account_id is not None:
        params["$filter"] = str(odata.eq(ledger.party_id, account_id))
    return [
        AgedBalance.model_validate(row)
        for row in await client.all_rows(ledger.aged_summary, company, params)
    ]


async def account_views(
    client: SageClient, ledger: Ledger, company: Company, ids: list[int]
) -> dict[int, AccountView]:
    """The rows of the accounts ``ids`` (for names beside aged balances), 50 ids a request."""
    views: dict[int, AccountView] = {}
    for start in range(0, len(ids), 50):
        chunk = ids[start : start + 50]
        rows = await client.get_list(
            ledger.views,
            company,
            {
                "$filter": str(odata.any_of([odata.eq("id", i) for i in chunk])),
                "$select": ",".join(ROW_FIELDS),
                "$top": str(len(chunk)),
            },
        )
        views.update({v.id: v for v in map(AccountView.model_validate, rows) if v.id is not None})
    return views


async def aged_items(
    client: SageClient, ledger: Ledger, company: Company, account_id: int, basis: str
) -> list[tuple[AgedBalance, TransactionView | None]]:
    """One account's outstanding items as the ledger ages them, each with its transaction (for
    its reference and dates) when Sage still lists it as outstanding."""
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
                "$orderby": f"{ledger.transaction_id} asc",
            },
        ),
    )
    by_id = {
        row.get(ledger.transaction_id): TransactionView.model_validate(row) for row in open_items
    }
    aged = [AgedBalance.model_validate(row) for row in detail]
    return [(row, by_id.get(row.extra(ledger.transaction_id))) for row in aged]


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
