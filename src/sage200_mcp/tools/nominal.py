"""The nominal ledger and the cash book: balances, what was spent on an account over a period,
bank balances, and the company's reference data."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sage200_mcp.api.client import Company, Remembered, SageClient
from sage200_mcp.api.models import SageRecord
from sage200_mcp.api.nominal import (
    FinancialYear,
    bank_accounts,
    currencies,
    current_year,
    financial_periods,
    financial_years,
    nominal_activity,
    nominal_codes_named,
    search_nominal_codes,
    tax_codes,
)
from sage200_mcp.api.views import (
    BankAccount,
    Currency,
    NominalCodeView,
    NominalPosting,
)
from sage200_mcp.tools import paging
from sage200_mcp.tools.arguments import naming
from sage200_mcp.tools.listing import shown_page
from sage200_mcp.tools.output import CompanyRef, PageInfo, fit, respond
from sage200_mcp.tools.paging import CursorArg, Limit
from sage200_mcp.tools.reference import currency_codes, label
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import READ_ONLY, ToolContext, add_tool, current_company

Kind = Literal["tax_codes", "currencies", "financial_years", "financial_periods"]
Listed = Literal["tax_codes", "currencies", "financial_periods"]  # the kinds Sage lists as rows


class NominalRow(BaseModel):
    id: int
    reference: str
    name: str
    cost_centre: str | None = None
    department: str | None = None
    category: str | None = None
    balance_year_to_date: float | None = Field(
        default=None,
        description=(
            "The balance today: brought forward plus this financial year's postings; debit"
            " positive, credit negative."
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
    net_in_range: float = Field(
        description=(
            "Debits less credits posted from from_date to to_date (what was spent, for an"
            " expense account); not a balance."
        )
    )
    debits_in_range: float | None = Field(
        default=None,
        description="Absent when whole periods came from Sage's period values (net only).",
    )
    credits_in_range: float | None = Field(default=None, description="As debits_in_range.")
    basis: str = Field(description="Where the figures come from.")
    postings: int | None = Field(
        default=None, description="How many postings fell in the range, when Sage counts them."
    )
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
    read_at: str = Field(description="When Sage was read (UTC); these lists are reused a while.")
    rows: list[dict[str, Any]]
    truncated: bool = False
    note: str | None = None


def nominal_row(view: NominalCodeView, code_id: int) -> NominalRow:
    return NominalRow(
        id=code_id,
        reference=view.reference,
        name=view.name,
        cost_centre=view.cost_centre_code or None,
        department=view.department_code or None,
        category=view.report_category_description or None,
        balance_year_to_date=view.balance_year_to_date,
        debits_this_year=view.debit_year_to_date,
        credits_this_year=view.credit_year_to_date,
        brought_forward=view.brought_forward_balance,
    )


def posting(entry: NominalPosting) -> Posting:
    return Posting(
        date=entry.transaction_date.isoformat() if entry.transaction_date else None,
        reference=entry.reference or None,
        narrative=entry.narrative or None,
        debit=entry.debit,
        credit=entry.credit,
        source=entry.source or None,
    )


def bank_row(bank: BankAccount, currencies: dict[int, str]) -> BankRow:
    return BankRow(
        code=bank.code,
        name=bank.description,
        bank=bank.bank_name or None,
        sort_code=bank.sort_code or None,
        account_number=bank.account_no or None,
        currency=bank.currency_iso_code or label(currencies, bank.currency_id),
        balance=bank.balance,
        overdraft_limit=bank.overdraft_limit,
        statement_balance=bank.statement_balance,
        statement_date=bank.statement_date.isoformat() if bank.statement_date else None,
    )


def reference_row(record: SageRecord) -> dict[str, Any]:
    """The fields the model declares (those asked for: a model keeps whatever else Sage adds),
    as JSON, without those Sage left empty; a currency's ISO code flattened to ``code``."""
    shown = record.model_dump(mode="json", include=set(type(record).model_fields))
    if isinstance(record, Currency):
        shown["code"] = shown.pop("currency_iso_code")["code"]
    return {name: value for name, value in shown.items() if value not in (None, "")}


def year_row(year: FinancialYear) -> dict[str, Any]:
    """A financial year as a row: relative year, first and last day, how many periods, and
    (this year) the current period."""
    row: dict[str, Any] = {
        "year": year.relative,
        "start": year.start.isoformat() if year.start else None,
        "end": year.end.isoformat() if year.end else None,
        "periods": year.periods,
    }
    current = year.current_period
    if current is not None:
        row["current_period"] = {
            "number": current.period_number,
            "start": current.period_start_date.isoformat() if current.period_start_date else None,
            "end": current.period_end_date.isoformat() if current.period_end_date else None,
        }
    return {name: value for name, value in row.items() if value is not None}


async def _reference_records(
    client: SageClient,
    company: Company,
    kind: Literal["tax_codes", "currencies", "financial_periods"],
) -> Remembered[Sequence[SageRecord]]:
    found: Remembered[Sequence[SageRecord]]
    if kind == "tax_codes":
        found = await tax_codes(client, company)
    elif kind == "currencies":
        found = await currencies(client, company)
    else:
        found = await financial_periods(client, company)
    return found


async def list_nominal_codes(
    ctx: ToolContext,
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
    pages = paging.for_search(state.settings, "list_nominal_codes", company, search)
    position = pages.start(cursor)
    found = await search_nominal_codes(
        state.client,
        company,
        search,
        offset=position.offset,
        limit=limit,
        want_total=cursor is None,
    )
    rows, page = shown_page(
        found, nominal_row, position, pages, state.settings.max_result_chars, "nominal accounts"
    )
    return respond(
        NominalList(company=CompanyRef.of(company), nominal_codes=rows, **page.model_dump())
    )


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
    ctx: ToolContext,
    from_date: Annotated[date | None, Field(description="First day (inclusive).")] = None,
    to_date: Annotated[date | None, Field(description="Last day (inclusive).")] = None,
    latest: Annotated[
        int, Field(ge=0, le=100, description=("How many of the most recent postings to show."))
    ] = 10,
) -> Annotated[CallToolResult, NominalActivity]:
    state = app_state(ctx)
    company = await current_company(state)
    named, periods = await asyncio.gather(
        nominal_codes_named(state.client, company, code), financial_periods(state.client, company)
    )
    accounts = _identified(named, code, company)
    today = state.clock.today()
    year = current_year(periods.value)
    start = from_date or (year[0] if year else today.replace(month=1, day=1))
    end = to_date or today
    if start > end:
        raise ToolError(f"from_date {start} is after to_date {end}; swap them.")
    found = await nominal_activity(
        state.client,
        company,
        list(accounts.values()),
        (start, end),
        today=today,
        periods=periods.value,
        latest=latest,
    )
    return respond(
        NominalActivity(
            company=CompanyRef.of(company),
            accounts=[nominal_row(view, code_id) for code_id, view in accounts.items()],
            from_date=start.isoformat(),
            to_date=end.isoformat(),
            net_in_range=found.net,
            debits_in_range=found.debit,
            credits_in_range=found.credit,
            basis=found.basis,
            postings=found.count,
            latest=[posting(entry) for entry in found.latest],
        )
    )


def _identified(
    accounts: list[NominalCodeView], code: str, company: Company
) -> dict[int, NominalCodeView]:
    """The accounts by id; an error when there are none, or when one has no id, whose postings
    could not be read (totals without them would be wrong, not just short)."""
    if not accounts:
        raise ToolError(
            f"No nominal account '{code}' in {company.describe()}. Find the"
            " reference with list_nominal_codes(search=...)."
        )
    if any(view.id is None for view in accounts):
        raise ToolError(
            f"Sage sent nominal account '{code}' (or one of its cost centres or departments)"
            " without its id, so its postings cannot be read and the totals would be wrong;"
            " list_nominal_codes shows its year-to-date figures."
        )
    return {view.id: view for view in accounts if view.id is not None}


async def list_bank_accounts(ctx: ToolContext) -> Annotated[CallToolResult, BankList]:
    state = app_state(ctx)
    company = await current_company(state)
    codes, banks = await asyncio.gather(
        currency_codes(state, company), bank_accounts(state.client, company)
    )
    rows = [bank_row(bank, codes) for bank in banks]
    return respond(BankList(company=CompanyRef.of(company), bank_accounts=rows))


async def get_reference_data(
    kind: Annotated[Kind, Field(description="Which list.")],
    ctx: ToolContext,
) -> Annotated[CallToolResult, ReferenceData]:
    state = app_state(ctx)
    company = await current_company(state)
    if kind == "financial_years":
        periods = await financial_periods(state.client, company)
        years = financial_years(periods.value, state.clock.today())
        found_at, rows = periods.read_at, [year_row(year) for year in years]
    else:
        found = await _reference_records(state.client, company, kind)
        found_at, rows = found.read_at, [reference_row(record) for record in found.value]
    kept = fit(rows, state.settings.max_result_chars)
    return respond(
        ReferenceData(
            company=CompanyRef.of(company),
            kind=kind,
            read_at=found_at.isoformat(timespec="seconds"),
            rows=rows[:kept],
            truncated=kept < len(rows),
            note=f"Showing {kept} of {len(rows)} rows, to keep the answer small."
            if kept < len(rows)
            else None,
        )
    )


def register(mcp: MCPServer[AppState]) -> None:
    add_tool(
        mcp,
        list_nominal_codes,
        title="List nominal accounts with balances",
        description=(
            "The selected company's chart of accounts with this financial year's figures:"
            " balance_year_to_date (debit positive, credit negative), debits and credits so"
            " far, brought forward. `search` matches the start of the reference (e.g. '75')"
            " or part of the name. For what was posted to an account over a period, use"
            " get_nominal_activity."
        ),
        annotations=READ_ONLY,
    )
    add_tool(
        mcp,
        get_nominal_activity,
        title="Postings to a nominal account over a period",
        description=(
            "What was posted to one nominal account (e.g. 7500, printing and stationery) between"
            " two dates: net_in_range (what was spent, for an expense), debits and credits, with"
            " the latest postings, beside each account's balance_year_to_date. Dates are"
            " YYYY-MM-DD and inclusive; without them, this financial year to date. All cost"
            " centres and departments of the reference count. Whole financial periods are"
            " answered from Sage's own period totals (fast whatever the volume, net only);"
            " `basis` says how the figures were had."
        ),
        annotations=READ_ONLY,
    )
    add_tool(
        mcp,
        list_bank_accounts,
        title="Bank accounts with balances",
        description=(
            "The selected company's bank accounts (cash book): balance, overdraft limit and the"
            " last statement's balance and date."
        ),
        annotations=READ_ONLY,
    )
    add_tool(
        mcp,
        get_reference_data,
        title="Reference data",
        description=(
            "The selected company's tax codes (with rates), currencies (with exchange rates"
            " against the base currency), financial years in brief (start, end, number of"
            " periods, and this year's current period: 'when does our year end?') or every"
            " financial period (start and end of each period of each year, relative to the"
            " current year)."
        ),
        annotations=READ_ONLY,
    )
