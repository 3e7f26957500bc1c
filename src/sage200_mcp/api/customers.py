"""Reading customers: searches over ``customer_views`` and full records from ``customers``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.errors import NotFound
from sage200_mcp.api.models import Customer, CustomerView

VIEWS = "customer_views"
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


@dataclass(frozen=True)
class CustomerSearch:
    """What to look for; every condition is optional and they all apply together."""

    text: str | None = None
    on_hold: bool | None = None
    over_credit_limit: bool | None = None
    min_balance: float | None = None
    max_balance: float | None = None
    include_hidden: bool = False

    def filter(self) -> odata.Expr | None:
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
                None
                if self.include_hidden
                else odata.eq("account_status_type", "AccountStatusActive"),
            ]
        )


@dataclass(frozen=True)
class CustomerPage:
    rows: list[CustomerView]
    has_more: bool
    total: int | None


async def search_customers(
    client: SageClient,
    company: Company,
    search: CustomerSearch,
    *,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 25,
    extra_fields: tuple[str, ...] = (),
    want_total: bool = False,
) -> CustomerPage:
    """One page of matching customers, sorted (ties broken by id so pages never overlap)."""
    if sort not in SORT_FIELDS:
        raise ValueError(f"cannot sort customers by {sort!r}")
    expression = search.filter()
    params = {
        "$select": ",".join(dict.fromkeys((*ROW_FIELDS, *extra_fields))),
        "$orderby": f"{sort} {'desc' if descending else 'asc'}, id asc",
    }
    if expression is not None:
        params["$filter"] = str(expression)
    page = client.page(VIEWS, company, params, offset, limit)
    if not want_total:
        rows, has_more = await page
        return CustomerPage([CustomerView.model_validate(r) for r in rows], has_more, None)
    (rows, has_more), total = await asyncio.gather(
        page, client.count(VIEWS, company, str(expression) if expression else None)
    )
    return CustomerPage([CustomerView.model_validate(r) for r in rows], has_more, total)


async def customer_by_id(client: SageClient, company: Company, customer_id: int) -> Customer:
    """The full record, with its main address and contacts."""
    body = await client.get_item(
        f"customers/{customer_id}", company, {"$expand": "main_address,contacts"}
    )
    return Customer.model_validate(body)


async def view_by_id(client: SageClient, company: Company, customer_id: int) -> CustomerView | None:
    rows = await client.get_list(
        VIEWS, company, {"$filter": str(odata.eq("id", customer_id)), "$top": "1"}
    )
    return CustomerView.model_validate(rows[0]) if rows else None


async def find_customers(
    client: SageClient, company: Company, text: str, limit: int = 10
) -> list[CustomerView]:
    """Candidates for what a person typed: an exact reference first, else names containing it.

    Hidden accounts are included: a person asking for one by name means it.
    """
    text = text.strip()
    fields = ",".join(ROW_FIELDS)
    exact = await client.get_list(
        VIEWS,
        company,
        {"$filter": str(odata.eq("reference", text.upper())), "$select": fields, "$top": "2"},
    )
    if exact:
        return [CustomerView.model_validate(r) for r in exact]
    rows = await client.get_list(
        VIEWS,
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
    return [CustomerView.model_validate(r) for r in rows]


async def customer_details(
    client: SageClient, company: Company, customer_id: int
) -> tuple[Customer, CustomerView | None]:
    """The record and its view row, read together (the view adds currency code and dates)."""
    try:
        record, view = await asyncio.gather(
            customer_by_id(client, company, customer_id), view_by_id(client, company, customer_id)
        )
    except NotFound:
        raise NotFound(
            f"There is no customer with id {customer_id} in {company.describe()}."
        ) from None
    return record, view
