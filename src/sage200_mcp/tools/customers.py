"""Customers: find them by what matters (name, balance, credit, hold) and read one in full."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sage200_mcp.api.customers import (
    CustomerSearch,
    customer_details,
    find_customers,
    search_customers,
)
from sage200_mcp.api.errors import NotFound
from sage200_mcp.api.models import Contact, Customer, CustomerView
from sage200_mcp.api.schema import check_fields
from sage200_mcp.tools import paging
from sage200_mcp.tools.context import READ_ONLY, current_company
from sage200_mcp.tools.errors import guarded
from sage200_mcp.tools.output import CompanyRef, PageInfo, fit, respond
from sage200_mcp.tools.state import app_state

Sort = Literal["name", "-name", "reference", "-reference", "balance", "-balance"]


class CustomerRow(BaseModel):
    id: int
    reference: str
    name: str
    balance: float | None = Field(default=None, description="In the account's currency.")
    credit_limit: float | None = Field(default=None, description="0 means no limit.")
    currency: str | None = Field(default=None, description="ISO code of the account's currency.")
    on_hold: bool
    over_credit_limit: bool
    status: Literal["active", "hidden"]
    extra: dict[str, Any] | None = Field(
        default=None, description="The fields asked for with `fields`."
    )


class CustomerList(PageInfo):
    company: CompanyRef
    customers: list[CustomerRow]


class ContactDetail(BaseModel):
    name: str
    telephone: str | None = None
    email: str | None = None


class CustomerDates(BaseModel):
    account_opened: str | None = None
    last_transaction: str | None = None
    last_credit_review: str | None = None
    next_credit_review: str | None = None
    record_updated: str | None = None


class CustomerDetail(BaseModel):
    id: int
    reference: str
    name: str
    short_name: str | None = None
    status: Literal["active", "hidden"]
    on_hold: bool
    status_reason: str | None = None
    currency: str | None = None
    balance: float | None = None
    credit_limit: float | None = Field(default=None, description="0 means no limit.")
    credit_headroom: float | None = Field(
        default=None, description="Credit limit less balance; negative when over the limit."
    )
    over_credit_limit: bool | None = None
    terms: str | None = None
    early_settlement: str | None = None
    average_days_to_pay: int | None = None
    value_on_order: float | None = Field(default=None, description="Current sales orders.")
    address: list[str] | None = None
    telephone: str | None = None
    website: str | None = None
    vat_number: str | None = None
    contacts: list[ContactDetail] | None = Field(
        default=None, description="The default contact first."
    )
    analysis: dict[str, str] | None = None
    dates: CustomerDates


class CustomerAnswer(BaseModel):
    company: CompanyRef
    customer: CustomerDetail


def row(view: CustomerView, extra_fields: tuple[str, ...]) -> CustomerRow:
    return CustomerRow(
        id=view.id or 0,
        reference=view.reference,
        name=view.name,
        balance=view.balance,
        credit_limit=view.credit_limit,
        currency=view.currency_iso_code or None,
        on_hold=bool(view.account_is_on_hold),
        over_credit_limit=bool(view.is_over_credit_limit),
        status="hidden" if view.account_status_type == "AccountStatusHidden" else "active",
        extra={name: view.extra(name) for name in extra_fields} or None,
    )


def detail(customer: Customer, view: CustomerView | None) -> CustomerDetail:
    limit, balance = customer.credit_limit, customer.balance
    headroom = round(limit - balance, 2) if limit and balance is not None else None
    contacts = sorted(customer.contacts, key=lambda c: not c.is_default)
    return CustomerDetail(
        id=customer.id or 0,
        reference=customer.reference,
        name=customer.name,
        short_name=customer.short_name or None,
        status="hidden" if customer.account_status_type == "AccountStatusHidden" else "active",
        on_hold=bool(customer.on_hold),
        status_reason=customer.status_reason or None,
        currency=(view.currency_iso_code if view else None) or None,
        balance=balance,
        credit_limit=limit,
        credit_headroom=headroom,
        over_credit_limit=view.is_over_credit_limit if view else None,
        terms=_terms(customer, view),
        early_settlement=(
            f"{customer.early_settlement_discount_percent:g}% within"
            f" {customer.early_settlement_discount_days} days"
        )
        if customer.early_settlement_discount_percent
        else None,
        average_days_to_pay=customer.average_time_to_pay,
        value_on_order=customer.value_of_current_orders_in_sop,
        address=(customer.main_address.lines() or None) if customer.main_address else None,
        telephone=customer.telephone or None,
        website=customer.website or None,
        vat_number=customer.vat_number or None,
        contacts=[_contact(c) for c in contacts[:5]] or None,
        analysis=customer.analysis_codes() or None,
        dates=CustomerDates(
            account_opened=_iso(customer.account_opened),
            last_transaction=_iso(view.date_of_last_transaction) if view else None,
            last_credit_review=_iso(customer.last_credit_review),
            next_credit_review=_iso(customer.next_credit_review),
            record_updated=_iso(customer.date_time_updated),
        ),
    )


def _contact(contact: Contact) -> ContactDetail:
    return ContactDetail(
        name=contact.full_name,
        telephone=contact.default_telephone or None,
        email=contact.default_email or None,
    )


def _terms(customer: Customer, view: CustomerView | None) -> str | None:
    if view is not None and view.payment_terms:
        return view.payment_terms
    if customer.payment_terms_days is None:
        return None
    basis = " from the end of the month" if "CalendarMonth" in customer.payment_terms_basis else ""
    return f"{customer.payment_terms_days} days{basis}"


def _iso(value: object) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else None


def register(mcp: MCPServer[Any]) -> None:
    @mcp.tool(
        title="List or search customers",
        description=(
            "Find customers in the selected company's sales ledger. Filters combine: `search`"
            " matches part of the reference, name or short name (any case); `on_hold`,"
            " `over_credit_limit`, `min_balance`/`max_balance` narrow further; hidden (closed)"
            " accounts are left out unless `include_hidden`. `sort` by name, reference or"
            " balance ('-balance' puts the largest first). Rows are compact; ask for more with"
            " `fields` (names of customer_views fields, e.g. 'contact_name', 'payment_terms')."
            " Pass `next_cursor` as `cursor` for the next page, only if the user needs more."
            " For one customer in full, use get_customer."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def list_customers(
        ctx: Context[Any, Any],
        search: Annotated[
            str | None,
            Field(
                max_length=100,
                description=("Part of a reference, name or short name, e.g. 'garage'."),
            ),
        ] = None,
        on_hold: Annotated[
            bool | None, Field(description="Only accounts on hold (true) or not (false).")
        ] = None,
        over_credit_limit: Annotated[
            bool | None,
            Field(
                description=(
                    "Only accounts whose balance exceeds their credit limit (true) or not (false)."
                )
            ),
        ] = None,
        min_balance: Annotated[float | None, Field(description="Balance at least this.")] = None,
        max_balance: Annotated[float | None, Field(description="Balance at most this.")] = None,
        include_hidden: Annotated[
            bool, Field(description="Include hidden (closed) accounts.")
        ] = False,
        sort: Annotated[Sort, Field(description="Order of the rows; '-' for descending.")] = "name",
        fields: Annotated[
            list[str] | None,
            Field(max_length=20, description=("Extra fields per row, by their Sage names.")),
        ] = None,
        limit: Annotated[int, Field(ge=1, le=200, description="Rows per page.")] = 25,
        cursor: Annotated[
            str | None, Field(max_length=500, description=("next_cursor from the previous page."))
        ] = None,
    ) -> Annotated[CallToolResult, CustomerList]:
        state = app_state(ctx)
        company = await current_company(state)
        extra = check_fields(
            fields or [],
            "sales",
            "customer_view",
            state.settings.edition,
            "a customer (customer_views)",
        )
        wanted = CustomerSearch(
            search, on_hold, over_credit_limit, min_balance, max_balance, include_hidden
        )
        query = paging.fingerprint(
            "list_customers", company.site_id, company.company_id, wanted, sort, extra
        )
        position = paging.decode(cursor, query, "list_customers")
        found = await search_customers(
            state.client,
            company,
            wanted,
            sort=sort.lstrip("-"),
            descending=sort.startswith("-"),
            offset=position.offset,
            limit=limit,
            extra_fields=extra,
            want_total=cursor is None,
        )
        rows = [row(view, extra) for view in found.rows]
        kept = fit(rows, state.settings.max_result_chars)
        total = found.total if found.total is not None else position.total
        if not found.has_more:
            total = position.offset + len(found.rows)
        more = found.has_more or kept < len(rows)
        note = None
        if kept < len(rows):
            note = (
                f"Showing {kept} of the {len(rows)} rows asked for, to keep the answer small;"
                " use next_cursor for the rest, or narrow the search."
            )
        elif found.has_more and total:
            note = (
                f"{total} customers match; this is rows {position.offset + 1} to"
                f" {position.offset + kept}. Narrow the search rather than paging through"
                " all, unless the user needs every row."
            )
        return respond(
            CustomerList(
                company=CompanyRef.of(company),
                customers=rows[:kept],
                returned=kept,
                total=total,
                next_cursor=paging.encode(position.offset + kept, total, query) if more else None,
                truncated=kept < len(rows),
                note=note,
            )
        )

    @mcp.tool(
        title="Get one customer in full",
        description=(
            "One customer of the selected company: identity, balance, credit limit and headroom,"
            " terms, status, main address, contacts, analysis codes and key dates. `customer` is"
            " the numeric id, the account reference (e.g. 'ABS001', any case) or a name or part"
            " of one that matches a single customer."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def get_customer(
        customer: Annotated[
            str,
            Field(
                min_length=1, max_length=100, description=("Id, reference or name of the customer.")
            ),
        ],
        ctx: Context[Any, Any],
    ) -> Annotated[CallToolResult, CustomerAnswer]:
        state = app_state(ctx)
        company = await current_company(state)
        text = customer.strip()
        customer_id = int(text) if text.isdigit() else None
        if customer_id is not None:
            try:
                record, view = await customer_details(state.client, company, customer_id)
            except NotFound:
                customer_id = None
        if customer_id is None:
            customer_id = _one(await find_customers(state.client, company, text), text, company)
            record, view = await customer_details(state.client, company, customer_id)
        return respond(
            CustomerAnswer(company=CompanyRef.of(company), customer=detail(record, view))
        )


def _one(candidates: list[CustomerView], text: str, company: Any) -> int:
    """The id of the one customer ``text`` means, or an error listing the candidates."""
    exact = [
        c
        for c in candidates
        if c.name.lower() == text.lower() or c.reference.lower() == text.lower()
    ]
    chosen = exact if len(exact) == 1 else candidates
    if len(chosen) == 1 and chosen[0].id is not None:
        return chosen[0].id
    if not chosen:
        raise ToolError(
            f"No customer in {company.describe()} matches '{text}'. Try list_customers"
            " with a shorter search, or check the company (list_sites)."
        )
    listing = "; ".join(f"{c.reference} {c.name}" for c in chosen[:10])
    more = " (and more)" if len(chosen) > 10 else ""
    raise ToolError(
        f"Several customers match '{text}': {listing}{more}. Ask which one the user"
        " means, then call get_customer with its reference."
    )
