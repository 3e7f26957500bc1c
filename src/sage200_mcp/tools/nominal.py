"""The nominal ledger and the cash book: balances, what was spent on an account over a period,
bank balances, and the company's reference data."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sage200_mcp.api.models import lenient_number
from sage200_mcp.api.nominal import (
    bank_accounts,
    current_year_start,
    nominal_activity,
    nominal_codes_named,
    reference_data,
    search_nominal_codes,
)
from sage200_mcp.tools import paging
from sage200_mcp.tools.arguments import naming
from sage200_mcp.tools.errors import guarded
from sage200_mcp.tools.output import CompanyRef, PageInfo, fit, respond
from sage200_mcp.tools.paging import CursorArg, Limit
from sage200_mcp.tools.reference import currency_codes
from sage200_mcp.tools.state import app_state
from sage200_mcp.tools.toolkit import READ_ONLY, current_company

Kind = Literal["tax_codes", "currencies", "financial_periods"]


class NominalRow(BaseModel):
    id: int
    reference: str
    name: str
    cost_centre: str | None = None
    department: str | None = None
    category: str | None = None
    balance: float | None = Field(
        default=None,
        description=(
            "This financial year's balance, brought forward included; debit positive, credit"
            " negative."
        ),
    )
    debits_this_year: float | None = None
    credits_this_year: float | None = None
    brought_forward: float | None = None


class NominalList(PageInfo):
    company: CompanyRef
    nominal_codes: list[NominalRow]


class Posting(BaseModel):
    date: str | None = None
    reference: str | None = None
    narrative: str | None = None
    debit: float | None = None
    credit: float | None = None
    source: str | None = None


class NominalActivity(BaseModel):
    company: CompanyRef
    accounts: list[NominalRow] = Field(description="The nominal accounts with this reference.")
    from_date: str
    to_date: str
    debits: float
    credits: float
    net: float = Field(description="Debits less credits: what was spent, for an expense account.")
    postings: int = Field(description="How many postings fell in the period.")
    latest: list[Posting] = Field(description="The most recent postings in the period.")


class BankRow(BaseModel):
    code: str
    name: str
    bank: str | None = None
    sort_code: str | None = None
    account_number: str | None = None
    currency: str | None = None
    balance: float | None = None
    overdraft_limit: float | None = None
    statement_balance: float | None = None
    statement_date: str | None = None


class BankList(BaseModel):
    company: CompanyRef
    bank_accounts: list[BankRow]


class ReferenceData(BaseModel):
    company: CompanyRef
    kind: Kind
    rows: list[dict[str, Any]]
    truncated: bool = False


def nominal_row(view: dict[str, Any]) -> NominalRow:
    return NominalRow(
        id=int(view.get("id", 0)),
        reference=str(view.get("reference", "")),
        name=str(view.get("name", "")),
        cost_centre=view.get("cost_centre_code") or None,
        department=view.get("department_code") or None,
        category=view.get("report_category_description") or None,
        balance=lenient_number(view.get("balance_year_to_date")),
        debits_this_year=lenient_number(view.get("debit_year_to_date")),
        credits_this_year=lenient_number(view.get("credit_year_to_date")),
        brought_forward=lenient_number(view.get("brought_forward_balance")),
    )


def _reference_row(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    """A reference row without Sage's bookkeeping fields, dates as plain dates."""
    shaped = {
        k: (v[:10] if isinstance(v, str) and k.endswith("date") else v)
        for k, v in row.items()
        if not k.startswith("date_time")
    }
    iso = shaped.pop("currency_iso_code", None)
    if kind == "currencies" and isinstance(iso, dict):
        shaped["code"] = iso.get("code")
    return shaped


def register(mcp: MCPServer[Any]) -> None:
    @mcp.tool(
        title="List nominal accounts with balances",
        description=(
            "The selected company's chart of accounts with this financial year's figures:"
            " balance (debit positive, credit negative), debits and credits so far, brought"
            " forward. `search` matches the start of the reference (e.g. '75') or part of the"
            " name. For what was posted to an account over a period, use get_nominal_activity."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def list_nominal_codes(
        ctx: Context[Any, Any],
        search: Annotated[
            str | None,
            Field(
                max_length=60,
                description=("Start of a reference or part of a name, e.g. '7500' or 'printing'."),
            ),
        ] = None,
        limit: Limit = 50,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, NominalList]:
        state = app_state(ctx)
        company = await current_company(state)
        pages = paging.for_search(
            state.settings, "list_nominal_codes", company.site_id, company.company_id, search
        )
        position = pages.start(cursor)
        found = await search_nominal_codes(
            state.client,
            company,
            search,
            offset=position.offset,
            limit=limit,
            want_total=cursor is None,
        )
        rows = [nominal_row(view) for view in found.rows]
        page = paging.page_info(
            rows, found, position, pages, state.settings.max_result_chars, "nominal accounts"
        )
        return respond(
            NominalList(
                company=CompanyRef.of(company),
                nominal_codes=rows[: page.returned],
                **page.model_dump(),
            )
        )

    @mcp.tool(
        title="Postings to a nominal account over a period",
        description=(
            "What was posted to one nominal account (e.g. 7500, printing and stationery) between"
            " two dates: total debits, credits and the net (what was spent, for an expense), with"
            " the latest postings. Dates are YYYY-MM-DD and inclusive; without them, this"
            " financial year to date. All cost centres and departments of the reference count."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def get_nominal_activity(
        code: Annotated[
            str,
            Field(
                min_length=1,
                max_length=20,
                description=("The nominal account reference, e.g. '7500'."),
            ),
            naming("a nominal account reference such as 7500"),
        ],
        ctx: Context[Any, Any],
        from_date: Annotated[date | None, Field(description="First day (inclusive).")] = None,
        to_date: Annotated[date | None, Field(description="Last day (inclusive).")] = None,
        latest: Annotated[
            int, Field(ge=0, le=100, description=("How many of the most recent postings to show."))
        ] = 10,
    ) -> Annotated[CallToolResult, NominalActivity]:
        state = app_state(ctx)
        company = await current_company(state)
        accounts = await nominal_codes_named(state.client, company, code)
        if not accounts:
            raise ToolError(
                f"No nominal account '{code}' in {company.describe()}. Find the"
                " reference with list_nominal_codes(search=...)."
            )
        start = (
            from_date
            or await current_year_start(state.client, company)
            or state.clock.today().replace(month=1, day=1)
        )
        end = to_date or state.clock.today()
        if start > end:
            raise ToolError(f"from_date {start} is after to_date {end}; swap them.")
        found = await nominal_activity(
            state.client, company, [int(a["id"]) for a in accounts], start, end, latest
        )
        return respond(
            NominalActivity(
                company=CompanyRef.of(company),
                accounts=[nominal_row(a) for a in accounts],
                from_date=start.isoformat(),
                to_date=end.isoformat(),
                debits=found.debit,
                credits=found.credit,
                net=round(found.debit - found.credit, 2),
                postings=found.count,
                latest=[
                    Posting(
                        date=str(r.get("transaction_date", ""))[:10] or None,
                        reference=r.get("reference") or None,
                        narrative=r.get("narrative") or None,
                        debit=lenient_number(r.get("debit")),
                        credit=lenient_number(r.get("credit")),
                        source=r.get("source") or None,
                    )
                    for r in found.latest
                ],
            )
        )

    @mcp.tool(
        title="Bank accounts with balances",
        description=(
            "The selected company's bank accounts (cash book): balance, overdraft limit and the"
            " last statement's balance and date."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def list_bank_accounts(ctx: Context[Any, Any]) -> Annotated[CallToolResult, BankList]:
        state = app_state(ctx)
        company = await current_company(state)
        currencies = await currency_codes(state, company)
        rows = [
            BankRow(
                code=str(b.get("code", "")),
                name=str(b.get("description", "")),
                bank=b.get("bank_name") or None,
                sort_code=b.get("sort_code") or None,
                account_number=b.get("account_no") or None,
                currency=b.get("currency_iso_code") or currencies.get(b.get("currency_id", -1)),
                balance=lenient_number(b.get("balance")),
                overdraft_limit=lenient_number(b.get("overdraft_limit")),
                statement_balance=lenient_number(b.get("statement_balance")),
                statement_date=str(b.get("statement_date", ""))[:10] or None,
            )
            for b in await bank_accounts(state.client, company)
        ]
        return respond(BankList(company=CompanyRef.of(company), bank_accounts=rows))

    @mcp.tool(
        title="Reference data",
        description=(
            "The selected company's tax codes (with rates), currencies (with exchange rates"
            " against the base currency) or financial periods (start and end of each period of"
            " each year, relative to the current year)."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def get_reference_data(
        kind: Annotated[Kind, Field(description="Which list.")],
        ctx: Context[Any, Any],
    ) -> Annotated[CallToolResult, ReferenceData]:
        state = app_state(ctx)
        company = await current_company(state)
        rows = [_reference_row(kind, r) for r in await reference_data(state.client, company, kind)]
        kept = fit(rows, state.settings.max_result_chars)
        return respond(
            ReferenceData(
                company=CompanyRef.of(company),
                kind=kind,
                rows=rows[:kept],
                truncated=kept < len(rows),
            )
        )
